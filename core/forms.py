"""Form pieces every form in the service shares: NHS.UK date inputs and NHS-style messages.

- :class:`DateField` is entered as the NHS.UK date input component (day, month and year in three
  text boxes in a fieldset), never a browser date picker, and answers in the NHS style: "Enter the
  payment date", "Payment date must include a month", "Payment date must be a real date".
- :class:`NHSForm` and :class:`NHSModelForm` are the bases of every form: each required field gets
  a message naming it ("Enter the findings", "Select the care home") instead of Django's "This
  field is required.", each select a meaningful empty choice instead of "---------", and a model
  form's date fields become :class:`DateField`. A field's own ``error_messages["required"]``
  wins; forms give one where the generated wording would read badly.
"""

from __future__ import annotations

import datetime
import re
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceField
from django.template.defaultfilters import filesizeformat
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

DJANGO_REQUIRED = str(forms.Field.default_error_messages["required"])
DJANGO_EMPTY_LABEL = "---------"
DATE_EXAMPLE = "For example, 15 3 2026"
_PARTS = ("day", "month", "year")
_ISO = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")


def _lower_first(text: str) -> str:
    """``Payment date`` → ``payment date``, keeping acronyms (``PCN``) and names as they are."""
    text = str(text).strip().rstrip(".:")
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


class DateInput(forms.MultiWidget):
    """Three text boxes (day, month, year) posted as ``<name>_day``, ``<name>_month`` and
    ``<name>_year``. The pack draws them as the NHS.UK date input (templates/nhsuk/layout/
    date_input.html). A plain ``<name>=YYYY-MM-DD`` is read too, so that a link such as
    ``?date=2026-03-31`` still fills the field."""

    use_fieldset = True

    def __init__(self, attrs=None):
        parts = {
            name: forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
            for name in _PARTS
        }
        super().__init__(parts, attrs)

    def decompress(self, value):
        if isinstance(value, str):
            value = _iso_date(value) or value
        if isinstance(value, datetime.date):
            return [str(value.day), str(value.month), str(value.year)]
        return [None, None, None]

    def value_from_datadict(self, data, files, name):
        if not any(f"{name}_{part}" in data for part in _PARTS) and name in data:
            raw = data.get(name) or ""
            match = _ISO.match(raw)
            if match:
                year, month, day = match.groups()
                return [str(int(day)), str(int(month)), year]
            return raw  # not a date: DateField.to_python says so
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and super().value_omitted_from_data(data, files, name)


def _iso_date(text: str) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(text.strip())
    except ValueError:
        return None


