"""Page: the audit trail (command centre and inspectors), newest first, filtered by record
and actor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from baogong.audit import queries
from baogong.audit.models import Source
from baogong.auth.deps import Principal, require
from baogong.auth.models import Role
from baogong.i18n import N_, gettext
from baogong.types import local_time
from baogong.web.deps import DbSession
from baogong.web.pages import render
from baogong.web.pagination import PageLinks

router = APIRouter(include_in_schema=False)
PAGE = 50

SOURCE_LABELS = {Source.CLI: N_("command line"), Source.PAGE: N_("page"), Source.API: N_("API"),
                 Source.FILE: N_("file"), Source.SYSTEM: N_("system")}


def _values(values: dict[str, Any] | None, other: dict[str, Any] | None) -> list[tuple[str, str,
                                                                                    bool]]:
    """(field, value, changed) of one side of an entry."""
    if not values:
        return []
    other = other or {}
    return [(k, "" if v is None else str(v), other.get(k) != v) for k, v in values.items()]


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
    entries = [{"at": local_time(e.at), "actor": e.actor, "source": gettext(
        SOURCE_LABELS.get(e.source, e.source.value)), "ref": e.source_ref, "action": e.action,
        "entity": e.entity, "key": e.entity_key, "before": _values(e.before, e.after),
        "after": _values(e.after, e.before)} for e in rows]
    filters = {k: v for k, v in (("entity", entity), ("key", key), ("actor", actor)) if v}
    return render(request, "audit.html", principal, entries=entries,
                  entities=queries.entities(db), entity=entity, key=key, actor=actor,
                  pager=PageLinks(total, PAGE, offset, "/audit", filters))
