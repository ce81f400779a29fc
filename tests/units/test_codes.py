import pytest
from django.core.exceptions import ValidationError

from units.validators import unit_code_level, validate_unit_code


@pytest.mark.parametrize("code", ["000.00.00.H41", "000.00.00.G22", "000.00.05.H41", "000.12.37.H41", "001.02.03.A01"])
def test_good_codes_pass(code):
    validate_unit_code(code)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "000.00.00.H4",        # 12 characters
        "000.00.00.H411",      # 14 characters
        "000-00-00-H41",       # wrong separators
        "000.00.00.041",       # level 1 must start with a letter
        "000.00.00.h41",       # lower case
        "00.000.00.H41",       # groups of the wrong width
        " 000.00.00.H41",
        "000.00.00.H41\n",
    ],
)
def test_bad_codes_are_rejected(code):
    with pytest.raises(ValidationError) as exc:
        validate_unit_code(code)
    assert exc.value.code == "invalid_unit_code"


@pytest.mark.parametrize(
    "code,level", [("000.00.00.H41", 1), ("000.00.05.H41", 2), ("000.12.37.H41", 3), ("004.12.37.H41", 4)]
)
def test_code_level_reads_right_to_left(code, level):
    assert unit_code_level(code) == level


@pytest.mark.django_db
def test_model_rejects_bad_code():
    from units.services import unit_create

    with pytest.raises(ValidationError):
        unit_create(code="H41", name="Bad", short_name="B", kind="other")
