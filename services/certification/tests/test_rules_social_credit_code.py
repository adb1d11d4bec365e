"""The unified social credit code (GB 32100-2015) on a partner's business licence."""

from __future__ import annotations

import pytest

from servicehub_certification.rules.social_credit_code import (
    SYMBOLS,
    WEIGHTS,
    check_character,
    credit_code_problems,
    organisation_code_check_character,
)

# Codes printed on real business licences (public registrations).
PUBLISHED = [
    "914403001922038216",  # Huawei Technologies Co., Ltd.
    "91440300708461136T",  # Shenzhen Tencent Computer Systems Co., Ltd.
    "91110000600037341L",  # the example in python-stdnum's cn.uscc documentation
]


def complete(first_sixteen: str) -> str:
    """A code with its two check characters added, for constructed examples."""
    seventeen = first_sixteen + organisation_code_check_character(first_sixteen[8:16])
    return seventeen + check_character(seventeen)


# Constructed: other registration authorities and organisation types, letters in the
# organisation code, and the check characters' edge values.
CONSTRUCTED = [
    complete("92310105" + "MA1FL3P8"),  # organisation code check X (10)
    complete("12100000" + "40000712"),
    complete("51110000" + "50001234"),
    complete("Y1310115" + "MA1K4Q7W"),
    complete("N2330102" + "MA2CBGJ5"),
    complete("93440300" + "31234567"),
    complete("91310115" + "MA1K4Q7B"),  # check character Y (30)
    complete("91110108" + "MA01AB2B"),  # check character 0 (31 - 0 taken modulo 31)
]


def test_check_character_worked_by_hand() -> None:
    # Huawei's code: positions 1-17 valued 9 1 4 4 0 3 0 0 1 9 2 2 0 3 8 2 1, weights
    # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28; products 9 3 36 108 0 78 0 0 20 261
    # 50 26 0 72 80 60 28 sum to 831 = 26*31 + 25, and 31 - 25 = 6.
    assert WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    assert check_character("91440300192203821") == "6"
    # Its organisation code 19220382-1: 1*3 + 9*7 + 2*9 + 2*10 + 0*5 + 3*8 + 8*4 + 2*2 = 164
    # = 14*11 + 10, and 11 - 10 = 1.
    assert organisation_code_check_character("19220382") == "1"


def test_check_characters_take_their_edge_values() -> None:
    assert CONSTRUCTED[0] == "92310105MA1FL3P8X" + "B"
    assert CONSTRUCTED[-2] == "91310115MA1K4Q7B4" + "Y"
    assert CONSTRUCTED[-1] == "91110108MA01AB2B5" + "0"


@pytest.mark.parametrize("code", PUBLISHED + CONSTRUCTED)
def test_valid_codes_pass(code: str) -> None:
    assert credit_code_problems(code) == []


@pytest.mark.parametrize("code", PUBLISHED + CONSTRUCTED)
def test_every_single_character_substitution_is_caught_by_the_check_character(code: str) -> None:
    # Every weight is non-zero modulo the prime 31, so changing any one symbol changes the
    # weighted sum; changing the 18th changes the check character itself.
    corruptions = 0
    for position in range(18):
        for symbol in SYMBOLS:
            if symbol == code[position]:
                continue
            corrupted = code[:position] + symbol + code[position + 1 :]
            assert any(
                "check character (position 18)" in p for p in credit_code_problems(corrupted)
            ), corrupted
            corruptions += 1
    assert corruptions == 18 * 30


@pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V", "a", "-", " ", "中"])
def test_characters_outside_the_code_are_named_with_their_position(letter: str) -> None:
    code = PUBLISHED[0]
    corrupted = code[:9] + letter + code[10:]
    assert credit_code_problems(corrupted) == [
        f"uses characters outside 0-9 and A-Z without I, O, Z, S, V: {letter!r} at position 10"
    ]


def test_lower_case_is_not_a_licence_code() -> None:
    assert credit_code_problems("91440300708461136t") == [
        "uses characters outside 0-9 and A-Z without I, O, Z, S, V: 't' at position 18"
    ]


@pytest.mark.parametrize("code", ["", "91440300192203821", "9144030019220382160"])
def test_length_must_be_eighteen(code: str) -> None:
    assert credit_code_problems(code) == [f"must be 18 characters, got {len(code)}"]


def test_the_administrative_division_must_be_digits() -> None:
    code = complete("91A40300" + "19220382")
    assert credit_code_problems(code) == [
        "positions 3-8 (administrative division) must be digits, got A40300"
    ]


def test_a_wrong_organisation_code_check_is_named_even_when_position_18_fits_it() -> None:
    seventeen = "91440300" + "19220382" + "2"  # organisation check should be 1
    code = seventeen + check_character(seventeen)
    assert credit_code_problems(code) == [
        "position 17 (organisation code check) should be 1 for 19220382, got 2"
    ]


@pytest.mark.parametrize("code", PUBLISHED + CONSTRUCTED)
def test_transpositions_are_caught_except_between_first_and_last(code: str) -> None:
    # Positions 1-17 have distinct weights, so swapping two different symbols among them
    # changes the sum; a swap with position 18 breaks the sum unless the other position is 1,
    # whose weight is 1 like the check character's own (shown below). Position 17 is also
    # guarded by the organisation code check.
    for i in range(18):
        for j in range(i + 1, 18):
            if code[i] == code[j] or (i, j) == (0, 17):
                continue
            swapped = list(code)
            swapped[i], swapped[j] = swapped[j], swapped[i]
            assert credit_code_problems("".join(swapped)), (i + 1, j + 1)


def test_swapping_the_first_and_last_character_goes_unnoticed() -> None:
    # The limit of the standard's checksum: with weight 1 at position 1, exchanging the first
    # and the check character keeps the sum at 0 mod 31. The registration authority tables
    # (position 1) are not checked here, as they grow; reviewers see the licence itself.
    code = PUBLISHED[1]
    swapped = code[17] + code[1:17] + code[0]
    assert swapped == "T1440300708461136" + "9"
    assert credit_code_problems(swapped) == []
