"""Which zone declaration decides a region's status."""

from datetime import UTC, datetime

from baogong.regions.models import ZoneStatus
from baogong.regions.service import ActiveZone, resolve_status

T1 = datetime(2022, 4, 9, tzinfo=UTC)
T2 = datetime(2022, 4, 11, tzinfo=UTC)


def test_no_declaration_means_normal() -> None:
    """A region with no declaration on itself or above is normal."""
    assert resolve_status("/1/2/3/", {}) == ZoneStatus.NORMAL


def test_ancestor_declaration_applies() -> None:
    """A sealed subdistrict (id 2) seals the compound below it."""
    zones = {2: [ActiveZone(2, 1, T1, ZoneStatus.SEALED)]}
    assert resolve_status("/1/2/3/4/", zones) == ZoneStatus.SEALED


def test_more_specific_declaration_wins() -> None:
    """The compound's own precaution status beats the sealed subdistrict above it."""
    zones = {2: [ActiveZone(2, 1, T2, ZoneStatus.SEALED)],
             4: [ActiveZone(4, 3, T1, ZoneStatus.PRECAUTION)]}
    assert resolve_status("/1/2/3/4/", zones) == ZoneStatus.PRECAUTION


def test_latest_declaration_wins_at_the_same_level() -> None:
    """Of two declarations on one region, the later one decides."""
    zones = {2: [ActiveZone(2, 1, T1, ZoneStatus.SEALED), ActiveZone(2, 1, T2,
                                                                     ZoneStatus.CONTROLLED)]}
    assert resolve_status("/1/2/", zones) == ZoneStatus.CONTROLLED
