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
