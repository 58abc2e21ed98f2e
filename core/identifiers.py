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


# -- NHS numbers -----------------------------------------------------------------------------------

# Ranges of 10-digit NHS numbers issued in England (with Wales and the Isle of Man, which share
# the scheme). Scotland's CHI numbers (010…–311…) and Northern Ireland's H&C numbers (320…–399…)
# pass the same check digit but are not NHS numbers of English practices' patients.
NHS_NUMBER_ENGLAND = ((4_000_000_000, 4_999_999_999), (6_000_000_000, 7_999_999_999))
# NHS England reserves 999 000 0000 to 999 999 9999 for test data: never a real patient. Accepted
# only where the caller allows it (the demo and tests, never production).
NHS_NUMBER_TEST = (9_990_000_000, 9_999_999_999)


def normalise_nhs_number(value: str) -> str:
    """Digits only: ``485 777 3457`` and ``485-777-3457`` → ``4857773457``."""
    return re.sub(r"[\s-]+", "", value or "")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus 11 check digit of the first nine digits: weights 10 down to 2; 11 − remainder,
    where 11 becomes 0 and 10 means no valid number has these nine digits (``None``)."""
    total = sum(
        int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True)
    )
    check = 11 - total % 11
    if check == 11:
        return 0
    return None if check == 10 else check


def validate_nhs_number(value: str, *, allow_test_numbers: bool = False) -> str:
    """The NHS number as 10 digits, or a ``ValidationError`` that says what is wrong with it."""
    digits = normalise_nhs_number(value)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValidationError(
            f"{value!r} is not an NHS number: it must be 10 digits (for example 485 777 3457).",
            code="nhs_number_format",
        )
    if nhs_number_check_digit(digits[:9]) != int(digits[9]):
        raise ValidationError(
            f"{value!r} is not a valid NHS number: its check digit is wrong. Check it against "
            "the patient's record.",
            code="nhs_number_check_digit",
        )
    number = int(digits)
    ranges = NHS_NUMBER_ENGLAND + ((NHS_NUMBER_TEST,) if allow_test_numbers else ())
    if not any(low <= number <= high for low, high in ranges):
        raise ValidationError(
            f"{value!r} is not an NHS number issued in England (they start with 4, 6 or 7).",
            code="nhs_number_range",
        )
    return digits


def nhs_test_number(n: int) -> str:
    """A valid NHS number of NHS England's test range (999 000 0000 – 999 999 9999), different for
    each ``n`` below 500,000: for the demo data and tests, never a real patient. Of two
    neighbouring nine-digit stems at most one has no check digit (their weighted sums differ by 2,
    modulo 11), so stem 2n or 2n + 1 serves."""
    for stem in (2 * n, 2 * n + 1):
        first_nine = f"999{stem % 1_000_000:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return f"{first_nine}{check}"
    raise AssertionError("unreachable: one of two neighbouring stems has a check digit")
