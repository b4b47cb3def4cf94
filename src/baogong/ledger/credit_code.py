"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check digit."""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_char(first17: str) -> str:
    """The 18th character for the first 17; ValueError on a character outside the alphabet."""
    if len(first17) != 17:
        raise ValueError("need the first 17 characters")
    total = 0
    for ch, weight in zip(first17, WEIGHTS, strict=True):
        pos = ALPHABET.find(ch)
        if pos < 0:
            raise ValueError(f"character {ch!r} is not allowed in a credit code")
        total += pos * weight
    return ALPHABET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """Whether code is 18 characters of the alphabet with a correct check digit."""
    if len(code) != 18:
        return False
    try:
        return check_char(code[:17]) == code[17]
    except ValueError:
        return False
