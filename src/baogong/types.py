"""Shared column types and value types: coordinates with their system, quantities with units."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Enum, Numeric
from sqlalchemy.types import TypeDecorator

from baogong.i18n import N_, gettext


class Crs(StrEnum):
    """Coordinate reference system of a stored coordinate."""

    WGS84 = "WGS-84"
    GCJ02 = "GCJ-02"


class Unit(StrEnum):
    """Counting units of products; a product states how many kg one unit weighs."""

    KG = "kg"
    JIN = "jin"
    BAG = "bag"
    BOTTLE = "bottle"
    BOX = "box"
    CASE = "case"
    PIECE = "piece"
    TRAY = "tray"
    PACK = "pack"


UNIT_LABELS: dict[Unit, str] = {
    Unit.KG: N_("kg"),
    Unit.JIN: N_("jin"),
    Unit.BAG: N_("bag"),
    Unit.BOTTLE: N_("bottle"),
    Unit.BOX: N_("box"),
    Unit.CASE: N_("case"),
    Unit.PIECE: N_("piece"),
    Unit.TRAY: N_("tray"),
    Unit.PACK: N_("pack"),
}


def unit_label(unit: Unit | str) -> str:
    """The unit's name in the current language (袋, 瓶, 公斤 ...)."""
    return gettext(UNIT_LABELS[Unit(unit)])


class Dec(TypeDecorator[Decimal]):
    """An exact decimal (quantities: 3 places, money: 2) that is Decimal on every backend.

    SQLite has no decimal type; values are stored as NUMERIC and converted back exactly.
    """

    impl = Numeric(16, 3, asdecimal=False)
    cache_ok = True

    def __init__(self, places: int = 3) -> None:
        super().__init__()
        self.places = places
        self.impl = Numeric(16, places, asdecimal=False)
        self._quantum = Decimal(1).scaleb(-places)

    def process_bind_param(self, value: object, dialect: object) -> str | None:
        if value is None:
            return None
        return str(Decimal(str(value)).quantize(self._quantum))

    def process_result_value(self, value: object, dialect: object) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(self._quantum)


def qty() -> Dec:
    """Column type of a quantity in a product's unit or in kg (3 decimal places)."""
    return Dec(3)


def money() -> Dec:
    """Column type of an amount in yuan (2 decimal places)."""
    return Dec(2)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC."""
    return datetime.now(UTC)


def enum_col(cls: type[StrEnum]) -> Enum:
    """Column type of a StrEnum, stored as its value in a VARCHAR on every backend."""
    return Enum(cls, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e])


Progress = Callable[[str, int], None]
"""progress(label, n): a label starts a step of n units; an empty label advances it by n
(a terminal bar, console.StepProgress, or a web job's status, web.jobs)."""


def no_progress(_label: str, _n: int) -> None:
    """A Progress that shows nothing (the default where nobody watches)."""

CHINA_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")

EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)
"""The window every service day, plan day and zone date must lie in (the one place to change
it): anything outside is a typing slip, not a lockdown."""


def in_day_window(value: date | datetime) -> bool:
    """Whether a day (or a moment's own calendar day) lies within EARLIEST_DAY..LATEST_DAY."""
    day = value.date() if isinstance(value, datetime) else value
    return EARLIEST_DAY <= day <= LATEST_DAY


def china_today() -> date:
    """Today's date in China (the service day), whatever the machine's time zone."""
    return datetime.now(CHINA_TZ).date()


def day_start(day: date) -> datetime:
    """Midnight of a day, China time: the moment whose zones decide the day's demand."""
    return datetime.combine(day, datetime.min.time(), tzinfo=CHINA_TZ)


def to_utc(value: datetime) -> datetime:
    """A moment in UTC; a naive value is taken to be China time (UTC+8)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA_TZ)
    return value.astimezone(UTC)

