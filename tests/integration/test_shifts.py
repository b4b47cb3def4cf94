"""Volunteers' shifts on both backends: the rules of assignment, scope, cancelling, audit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from baogong.audit.models import AuditEntry, Source
from baogong.audit.service import Actor
from baogong.auth.models import Role
from baogong.auth.scope import Scope, whole_city
from baogong.db import unit_of_work
from baogong.errors import Conflict, DomainError, NotFound
from baogong.regions.models import Region
from baogong.workforce import queries
from baogong.workforce.models import Shift, ShiftTask, Volunteer
from baogong.workforce.service import ShiftIn

DAY = date(2022, 4, 9)
ACTOR = Actor("tester", Source.CLI, "test")


def _shift(volunteer: str = "V1", start: int = 8, end: int = 12, day: date = DAY,
           **kw: str) -> ShiftIn:
    return ShiftIn(volunteer=volunteer, day=day, start=time(start), end=time(end),
                   task=ShiftTask(kw.pop("task", "carry")), handoff=kw.pop("handoff", "H1"),
                   **kw)


def _assign(factory: sessionmaker[Session], data: ShiftIn,
            scope: Scope | None = None) -> int:
    with unit_of_work(factory) as s:
        return queries.assign_shift(s, scope=scope or whole_city(), actor=ACTOR, data=data).id


def _refusal(factory: sessionmaker[Session], data: ShiftIn, scope: Scope | None = None,
             kind: type[DomainError] = DomainError) -> DomainError:
    with pytest.raises(kind) as info:
        _assign(factory, data, scope)
    return info.value


def _community(s: Session, code: str, user: str = "worker") -> Scope:
    region = s.scalar(select(Region).where(Region.code == code))
    assert region is not None
    return Scope(user=user, role=Role.COMMUNITY, region_path=region.path)


def test_a_shift_is_stored_in_utc_at_its_hand_off_points_compound(
        crew: sessionmaker[Session]) -> None:
    """08:00-12:00 China time is stored as 00:00-04:00 UTC; the hand-off point gives the
    compound; the assignment is audited."""
    shift_id = _assign(crew, _shift(note="带名单"))
    with crew() as s:
        shift = s.get(Shift, shift_id)
        assert shift is not None and shift.service_day == DAY
        starts = shift.starts_at.replace(tzinfo=shift.starts_at.tzinfo or UTC)
        assert starts == datetime(2022, 4, 9, 0, 0, tzinfo=UTC)
        assert shift.compound.code == "440111016001-01" and shift.handoff is not None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "shift"))
        assert entry is not None and entry.entity_key == str(shift_id) and entry.actor == "tester"
        assert entry.after and entry.after["volunteer"] == "V1"


@pytest.mark.parametrize("end", [8, 7])
def test_end_not_after_start_is_refused(crew: sessionmaker[Session], end: int) -> None:
    """A shift ending at or before its start is refused, naming the volunteer and `end`."""
    err = _refusal(crew, _shift(start=8, end=end))
    assert err.field == "end" and err.record == "volunteer V1"
    assert "must end after it starts" in err.text()


def test_overlapping_shifts_of_a_volunteer_are_refused(crew: sessionmaker[Session]) -> None:
    """A second shift overlapping the first is refused; one starting as the first ends is
    fine, and another volunteer may work the same hours."""
    _assign(crew, _shift(start=8, end=12))
    err = _refusal(crew, _shift(start=11, end=13), kind=Conflict)
    assert err.field == "start" and err.record == "volunteer V1"
    assert "already has a shift from 08:00 to 12:00 on 2022-04-09" in err.text()
    _refusal(crew, _shift(start=9, end=10), kind=Conflict)
    _assign(crew, _shift(start=12, end=13))
    _assign(crew, _shift(volunteer="V3", start=8, end=12, handoff="H2"))


def test_more_hours_than_a_volunteer_gives_a_day_is_refused(
        crew: sessionmaker[Session]) -> None:
    """V3 gives 4 h a day: 08-10 and 13-15 fit, one more hour that day does not, the next day
    does."""
    _assign(crew, _shift(volunteer="V3", start=8, end=10, handoff="H2"))
    _assign(crew, _shift(volunteer="V3", start=13, end=15, handoff="H2"))
    err = _refusal(crew, _shift(volunteer="V3", start=16, end=17, handoff="H2"),
                   kind=Conflict)
    assert err.field == "hours_per_day" and err.record == "volunteer V3"
    assert "would work 5.0 h on 2022-04-09, more than their 4 h a day" in err.text()
    _assign(crew, _shift(volunteer="V3", start=16, end=17, handoff="H2",
                         day=date(2022, 4, 10)))


def test_an_unavailable_volunteer_gets_no_shift(crew: sessionmaker[Session]) -> None:
    """V2 is marked unavailable: refused, naming the field `availability`."""
    err = _refusal(crew, _shift(volunteer="V2"), kind=Conflict)
    assert err.field == "availability" and err.record == "volunteer V2"


def test_the_place_must_exist_and_agree(crew: sessionmaker[Session]) -> None:
    """A shift needs a hand-off point or a compound; unknown codes and a hand-off point of
    another compound are refused; a compound alone is enough."""
    assert _refusal(crew, _shift(handoff="")).field == "handoff"
    assert _refusal(crew, _shift(handoff="H9"), kind=NotFound).field == "handoff"
    assert _refusal(crew, _shift(handoff="", compound="440111016"),
                    kind=NotFound).field == "compound"
    assert _refusal(crew, _shift(compound="440111016002-01")).field == "compound"
    assert _refusal(crew, _shift(volunteer="V9"), kind=NotFound).field == "volunteer"
    shift_id = _assign(crew, _shift(handoff="", compound="440111016001-01",
                                    task="inspection"))
    with crew() as s:
        shift = s.get(Shift, shift_id)
        assert shift is not None and shift.handoff_id is None


def test_each_role_sees_the_shifts_of_its_scope(crew: sessionmaker[Session]) -> None:
    """A volunteer sees their own, a community worker those in its area, the command centre
    and inspectors all, an enterprise none."""
    _assign(crew, _shift(volunteer="V1"))
    _assign(crew, _shift(volunteer="V3", handoff="H2"))
    with crew() as s:
        v1 = s.scalar(select(Volunteer.id).where(Volunteer.code == "V1"))
        scopes = {
            "volunteer": Scope(user="v", role=Role.VOLUNTEER, volunteer_id=v1),
            "community": _community(s, "440111016001"),
            "subdistrict": _community(s, "440111016"),
            "inspector": Scope(user="i", role=Role.INSPECTOR),
            "enterprise": Scope(user="e", role=Role.ENTERPRISE, enterprise_id=1),
        }
        seen = {name: {x.volunteer.code for x in queries.shifts_page(s, scope=sc)[0]}
                for name, sc in scopes.items()}
        assert seen == {"volunteer": {"V1"}, "community": {"V1"},
                        "subdistrict": {"V1", "V3"}, "inspector": {"V1", "V3"},
                        "enterprise": set()}
        rows, total = queries.shifts_page(s, scope=whole_city(), volunteer="V3", day=DAY)
        assert total == 1 and rows[0].volunteer.code == "V3"
        assert queries.shifts_page(s, scope=whole_city(), day=date(2022, 4, 10))[1] == 0


def test_a_community_worker_assigns_and_cancels_only_in_its_area(
        crew: sessionmaker[Session]) -> None:
    """In its area a community worker assigns and cancels (audited); a volunteer of another
    community's team, a place outside its area or a shift there read as not found."""
    with crew() as s:
        mine = _community(s, "440111016001")
    own = _assign(crew, _shift(volunteer="V1"), mine)
    other = _assign(crew, _shift(volunteer="V3", handoff="H2"))
    assert _refusal(crew, _shift(volunteer="V3", handoff="H2"), mine,
                    kind=NotFound).field == "volunteer"
    assert _refusal(crew, _shift(volunteer="V1", start=14, end=15, handoff="H2"), mine,
                    kind=NotFound).field == "handoff"
    with unit_of_work(crew) as s, pytest.raises(NotFound):
        queries.cancel_shift(s, scope=mine, actor=ACTOR, shift_id=other)
    volunteer = Scope(user="v", role=Role.VOLUNTEER, volunteer_id=1)
    with unit_of_work(crew) as s, pytest.raises(NotFound):
        queries.cancel_shift(s, scope=volunteer, actor=ACTOR, shift_id=own)
    with unit_of_work(crew) as s:
        queries.cancel_shift(s, scope=mine, actor=ACTOR, shift_id=own)
    with crew() as s:
        assert s.get(Shift, own) is None and s.get(Shift, other) is not None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.entity == "shift",
                                                  AuditEntry.action == "delete"))
        assert entry is not None and entry.entity_key == str(own)
        assert entry.before and entry.before["volunteer"] == "V1"
