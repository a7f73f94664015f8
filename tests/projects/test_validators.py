import datetime

import pytest
from django.core.exceptions import ValidationError

from projects.pii import mask_id_number, mask_phone
from projects.validators import region_covers, validate_credit_code, validate_id_number

GOOD_CREDIT_CODE = "91330108MA27XK3L0X"
GOOD_ID_NUMBER = "33010219720315201X"


def message_of(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


def test_a_valid_credit_code_passes_and_is_normalized():
    assert validate_credit_code(" 91330108ma27xk3l0x ") == GOOD_CREDIT_CODE


@pytest.mark.parametrize(
    "code",
    ["91330000142916723H", "91330105727614820" + "4", "91320102MA1X7N9Q2D"],
)
def test_real_looking_credit_codes_pass(code):
    assert validate_credit_code(code) == code


def test_a_short_credit_code_says_how_many_characters_it_has():
    with pytest.raises(ValidationError) as error:
        validate_credit_code(GOOD_CREDIT_CODE[:17])
    assert "must be 18 characters, got 17" in message_of(error)


def test_a_credit_code_with_a_wrong_check_character_names_the_right_one():
    with pytest.raises(ValidationError) as error:
        validate_credit_code(GOOD_CREDIT_CODE[:17] + "Y")
    assert "The 18th character should be 'X' — check the code for a typing mistake" in message_of(
        error
    )


def test_a_credit_code_with_a_letter_gb_32100_excludes_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("91330108MA27XK3LOX")  # letter O for digit 0
    assert "Character 17 ('O') is not allowed" in message_of(error)


def test_a_credit_code_with_an_unknown_registration_authority_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("B1330108MA27XK3L0X")
    assert "registration authority" in message_of(error)


def test_a_credit_code_whose_region_is_not_digits_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_credit_code("9133A108MA27XK3L0X")
    assert "administrative region code" in message_of(error)
    assert "'33A108'" in message_of(error)


def test_a_valid_id_number_passes_and_a_lower_case_x_is_upper_cased():
    assert validate_id_number(" 33010219720315201x") == GOOD_ID_NUMBER


def test_an_id_number_with_a_digit_check_character_passes():
    assert validate_id_number("330106199002051620") == "330106199002051620"


def test_a_17_character_id_number_says_how_many_characters_it_has():
    with pytest.raises(ValidationError) as error:
        validate_id_number(GOOD_ID_NUMBER[:17])
    assert "must be 18 characters, got 17" in message_of(error)


def test_an_id_number_with_a_wrong_check_character_names_the_right_one():
    with pytest.raises(ValidationError) as error:
        validate_id_number("330106199002051621")
    assert "The 18th character should be '0' — check the number for a typing mistake" in (
        message_of(error)
    )


def test_an_id_number_with_letters_in_the_body_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_id_number("3301061990A2051620")
    assert "first 17 characters" in message_of(error)


def test_an_id_number_with_an_impossible_birth_date_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_id_number("330106199002301628")  # 30 February
    assert "date of birth" in message_of(error)
    assert "'19900230'" in message_of(error)


def test_an_id_number_born_in_the_future_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_id_number("330106203001011234", today=datetime.date(2026, 1, 1))
    assert "in the future" in message_of(error)


def test_an_id_number_born_before_1900_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_id_number("330106189912311234")
    assert "before 1900" in message_of(error)


def test_id_numbers_are_masked_to_the_first_three_and_last_four_characters():
    assert mask_id_number(GOOD_ID_NUMBER) == "330***********201X"


def test_phones_are_masked_to_the_first_three_and_last_four_digits():
    assert mask_phone("13812345678") == "138****5678"


@pytest.mark.parametrize(
    ("outer", "inner", "covered"),
    [
        ("330000", "330108", True),
        ("330100", "330108", True),
        ("330108", "330108", True),
        ("330100", "330212", False),
        ("330108", "330106", False),
        ("320000", "330108", False),
    ],
)
def test_a_province_covers_its_cities_and_a_city_its_districts(outer, inner, covered):
    assert region_covers(outer, inner) is covered
