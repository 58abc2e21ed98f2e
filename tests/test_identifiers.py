import pytest
from django.core.exceptions import ValidationError

from core import identifiers as ids


@pytest.mark.parametrize("value", ["03L", "02P", "ABC", "123"])
def test_commissioner_code_valid(value):
    ids.validate_commissioner_code(value)


@pytest.mark.parametrize("value", ["03l", "03", "03LL", "", "0 3"])
def test_commissioner_code_invalid(value):
    with pytest.raises(ValidationError, match="commissioner code"):
        ids.validate_commissioner_code(value)


@pytest.mark.parametrize("value", ["U51663", "U00001"])
def test_pcn_code_valid(value):
    ids.validate_pcn_code(value)


@pytest.mark.parametrize("value", ["u51663", "U5166", "V51663", "U516631", "C87001"])
def test_pcn_code_invalid(value):
    with pytest.raises(ValidationError, match="PCN code"):
        ids.validate_pcn_code(value)


@pytest.mark.parametrize("value", ["C87001", "Y00001"])
def test_practice_ods_valid(value):
    ids.validate_practice_ods(value)


@pytest.mark.parametrize("value", ["c87001", "C8700", "C870011", "CC8700", "87001C"])
def test_practice_ods_invalid(value):
    with pytest.raises(ValidationError, match="practice ODS code"):
        ids.validate_practice_ods(value)


@pytest.mark.parametrize("value", ["1-10161325", "1-101613254", "1-10161325412"])
def test_cqc_location_id_valid(value):
    ids.validate_cqc_location_id(value)


@pytest.mark.parametrize(
    "value", ["1-1016132", "1-101613254123", "2-101613254", "1101613254", "1-10161325a"]
)
def test_cqc_location_id_invalid(value):
    with pytest.raises(ValidationError, match="CQC location ID"):
        ids.validate_cqc_location_id(value)


@pytest.mark.parametrize(
    "value",
    ["S60 2UB", "s602ub", "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "GIR 0AA"],
)
def test_uk_postcode_valid(value):
    ids.validate_uk_postcode(value)


@pytest.mark.parametrize("value", ["S60", "60 2UB", "QS60 2UB", "S60 2UBX", "S60 CUB", "ZZZ"])
def test_uk_postcode_invalid(value):
    with pytest.raises(ValidationError, match="UK postcode"):
        ids.validate_uk_postcode(value)


def test_postcode_normalised_to_upper_case_with_one_space():
    assert ids.normalise_postcode(" s60  2ub ") == "S60 2UB"


# -- NHS numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["4857773457", "485 777 3457", "485-777-3457", " 4857773457 ", "4000000004", "4999999994",
     "6000000006", "7999999997"],
)  # fmt: skip
def test_nhs_number_valid_in_england_range(value):
    assert ids.validate_nhs_number(value) == ids.normalise_nhs_number(value).strip()


@pytest.mark.parametrize("value", ["4857773458", "4857773450", "6000000007", "7999999990"])
def test_nhs_number_bad_check_digit_refused(value):
    with pytest.raises(ValidationError, match="check digit is wrong"):
        ids.validate_nhs_number(value)


def test_nhs_number_whose_nine_digits_have_no_check_digit_refused():
    assert ids.nhs_number_check_digit("123456789") is None  # 11 - remainder is 10
    for last in "0123456789":
        with pytest.raises(ValidationError, match="check digit"):
            ids.validate_nhs_number("123456789" + last)


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("3999999993", "just below England's first range (Northern Ireland)"),
        ("3100000005", "a Scottish CHI number"),
        ("5000000005", "between the ranges"),
        ("8000000008", "above the ranges"),
        ("9434765919", "NHS Digital's documentation example"),
        ("9990000018", "the test range, not allowed by default"),
    ],
)
def test_nhs_number_valid_check_digit_outside_england_refused(value, where):
    assert ids.nhs_number_check_digit(value[:9]) == int(value[9]), where
    with pytest.raises(ValidationError, match="not an NHS number issued in England"):
        ids.validate_nhs_number(value)


def test_nhs_number_test_range_allowed_only_when_asked():
    assert ids.validate_nhs_number("999 000 0018", allow_test_numbers=True) == "9990000018"
    with pytest.raises(ValidationError):
        ids.validate_nhs_number("9990000018")


@pytest.mark.parametrize("value", ["", "485777345", "48577734570", "485777345X", "4857773.457"])
def test_nhs_number_not_ten_digits_refused(value):
    with pytest.raises(ValidationError, match="must be 10 digits"):
        ids.validate_nhs_number(value)
