"""Validators and normalisers for the identifiers of SPEC section 2.

Each validator raises a ``ValidationError`` whose message names the identifier and shows a valid
example, so an officer reading an import report knows how to fix the cell.
"""

import re

from django.core.exceptions import ValidationError

COMMISSIONER_CODE = re.compile(r"^[A-Z0-9]{3}$")
PCN_CODE = re.compile(r"^U[0-9]{5}$")
PRACTICE_ODS = re.compile(r"^[A-Z][0-9]{5}$")
CQC_LOCATION_ID = re.compile(r"^1-[0-9]{8,11}$")
# The UK postcode shapes (outward code + inward code), including GIR 0AA.
UK_POSTCODE = re.compile(
    r"^(GIR 0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY]) [0-9][ABD-HJLNP-UW-Z]{2})$"
)


def _check(pattern: re.Pattern, value: str, what: str, example: str) -> None:
    if not isinstance(value, str) or not pattern.match(value):
        raise ValidationError(
            f"{value!r} is not a valid {what} (expected something like {example}).",
            code="invalid_identifier",
        )


def validate_commissioner_code(value: str) -> None:
    _check(COMMISSIONER_CODE, value, "commissioner code: 3 upper-case letters or digits", "03L")


def validate_pcn_code(value: str) -> None:
    _check(PCN_CODE, value, "PCN code: U and 5 digits", "U51663")


def validate_practice_ods(value: str) -> None:
    _check(PRACTICE_ODS, value, "practice ODS code: a capital letter and 5 digits", "C87001")


def validate_cqc_location_id(value: str) -> None:
    _check(CQC_LOCATION_ID, value, "CQC location ID: 1- and 8 to 11 digits", "1-101613254")


def normalise_postcode(value: str) -> str:
    """Upper-case, single space before the inward code: ``s602ub`` → ``S60 2UB``."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


def validate_uk_postcode(value: str) -> None:
    _check(UK_POSTCODE, normalise_postcode(value), "UK postcode", "S60 2UB")
