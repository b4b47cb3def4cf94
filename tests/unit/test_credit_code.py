"""The unified social credit code check digit (GB 32100-2015)."""

from baogong.ledger.credit_code import check_char, is_valid


def test_published_code_is_valid() -> None:
    """A real published credit code passes the check."""
    assert is_valid("914403001922038216")


def test_changed_character_is_caught() -> None:
    """Changing one character of a valid code makes it invalid."""
    assert not is_valid("914403001922038217")
    assert not is_valid("914403001922O38216")


def test_wrong_length_is_invalid() -> None:
    """Seventeen characters are not a credit code."""
    assert not is_valid("91440300192203821")


def test_check_char_completes_the_first_seventeen() -> None:
    """The computed check character makes the code valid."""
    body = "91440111MA59ABCDE"
    assert is_valid(body + check_char(body))
