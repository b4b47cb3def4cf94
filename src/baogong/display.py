"""How times and quantities are shown to people, the same on every surface: pages (as Jinja
filters), the command line, reports and exports.

Times are stored in UTC (naive on SQLite) and always shown in China time (UTC+8), with the
zone named: "2026-12-06 14:05 (UTC+8)", "2026-12-06 14:05（北京时间）".
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from baogong.i18n import N_, gettext
from baogong.types import CHINA_TZ, Unit, unit_label

ZONE = N_("{time} (UTC+8)")
"""A China-time stamp with its zone named."""

UNITS = {"km": N_("km"), "kg·km": N_("kg·km"), "s": N_("s"), "packs": N_("packs"),
         "households": N_("households")}
"""Units of figures that are not product units."""


def china(value: datetime) -> datetime:
    """A stored moment as an aware China-time datetime (a naive value is UTC, as stored)."""
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(CHINA_TZ)


def local_time(value: datetime | None, *, seconds: bool = False) -> str:
    """A stored moment as 'YYYY-MM-DD HH:MM' China time with the zone named ('' for none)."""
    if value is None:
        return ""
    stamp = china(value).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
    return gettext(ZONE).format(time=stamp)


def clock(value: datetime) -> str:
    """A stored moment as HH:MM China time, for times of one service day (shifts, ETAs)."""
    return china(value).strftime("%H:%M")


def number(value: Any, digits: int = 1) -> str:
    """A number with thousands separators and at most `digits` decimals (trailing zeros cut);
    text that is not a number is returned as it is."""
    if isinstance(value, bool):
        return str(value)
    try:
        exact = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not exact.is_finite():
        return str(value)
    text = f"{round(exact, digits):,.{digits}f}" if digits else f"{round(exact):,}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def quantity(value: Any, unit: str, digits: int = 1) -> str:
    """A quantity with its unit in the current language: '1,234.5 公斤', '12 袋'."""
    if unit in Unit.__members__.values():
        name = unit_label(unit)
    else:
        name = gettext(UNITS[unit]) if unit in UNITS else unit
    return f"{number(value, digits)} {name}".rstrip()


def install(env: Any) -> None:
    """Make the helpers Jinja filters of a template environment (pages, reports)."""
    env.filters["local_time"] = local_time
    env.filters["clock"] = clock
    env.filters["number"] = number
    env.filters["quantity"] = quantity
