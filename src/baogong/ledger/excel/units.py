"""Converting a quantity with a unit into kg, or into a product's own unit."""

from __future__ import annotations

from decimal import Decimal

from baogong.errors import Label
from baogong.i18n import N_
from baogong.ledger.excel.cells import CASE_UNITS, MASS_UNITS, CellError
from baogong.ledger.excel.spec import UNITS
from baogong.ledger.models import Product
from baogong.types import UNIT_LABELS, Unit


def to_kg(amount: Decimal, unit: str) -> Decimal:
    """A mass in kg; no unit means kg already."""
    if unit == "":
        return amount
    if unit in MASS_UNITS:
        return amount * MASS_UNITS[unit]
    raise CellError(N_("{unit} is not a unit of mass (吨, 公斤, 千克, kg, 斤, 克)"), unit=unit)


def to_product_units(amount: Decimal, unit: str, product: Product) -> Decimal:
    """A quantity in the product's own unit (bags, bottles, kg ...).

    Mass units are divided by the product's kg per unit; cases are multiplied by its case
    size. A countable product must come out whole.
    """
    own = product.unit
    if unit == "" or UNITS.get(unit) == own.value or unit == own.value:
        units = amount
    elif unit in MASS_UNITS:
        units = amount * MASS_UNITS[unit] / product.kg_per_unit
    elif unit in CASE_UNITS:
        if not product.units_per_case:
            raise CellError(N_("product {product} has no case size (每箱数量), so 箱 cannot "
                               "be converted"), product=product.code)
        units = amount * product.units_per_case
    else:
        raise CellError(N_("{unit} cannot be converted into {own} for product {product}"),
                        unit=unit, own=Label(UNIT_LABELS[own]), product=product.code)
    units = units.quantize(Decimal("0.001"))
    if own not in (Unit.KG, Unit.JIN) and units != units.to_integral_value():
        raise CellError(N_("{value} {unit} is {units} {own}, not a whole number"),
                        value=amount, unit=unit or Label(UNIT_LABELS[own]), units=units,
                        own=Label(UNIT_LABELS[own]))
    return units
