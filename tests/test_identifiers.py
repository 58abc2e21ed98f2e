import pytest
from django.core.exceptions import ValidationError

from carehomes_les import identifiers as ids


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
