"""Scoped reads and writes of teams and volunteers: a volunteer sees and sets their own."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.audit.service import Actor, record
from baogong.auth.models import Role
from baogong.auth.scope import Scope
from baogong.errors import NotFound
from baogong.i18n import N_
from baogong.workforce.models import Availability, Team, Volunteer


def on_duty(session: Session) -> int:
    """Volunteers on duty now."""
    return int(session.scalar(select(func.count()).select_from(Volunteer)
                              .where(Volunteer.availability == Availability.ON_DUTY)) or 0)


@dataclass(frozen=True)
class TeamView:
    """A volunteer's own record, their team and its members."""

    me: Volunteer
    team: Team | None
    members: list[Volunteer]


def my_team(session: Session, *, scope: Scope) -> TeamView:
    """The volunteer of this scope with their team; NotFound for anyone else."""
    me = session.get(Volunteer, scope.volunteer_id) if (
        scope.role is Role.VOLUNTEER and scope.volunteer_id) else None
    if me is None:
        raise NotFound(N_("No volunteer record is linked to this account"), record=scope.user,
                       field="volunteer")
    members = list(session.scalars(select(Volunteer).where(Volunteer.team_id == me.team_id)
                                   .order_by(Volunteer.code))) if me.team_id else [me]
    return TeamView(me, me.team, members)


def set_availability(session: Session, *, scope: Scope, actor: Actor,
                     availability: Availability) -> Volunteer:
    """A volunteer starts or ends duty (or says they are unavailable); audited."""
    me = my_team(session, scope=scope).me
    before = {"availability": me.availability.value}
    me.availability = availability
    session.flush()
    record(session, actor=actor, action="update", entity="volunteer", key=me.code,
           before=before, after={"availability": availability.value})
    return me
