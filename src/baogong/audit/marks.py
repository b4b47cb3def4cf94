"""Change marks: cheap figures that move whenever data changes, from any process.

The web app polls them so that writes made outside it (the CLI, Excel imports, another
server) still reach the live dashboards.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baogong.audit.models import AuditEntry
from baogong.delivery.models import RouteStop, StopStatus
from baogong.demand.models import OrderEvent
from baogong.ledger.models import StockMovement
from baogong.planning.models import Plan
from baogong.regions.models import ZoneDeclaration


def change_marks(session: Session) -> tuple[int, ...]:
    """The newest id of each append-only table, and the stops confirmed so far."""
    marks = [session.scalar(select(func.coalesce(func.max(col), 0))) or 0
             for col in (AuditEntry.id, StockMovement.id, Plan.id, ZoneDeclaration.id,
                         OrderEvent.id)]
    marks.append(session.scalar(select(func.count()).select_from(RouteStop)
                                .where(RouteStop.status != StopStatus.PLANNED)) or 0)
    return tuple(int(m) for m in marks)
