"""What a signed-in user may see: the records that bound their queries.

A Scope is plain data, made from the user once per request and passed to every scoped query;
the queries filter by it, so a record out of scope is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from baogong.auth.models import Role


@dataclass(frozen=True)
class Scope:
    """The role and the bounding records of one user (None: not bounded by that record)."""

    user: str
    role: Role
    enterprise_id: int | None = None
    region_path: str | None = None
    vehicle_id: int | None = None
    volunteer_id: int | None = None
    team_id: int | None = None

    @property
    def sees_all(self) -> bool:
        """Command centre and inspectors see the whole city."""
        return self.role in (Role.COMMAND, Role.INSPECTOR)

    @property
    def nothing(self) -> bool:
        """A bounded role whose bounding record is missing sees nothing."""
        needed = {Role.ENTERPRISE: self.enterprise_id, Role.COMMUNITY: self.region_path,
                  Role.DRIVER: self.vehicle_id, Role.VOLUNTEER: self.volunteer_id}
        return self.role in needed and needed[self.role] is None


def whole_city(user: str = "system") -> Scope:
    """A scope that sees everything (the command centre's)."""
    return Scope(user=user, role=Role.COMMAND)


@dataclass(frozen=True)
class Audience:
    """The records an event concerns, so that it reaches only those whose REST reads would
    show them the same record; the command centre and inspectors receive every event, and an
    event with no audience reaches no one else."""

    enterprise_id: int | None = None
    """Enterprise accounts of this enterprise (its sites' stock, routes and stops)."""
    region_path: str | None = None
    """Community workers whose area overlaps this region (an order's compound, a stop's)."""
    region_roles: frozenset[Role] = frozenset({Role.COMMUNITY})
    """Who reads by region: community workers, and for zones also volunteers (team area)."""
    vehicle_ids: frozenset[int] = frozenset()
    """Drivers of these vehicles (their stops, their home site's stock)."""
    volunteer_id: int | None = None
    """This volunteer (their shifts and duty)."""
    team_id: int | None = None
    """Volunteers of this team (a teammate's duty)."""

    def reaches(self, scope: Scope) -> bool:
        """Whether a receiver of this scope may see the event."""
        if scope.sees_all:
            return True
        if scope.nothing:
            return False
        if scope.role is Role.ENTERPRISE and scope.enterprise_id == self.enterprise_id:
            return True
        if scope.role is Role.DRIVER and scope.vehicle_id in self.vehicle_ids:
            return True
        if scope.role is Role.VOLUNTEER and (
                (self.volunteer_id is not None and scope.volunteer_id == self.volunteer_id)
                or (self.team_id is not None and scope.team_id == self.team_id)):
            return True
        mine, its = scope.region_path, self.region_path
        return (scope.role in self.region_roles and mine is not None and its is not None
                and (its.startswith(mine) or mine.startswith(its)))
