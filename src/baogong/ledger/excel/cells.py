"""Reading one messy spreadsheet cell into a clean value, or saying exactly why not.

Every parser takes the raw cell (str, int, float, bool, datetime or None) and returns the
clean value, or raises :class:`CellError` with an English message id (translated when shown).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from baogong.adapters.excel import from_text
from baogong.i18n import N_
from baogong.ledger import credit_code

EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A cell that cannot be read: a message id and its parameters."""

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def text(value: Any) -> str:
    """Full-width characters to half-width (NFKC), stray and inner runs of spaces removed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = unicodedata.normalize("NFKC", from_text(str(value)))
    s = s.replace("\u3000", " ").replace("\xa0", " ")
    return re.sub(r"\s+", " ", s).strip()


def code(value: Any) -> str:
    """An identifier: normalised text with no spaces at all, upper-case letters kept as typed."""
    return text(value).replace(" ", "")


def required(value: Any) -> str:
    """Normalised text that must not be empty."""
    s = text(value)
    if not s:
        raise CellError(N_("is empty"))
    return s


YES = {"是", "y", "yes", "true", "1", "√", "✓", "有", "对", "t"}
NO = {"否", "n", "no", "false", "0", "×", "x", "无", "不是", "f", ""}


def yes_no(value: Any) -> bool:
    """是/否, Y/N, √/×, true/false, 1/0 (empty = no)."""
    if isinstance(value, bool):
        return value
    s = text(value).lower()
    if s in YES:
        return True
    if s in NO:
        return False
    raise CellError(N_("{value} is not yes or no (是/否, Y/N, √)"), value=value)


_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def number(value: Any) -> Decimal:
    """A plain number; thousands separators allowed, nothing else."""
    if isinstance(value, bool):
        raise CellError(N_("{value} is not a number"), value=value)
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    s = text(value).replace(",", "").replace(" ", "")
    if not _NUMBER.match(s):
        raise CellError(N_("{value} is not a number"), value=value)
    try:
        return Decimal(s)
    except InvalidOperation as exc:
        raise CellError(N_("{value} is not a number"), value=value) from exc


def non_negative(value: Any) -> Decimal:
    """A number of at least zero."""
    n = number(value)
    if n < 0:
        raise CellError(N_("{value} is negative"), value=value)
    return n


def whole(value: Any) -> int:
    """A whole number of at least zero."""
    n = non_negative(value)
    if n != n.to_integral_value():
        raise CellError(N_("{value} is not a whole number"), value=value)
    return int(n)


# Mass units to kg; 斤 is the market jin of 0.5 kg.
MASS_UNITS: dict[str, Decimal] = {
    "吨": Decimal(1000), "t": Decimal(1000), "公吨": Decimal(1000),
    "公斤": Decimal(1), "千克": Decimal(1), "kg": Decimal(1), "kgs": Decimal(1),
    "斤": Decimal("0.5"), "市斤": Decimal("0.5"),
    "克": Decimal("0.001"), "g": Decimal("0.001"),
}
CASE_UNITS = {"箱", "件", "case", "ctn"}
_QTY = re.compile(r"^([+-]?[\d,]*\.?\d+)\s*(.*)$")


def quantity(value: Any, unit_cell: Any = None) -> tuple[Decimal, str]:
    """A number and its unit: from "20吨", or from a number with the unit in its own cell.

    Returns the number and the unit as written (lower-case, normalised); "" if none given.
    """
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return Decimal(str(value)), text(unit_cell).lower()
    s = text(value).replace(" ", "")
    m = _QTY.match(s)
    if not m:
        raise CellError(N_("{value} is not a quantity (a number and a unit, e.g. 20吨)"),
                        value=value)
    amount = number(m.group(1))
    unit = m.group(2).lower() or text(unit_cell).lower()
    return amount, unit


def date_cell(value: Any) -> date:
    """A date: an Excel date, 2022-04-09, 2022/4/9, 2022.4.9, 20220409 or 2022年4月9日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 < value < 80000:
            return EXCEL_EPOCH + timedelta(days=int(value))
        value = str(int(value))
    s = text(value).replace(" ", "")
    m = re.match(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$", s) or re.match(
        r"^(\d{4})(\d{2})(\d{2})$", s)
    if m:
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise CellError(N_("{value} is not a date"), value=value) from exc
    raise CellError(N_("{value} is not a date"), value=value)


def phone(value: Any) -> str:
    """A mainland mobile (11 digits starting with 1) or a landline (area code + number).

    Spaces, dashes, a +86 prefix and full-width digits are accepted and removed.
    """
    s = re.sub(r"[\s\-()（）]", "", text(value))
    if s.startswith("+86"):
        s = s[3:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    if re.fullmatch(r"1[3-9]\d{9}", s) or re.fullmatch(r"0\d{9,11}", s):
        return s
    raise CellError(N_("{value} is not a phone number"), value=value)


def credit(value: Any) -> str:
    """A unified social credit code with a correct check digit."""
    s = code(value).upper()
    if not credit_code.is_valid(s):
        raise CellError(N_("{value} is not a valid unified social credit code (check digit)"),
                        value=value)
    return s


def latitude(value: Any) -> float:
    """A latitude in degrees."""
    n = number(value)
    if not -90 <= n <= 90:
        raise CellError(N_("{value} is not a latitude (-90..90)"), value=value)
    return float(n)


def longitude(value: Any) -> float:
    """A longitude in degrees."""
    n = number(value)
    if not -180 <= n <= 180:
        raise CellError(N_("{value} is not a longitude (-180..180)"), value=value)
    return float(n)


def choice(value: Any, options: dict[str, str]) -> str:
    """One of a fixed list: options map every accepted spelling (normalised) to its value."""
    s = text(value).lower()
    if s in options:
        return options[s]
    raise CellError(N_("{value} is not one of: {options}"), value=value,
                    options="、".join(dict.fromkeys(k for k in options if not k.isascii())))
