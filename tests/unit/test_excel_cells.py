"""Reading messy cells: full-width digits, units, yes/no variants, dates, phones, credit codes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from baogong.ledger.excel import cells
from baogong.ledger.excel.units import to_kg, to_product_units
from baogong.ledger.models import Product
from baogong.types import Unit


def test_full_width_digits_and_stray_spaces_are_normalised() -> None:
    """'　１２０ ' reads as 120 and '萧岗  花园 ' as '萧岗 花园'."""
    assert cells.number("　１２０ ") == Decimal(120)
    assert cells.text("萧岗  花园 ") == "萧岗 花园"
    assert cells.code(" C1 S００1 ") == "C1S001"


@pytest.mark.parametrize("raw, amount, unit", [
    ("20吨", Decimal(20), "吨"), ("２０ 吨", Decimal(20), "吨"), ("1,500公斤", Decimal(1500),
                                                                 "公斤"),
    ("500斤", Decimal(500), "斤"), ("3.5 KG", Decimal("3.5"), "kg"), (12, Decimal(12), ""),
])
def test_quantities_keep_their_unit(raw: object, amount: Decimal, unit: str) -> None:
    """A quantity with its unit in the same cell is split into number and unit."""
    assert cells.quantity(raw) == (amount, unit)


def test_mass_units_convert_to_kg() -> None:
    """吨, 公斤, 千克, kg, 斤 (0.5 kg) and 克 all become kg."""
    assert to_kg(Decimal(20), "吨") == Decimal(20000)
    assert to_kg(Decimal(3), "千克") == Decimal(3)
    assert to_kg(Decimal(500), "斤") == Decimal(250)
    assert to_kg(Decimal(400), "克") == Decimal("0.4")
    with pytest.raises(cells.CellError):
        to_kg(Decimal(1), "袋")


def test_product_units_from_mass_and_cases() -> None:
    """2吨 of 5-kg bags is 400 bags; 3箱 of 4 bags a case is 12; 1吨 of 3-kg bags is refused."""
    rice = Product(code="rice", unit=Unit.BAG, kg_per_unit=Decimal(5), units_per_case=4)
    assert to_product_units(Decimal(2), "吨", rice) == Decimal(400)
    assert to_product_units(Decimal(3), "箱", rice) == Decimal(12)
    assert to_product_units(Decimal(7), "袋", rice) == Decimal(7)
    odd = Product(code="odd", unit=Unit.BAG, kg_per_unit=Decimal(3))
    with pytest.raises(cells.CellError):
        to_product_units(Decimal(1), "吨", odd)
    with pytest.raises(cells.CellError):
        to_product_units(Decimal(1), "箱", odd)


@pytest.mark.parametrize("raw, value", [("是", True), ("Y", True), ("√", True), ("yes", True),
                                        ("否", False), ("N", False), ("", False), (None, False)])
def test_yes_no_variants(raw: object, value: bool) -> None:
    """是/否, Y/N, √ and empty are understood."""
    assert cells.yes_no(raw) is value


def test_yes_no_rejects_anything_else() -> None:
    """'可能' is neither yes nor no."""
    with pytest.raises(cells.CellError):
        cells.yes_no("可能")


@pytest.mark.parametrize("raw", ["2022-04-09", "2022/4/9", "2022.4.9", "20220409",
                                 "2022年4月9日", datetime(2022, 4, 9, 8, 30), 44660])
def test_dates_in_the_usual_formats(raw: object) -> None:
    """ISO, slashes, dots, compact, Chinese and Excel serial dates all read as 9 April 2022."""
    assert cells.date_cell(raw) == date(2022, 4, 9)


def test_impossible_date_is_refused() -> None:
    """30 February is not a date."""
    with pytest.raises(cells.CellError):
        cells.date_cell("2022-02-30")


@pytest.mark.parametrize("raw, value", [("138 0000 1234", "13800001234"),
                                        ("+86 138-0000-1234", "13800001234"),
                                        ("020-8668 1234", "02086681234")])
def test_phone_numbers_are_cleaned(raw: str, value: str) -> None:
    """Spaces, dashes and +86 are removed from mobiles and landlines."""
    assert cells.phone(raw) == value


def test_bad_phone_and_credit_code_are_refused() -> None:
    """A 10-digit mobile and a credit code with a wrong check digit are refused."""
    with pytest.raises(cells.CellError):
        cells.phone("1380000123")
    with pytest.raises(cells.CellError):
        cells.credit("914403001922038217")
    assert cells.credit(" 914403001922038216 ") == "914403001922038216"
