"""No NHS numbers in free text (issue 19). Meeting notes are "anonymised" (SPEC §8) and the other
free-text fields (queries, reasons, findings, outcomes reports, notes) are read by officers,
auditors and practices who must not see patient data there. A field that should hold none refuses
text holding a 10-digit number, written with or without spaces or dashes, that passes the NHS
number's modulus 11 check. Text already stored is left as it is: the check is on what is typed.

A form lists such fields in ``free_text`` and inherits :class:`FreeTextForm` (before its form base
class): each then refuses an NHS number with a message naming the field."""

import re

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible

from core.identifiers import nhs_number_check_digit

# Runs of digits joined by single spaces or dashes: "943 476 5919", "943-476-5919", "9434765919".
DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:[ \-][0-9]+)*(?![0-9])")
GROUP_SEPARATOR = re.compile(r"[ \-]")


def nhs_numbers_in(text: str) -> list[str]:
    """The NHS numbers written in ``text``, as written: every run of consecutive digit groups
    (whole groups, so that "2 943 476 5919" finds "943 476 5919" but a phone number's groups
    never combine into a different 10 digits) with exactly 10 digits whose check digit is right."""
    found = []
    for run in DIGIT_RUN.finditer(text or ""):
        groups = GROUP_SEPARATOR.split(run.group())
        spans, position = [], run.start()
        for group in groups:
            spans.append((position, position + len(group)))
            position += len(group) + 1
        for first in range(len(groups)):
            digits = ""
            for last in range(first, len(groups)):
                digits += groups[last]
                if len(digits) > 10:
                    break
                if len(digits) == 10 and nhs_number_check_digit(digits[:9]) == int(digits[9]):
                    found.append(text[spans[first][0] : spans[last][1]])
                    break
    return found


@deconstructible
class NoNhsNumber:
    """A validator refusing text that holds an NHS number; ``label`` names the field."""

    code = "nhs_number_in_free_text"

    def __init__(self, label: str):
        self.label = label

    def __call__(self, value) -> None:
        numbers = nhs_numbers_in(str(value or ""))
        if numbers:
            raise ValidationError(
                f"{str(self.label).rstrip(' .:')} must not include an NHS number: {numbers[0]!r} is one. This text "
                "is read by staff who must not see patient data, so remove the number and "
                "describe the patient without identifying them.",
                code=self.code,
            )

    def __eq__(self, other) -> bool:
        return isinstance(other, NoNhsNumber) and other.label == self.label


class FreeTextForm:
    """A form mixin: each field named in ``free_text`` refuses an NHS number (see above)."""

    free_text: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.free_text:
            field = self.fields[name]
            field.validators.append(NoNhsNumber(_Label(field, name)))


class _Label:
    """A field's label as it is when the form is cleaned (a form may relabel a field after its
    ``__init__``, as the opening correction does with the home's name)."""

    def __init__(self, field, name: str):
        self.field, self.name = field, name

    def __str__(self) -> str:
        return str(self.field.label or self.name.replace("_", " ").capitalize())
