"""The bulk path's own 统一社会信用代码 check gives python-stdnum's answer, reason for reason."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from entities.uscc import ALPHABET, fast_uscc_reason, make_uscc
from entities.validation import USCC_SHAPE, uscc_reason

DIGITS = "0123456789"
ILLEGAL = "IOZSV"
# Everything a clerk's spreadsheet might put in the cell, including look-alikes.
NOISE = ALPHABET + ILLEGAL + "abcdefghijklmnopqrstuvwxyz -_.+#\t" + "０１２３４５６７８９ＡＢＯ"

# GB 32100: registration authority and entity type (2), administrative division (6 digits),
# organisation code (9); python-stdnum also wants the first two to be digits.
digit_prefix_bodies = st.builds(
    lambda head, org: head + org,
    st.text(alphabet=DIGITS, min_size=8, max_size=8), st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)
bodies = st.builds(
    lambda kind, division, org: kind + division + org,
    st.text(alphabet=ALPHABET, min_size=2, max_size=2), st.text(alphabet=DIGITS, min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


def agrees(code: str) -> bool:
    return fast_uscc_reason(code) == uscc_reason(code)


def random_codes(rng: random.Random, n: int) -> list[str]:
    """Half valid codes, half spoiled in one of the ways files spoil them."""
    codes = []
    for i in range(n):
        body = "".join(rng.choices(DIGITS, k=8)) + "".join(rng.choices(ALPHABET, k=9))
        code = make_uscc(body)
        kind = i % 8
        if kind == 1:  # another check character
            code = code[:17] + rng.choice(ALPHABET.replace(code[17], ""))
        elif kind == 2:  # two characters swapped
            j = rng.randrange(17)
            code = code[:j] + code[j + 1] + code[j] + code[j + 2:]
        elif kind == 3:  # one character mistyped
            j = rng.randrange(18)
            code = code[:j] + rng.choice(ALPHABET) + code[j + 1:]
        elif kind == 4:  # lowercase
            code = code.lower()
        elif kind == 5:  # a letter the standard leaves out
            j = rng.randrange(18)
            code = code[:j] + rng.choice(ILLEGAL) + code[j + 1:]
        elif kind == 6:  # a character dropped or added
            code = code[:-1] if rng.random() < 0.5 else code + rng.choice(ALPHABET)
        elif kind == 7:  # a letter where the standard wants digits
            code = rng.choice("ABCNY") + code[1:]
        codes.append(code)
    return codes


def test_a_large_random_sample_of_valid_and_spoiled_codes_gets_stdnums_answers() -> None:
    rng = random.Random(20240601)
    codes = random_codes(rng, 200_000)
    for code in codes:
        assert fast_uscc_reason(code) == uscc_reason(code), code
        if len(code) == 18 and code.isascii() and USCC_SHAPE.match(code):
            assert (fast_uscc_reason(code) is None) == stdnum_uscc.is_valid(code), code
    assert sum(fast_uscc_reason(c) is None for c in codes) >= 25_000  # the sample holds both kinds


@given(digit_prefix_bodies)
@settings(max_examples=1000)
def test_every_made_code_is_valid_to_stdnum_and_to_the_fast_check(body: str) -> None:
    code = make_uscc(body)
    assert stdnum_uscc.is_valid(code)
    assert fast_uscc_reason(code) is None


@given(digit_prefix_bodies, st.sampled_from(ALPHABET))
@settings(max_examples=1000)
def test_any_other_check_character_is_refused_like_stdnum_refuses_it(body: str, check: str) -> None:
    code = body + check
    assert (fast_uscc_reason(code) is None) == stdnum_uscc.is_valid(code)
    assert agrees(code)


@given(bodies, st.sampled_from(ALPHABET))
@settings(max_examples=1000)
def test_letters_in_the_first_two_places_get_stdnums_answer(body: str, check: str) -> None:
    assert agrees(body + check)
    assert agrees(make_uscc(body))


@given(st.text(alphabet=NOISE, min_size=18, max_size=18))
@settings(max_examples=1000)
def test_any_eighteen_characters_get_the_same_reason(code: str) -> None:
    assert agrees(code)


@given(digit_prefix_bodies, st.integers(0, 17), st.sampled_from(ILLEGAL + "abcxyz"))
@settings(max_examples=1000)
def test_illegal_letters_and_lowercase_anywhere_get_the_same_reason(body: str, at: int, char: str) -> None:
    code = make_uscc(body)
    assert agrees(code[:at] + char + code[at + 1:])
    assert agrees(code.lower())


@given(st.text(alphabet=NOISE, max_size=30).filter(lambda s: len(s) != 18))
@settings(max_examples=1000)
def test_a_wrong_length_gets_the_same_reason(code: str) -> None:
    assert agrees(code)


def test_the_standards_own_example_passes_and_its_neighbours_do_not() -> None:
    assert fast_uscc_reason("91110000600037341L") is None
    assert fast_uscc_reason("91110000600037341M") == uscc_reason("91110000600037341M") is not None
    assert fast_uscc_reason("9111000060003734") == uscc_reason("9111000060003734")


def test_a_code_with_full_width_digits_is_refused_by_both_checks() -> None:
    valid = make_uscc("91370113" + "MA3C4D5E6")
    wide = valid[:2] + "".join(chr(ord(c) + 0xFEE0) for c in valid[2:8]) + valid[8:]
    assert uscc_reason(valid) is None
    assert uscc_reason(wide) is not None
    assert fast_uscc_reason(wide) is not None
