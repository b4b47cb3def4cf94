"""Page: the audit trail (command centre and inspectors), newest first, filtered by record
and actor."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from baogong.audit import present, queries
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.web.deps import DbSession
from baogong.web.pages import render
from baogong.web.pagination import PageLinks

router = APIRouter(include_in_schema=False)
PAGE = 50


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, db: DbSession,
               principal: Annotated[Principal, require(Role.COMMAND, Role.INSPECTOR)],
               entity: Annotated[str, Query(max_length=60)] = "",
               key: Annotated[str, Query(max_length=120)] = "",
               actor: Annotated[str, Query(max_length=80)] = "",
               offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    """Who changed what, when, from where, with the values before and after."""
    entity, key, actor = entity.strip(), key.strip(), actor.strip()
    rows, total = queries.history_page(db, entity=entity or None, key=key or None,
                                       actor=actor or None, limit=PAGE, offset=offset)
    units = queries.product_units(db)
    entries = [present.show(e, units) for e in rows]
    filters = {k: v for k, v in (("entity", entity), ("key", key), ("actor", actor)) if v}
    return render(request, "audit.html", principal, entries=entries,
                  entities=[(e, present.entity_label(e)) for e in queries.entities(db)],
                  entity=entity, key=key, actor=actor,
                  pager=PageLinks(total, PAGE, offset, "/audit", filters))
