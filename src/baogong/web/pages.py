"""Rendering pages: templates in the current language, with the signed-in principal."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from baogong.i18n import N_, gettext

VALUE_LABELS = {
    "sealed": N_("sealed"), "controlled": N_("controlled"), "precaution": N_("precaution"),
    "normal": N_("normal"), "planned": N_("planned"), "delivered": N_("delivered"),
    "failed": N_("failed"), "available": N_("available"), "on_duty": N_("on duty"),
    "unavailable": N_("unavailable"), "receipt": N_("receipt"), "issue": N_("issue"),
    "adjustment": N_("adjustment"), "local": N_("local"), "nearby": N_("nearby"),
    "citywide": N_("city-wide"),
}


def label(value: object) -> str:
    """The translated label of an enum value shown on a page."""
    key = getattr(value, "value", value)
    return gettext(VALUE_LABELS.get(str(key), str(key)))


def render(request: Request, name: str, principal: object | None = None, status: int = 200,
           **context: Any) -> HTMLResponse:
    """A page from templates/ with the signed-in principal (auth's, or none) in its context."""
    templates = request.app.state.templates
    templates.env.globals.setdefault("label", label)
    ctx = {"principal": principal, **context}
    response: HTMLResponse = templates.TemplateResponse(request, name, ctx, status_code=status)
    return response
