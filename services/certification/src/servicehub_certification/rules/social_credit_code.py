"""The unified social credit code on a business licence (GB 32100-2015).

Eighteen characters from 0-9 and the capital letters without I, O, Z, S, V (31 symbols,
valued 0–30 in that order):

- 1: registration authority, 2: organisation type (any of the 31 symbols: the authorities'
  tables grow, and a code is not ours to reject for a new one);
- 3–8: administrative division of the registering office (GB/T 2260), six digits;
- 9–17: the organisation code (GB 11714): eight body characters and its own check character,
  weights 3 7 9 10 5 8 4 2 modulo 11 (10 is written X);
- 18: the check character over 1–17, weights 3^(i-1) mod 31 for position i, modulo 31.

The mod-31 check catches every single-character substitution (31 is prime and no weight is
0 mod 31) and every transposition within positions 1–17 (the weights are distinct); see the
tests for what it cannot catch.
"""

from __future__ import annotations

import re

SYMBOLS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, ...
_ORGANISATION_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORGANISATION_VALUE = {c: int(c, 36) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_DIVISION = re.compile(r"[0-9]{6}")


def check_character(first_seventeen: str) -> str:
    """The 18th character for the given first 17 (which must use the code's 31 symbols)."""
    total = sum(SYMBOLS.index(c) * w for c, w in zip(first_seventeen, WEIGHTS, strict=True))
    return SYMBOLS[-total % 31]


def organisation_code_check_character(body: str) -> str:
    """GB 11714's check character for an organisation code's eight body characters."""
    total = sum(
        _ORGANISATION_VALUE[c] * w for c, w in zip(body, _ORGANISATION_WEIGHTS, strict=True)
    )
    check = -total % 11
    return "X" if check == 10 else str(check)


def credit_code_problems(code: str) -> list[str]:
    """Every way ``code`` is not a well-formed unified social credit code (empty: it is one).

    The code is taken as written: a licence prints capitals, so lower case is a problem too.
    """
    if len(code) != 18:
        return [f"must be 18 characters, got {len(code)}"]
    foreign = [f"{c!r} at position {i}" for i, c in enumerate(code, start=1) if c not in SYMBOLS]
    if foreign:
        return ["uses characters outside 0-9 and A-Z without I, O, Z, S, V: " + ", ".join(foreign)]
    problems = []
    if not _DIVISION.fullmatch(code[2:8]):
        problems.append(f"positions 3-8 (administrative division) must be digits, got {code[2:8]}")
    organisation = organisation_code_check_character(code[8:16])
    if code[16] != organisation:
        problems.append(
            f"position 17 (organisation code check) should be {organisation} for {code[8:16]}, "
            f"got {code[16]}"
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        problems.append(f"check character (position 18) should be {expected}, got {code[17]}")
    return problems