class DateField(forms.Field):
    """A date entered as day, month and year, with NHS.UK error messages named after the label
    (``noun`` overrides the lower-cased label in "Enter the …")."""

    widget = DateInput

    def __init__(self, *, noun: str = "", **kwargs):
        kwargs.pop("input_formats", None)
        kwargs.pop("localize", None)
        super().__init__(**kwargs)
        self.noun = noun
        label = str(self.label or "Date")
        if not self.help_text:
            self.help_text = DATE_EXAMPLE
        elif DATE_EXAMPLE not in str(self.help_text):
            self.help_text = f"{self.help_text} {DATE_EXAMPLE}."
        if self.error_messages.get("required") == DJANGO_REQUIRED:
            self.error_messages["required"] = f"Enter the {noun or _lower_first(label)}"
        self.error_messages.setdefault("incomplete", "{label} must include a {missing}")
        self.error_messages.setdefault("invalid", "{label} must be a real date")
        self.error_messages.setdefault("year", "{label} year must include 4 numbers")

    @property
    def _label(self) -> str:
        """The subject of the messages: "The date of the meeting", else the label."""
        if self.noun:
            return f"The {self.noun}"
        label = str(self.label or "Date").strip().rstrip(".:")
        return label[0].upper() + label[1:]

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        if isinstance(value, str):
            if not value.strip():
                return None
            if _iso_date(value) is None:
                raise ValidationError(
                    self.error_messages["invalid"].format(label=self._label), code="invalid"
                )
            value = DateInput().decompress(value)
        parts = [str(part or "").strip() for part in (value or [])] + ["", "", ""]
        day, month, year = parts[:3]
        if not (day or month or year):
            return None
        missing = [name for name, text in zip(_PARTS, (day, month, year), strict=True) if not text]
        if missing:
            raise ValidationError(
                self.error_messages["incomplete"].format(
                    label=self._label, missing=" and ".join(missing)
                ),
                code="incomplete",
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError(
                self.error_messages["invalid"].format(label=self._label), code="invalid"
            )
        if len(year) != 4:
            raise ValidationError(
                self.error_messages["year"].format(label=self._label), code="year"
            )
        try:
            return datetime.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(
                self.error_messages["invalid"].format(label=self._label), code="invalid"
            ) from None

    def prepare_value(self, value):
        return value

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (
                self.to_python(initial) if initial not in (None, "") else None
            )
        except ValidationError:
            return True


def _article(noun: str) -> str:
    return "an" if noun[:1].lower() in "aeiou" else "a"


def required_message(field: forms.Field) -> str:
    """What an empty required field says, named after its label in the NHS style."""
    noun = _lower_first(field.label or "this")
    noun = re.sub(r"\s*\((optional|anonymised)\)$", "", noun)
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        return f"Confirm: {noun}"
    if isinstance(widget, forms.FileInput):
        return f"Choose the {noun} file" if "file" not in noun else f"Choose the {noun}"
    if isinstance(widget, (forms.Select, forms.RadioSelect, forms.CheckboxSelectMultiple)):
        return f"Select the {noun}"
    return f"Enter the {noun}"


def empty_choice(field: forms.Field) -> str:
    """``Choose a care home``: the empty option of a select, instead of ``---------``."""
    noun = _lower_first(field.label or "one")
    return f"Choose {_article(noun)} {noun}"


def speak_nhs(form: forms.BaseForm) -> None:
    """Give every field of ``form`` the service's wording (see the module docstring), and every
    plain select the cheap one (:class:`CheapSelect`)."""
    for name, field in list(form.fields.items()):
        if type(field.widget) is forms.Select:
            field.widget.__class__ = CheapSelect  # the same widget, choices and attributes
        if isinstance(field, forms.DateField) and not isinstance(field, DateField):
            field = form.fields[name] = DateField(
                required=field.required,
                label=field.label,
                help_text=field.help_text,
                initial=field.initial,
                disabled=field.disabled,
                error_messages={
                    k: v
                    for k, v in field.error_messages.items()
                    if k == "required" and v != DJANGO_REQUIRED
                },
            )
        if str(field.error_messages.get("required", "")) == DJANGO_REQUIRED:
            field.error_messages["required"] = required_message(field)
        if isinstance(field, ModelChoiceField) and field.empty_label == DJANGO_EMPTY_LABEL:
            field.empty_label = empty_choice(field)
        elif isinstance(field, forms.ChoiceField) and not isinstance(field, ModelChoiceField):
            choices = list(field.choices)
            if any(label == DJANGO_EMPTY_LABEL for _, label in choices):
                field.choices = [
                    (value, empty_choice(field) if label == DJANGO_EMPTY_LABEL else label)
                    for value, label in choices
                ]


class NHSFormMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        speak_nhs(self)


class NHSForm(NHSFormMixin, forms.Form):
    """The base of the service's forms (see the module docstring)."""


class NHSModelForm(NHSFormMixin, forms.ModelForm):
    """The base of the service's model forms (see the module docstring)."""


def check_table_file(upload):
    """The checks every uploaded CSV or XLSX passes before it is read: its size and its type. Shared
    by the registry imports and the practice's worksheet upload."""
    limit = settings.IMPORT_MAX_BYTES
    if upload.size > limit:
        raise forms.ValidationError(
            f"The file is {filesizeformat(upload.size)}; the largest accepted is {filesizeformat(limit)}."
        )
    if PurePath(upload.name).suffix.lower() not in (".csv", ".xlsx"):
        raise forms.ValidationError(
            "The file must be a CSV file (.csv) or an Excel workbook (.xlsx)."
        )
    return upload


class CheapSelect(forms.Select):
    """A ``<select>`` written in Python with the markup of Django's own templates
    (``django/forms/widgets/select.html`` with ``select_option.html`` and ``attrs.html``, byte for
    byte; a test compares them), without rendering a template and two includes per option: a
    filter with thirty PCNs rendered some seventy templates (issue 18; the form counterpart of
    ADR 0044's cheap cells). The choices, the selected option and the attributes are Django's:
    only the drawing differs."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{conditional_escape(str(option["value"]))}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _attrs(attrs: dict) -> str:
    """``django/forms/widgets/attrs.html``: `` name="value"``, `` name`` for ``True``, nothing for
    ``False``."""
    return "".join(
        f" {conditional_escape(name)}"
        + ("" if value is True else f'="{conditional_escape(str(value))}"')
        for name, value in attrs.items()
        if value is not False
    )
