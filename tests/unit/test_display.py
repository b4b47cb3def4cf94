"""Times and quantities read the same on every surface: China time with the zone named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from baogong import i18n
from baogong.audit.present import value_text
from baogong.display import clock, local_time, number, quantity


def test_times_are_china_time_with_the_zone_named() -> None:
    """A stored UTC moment (naive, as SQLite gives it back, or aware) reads as China time,
    labelled (UTC+8) in English and 北京时间 in Chinese."""
    naive_utc = datetime(2026, 12, 6, 6, 5, 30)
    assert local_time(naive_utc) == "2026-12-06 14:05 (UTC+8)"
    assert local_time(naive_utc.replace(tzinfo=UTC), seconds=True) == (
        "2026-12-06 14:05:30 (UTC+8)")
    berlin = datetime(2026, 12, 6, 7, 5, tzinfo=timezone(timedelta(hours=1)))
    assert local_time(berlin) == "2026-12-06 14:05 (UTC+8)"
    assert clock(naive_utc) == "14:05" and local_time(None) == ""
    i18n.set_lang("zh_CN")
    assert local_time(naive_utc) == "2026-12-06 14:05（北京时间）"


def test_quantities_carry_their_unit_in_the_current_language() -> None:
    """Numbers get thousands separators and no trailing zeros; units are translated."""
    assert number(12345.0) == "12,345" and number("3000.500") == "3,000.5"
    assert quantity(1234.56, "kg") == "1,234.6 kg"
    i18n.set_lang("zh_CN")
    assert quantity(12, "bag") == "12 袋" and quantity(3.5, "km") == "3.5 公里"


def test_audit_values_are_never_raw_dicts() -> None:
    """A plan's tiers read as labelled quantities; stop statuses and times are translated."""
    i18n.set_lang("zh_CN")
    tiers = value_text("tiers_kg", {"local": 1000.0, "nearby": 200.55, "citywide": 0})
    assert tiers == "就地保障 1,000 公斤 / 临近调配 200.6 公斤 / 全市集并 0 公斤"
    assert value_text("status", "delivered") == "已送达"
    assert value_text("delivered_at", "2026-12-06T06:05:00") == "2026-12-06 14:05（北京时间）"
    assert value_text("quantity", "120.000", "bag") == "120 袋"
    assert value_text("min_fill_rate", 0.5) == "50.0%"
