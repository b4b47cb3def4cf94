"""Audit entries as people read them, the same on the page and on the command line: labels
in the current language, quantities with their units, times in China time; never a raw dict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from baogong.audit.models import AuditEntry, Source
from baogong.auth.models import ROLE_LABELS
from baogong.delivery.pod import STATUS_LABELS as STOP_LABELS
from baogong.demand.orders import STATUS_LABELS as ORDER_LABELS
from baogong.display import local_time, number, quantity
from baogong.i18n import N_, gettext
from baogong.web import pages
from baogong.workforce.models import TASK_LABELS

SOURCE_LABELS = {Source.CLI: N_("command line"), Source.PAGE: N_("page"), Source.API: N_("API"),
                 Source.FILE: N_("file"), Source.SYSTEM: N_("system"),
                 Source.DEMO: N_("demo")}

ENTITY_LABELS = {
    "plan": N_("allocation plan"), "routes": N_("delivery routes"), "route_stop": N_("stop"),
    "zone": N_("zone"), "stock": N_("stock"), "enterprise": N_("enterprise"),
    "site": N_("site"), "product": N_("product"), "region": N_("region"),
    "vehicle": N_("vehicle"), "volunteer": N_("volunteer"), "team": N_("team"),
    "shift": N_("shift"), "user": N_("user"), "order": N_("order"),
    "shortage": N_("shortage report"), "sample": N_("sample city"),
}

ACTION_LABELS = {
    "create": N_("created"), "update": N_("changed"), "delete": N_("deleted"),
    "confirm": N_("confirmed"), "count": N_("stock count"), "transition": N_("status change"),
    "receipt": N_("Receipt"), "issue": N_("Issue"), "adjustment": N_("Adjustment"),
    "verify": N_("verified"), "suspend": N_("suspended"), "override": N_("override"),
}

FIELD_LABELS = {
    # plans and routes
    "plan": N_("Plan"), "run": N_("Routing run"), "day": N_("Day"),
    "packs_allocated": N_("Packs allocated"), "unmet_packs": N_("Packs not covered"),
    "priority_unmet_packs": N_("of which for vulnerable households"),
    "served_kg": N_("Served"), "unmet_kg": N_("Not covered"),
    "priority_unmet_kg": N_("Not covered for vulnerable households"),
    "min_fill_rate": N_("Lowest fill rate"), "kg_km": N_("Transport"),
    "tiers_kg": N_("By tier"), "orders_allocated": N_("Orders allocated"),
    "sites_limited_by_vehicles": N_("Sites limited by their own vehicles"),
    "vehicles_used": N_("Vehicles used"), "trips": N_("Trips"), "route_km": N_("Distance"),
    "stops_routed": N_("Stops routed"), "stops_unrouted": N_("Stops not routed"),
    "unrouted_kg": N_("Load not routed"), "orders_dispatched": N_("Orders dispatched"),
    # stops, zones, stock, orders
    "status": N_("Status"), "confirmed_by": N_("Confirmed by"), "received_by": N_("Received by"),
    "note": N_("Note"), "delivered_at": N_("Confirmed at"), "region": N_("Region"),
    "valid_from": N_("From"), "valid_to": N_("Until"), "reason": N_("Reason"),
    "quantity": N_("Quantity"), "compound": N_("Compound"), "channel": N_("Channel"),
    "outlet": N_("Outlet"), "product": N_("Product"), "orders": N_("Orders"),
    # the sample city
    "regions": N_("Regions"), "compounds": N_("Compounds"), "enterprises": N_("Enterprises"),
    "sites": N_("Sites"), "stock_lines": N_("Stock lines"), "vehicles": N_("Vehicles"),
    "volunteers": N_("Volunteers"),
    # suppliers
    "qualification": N_("Qualification"), "verified_at": N_("Verified at"),
    "verified_by": N_("Verified by"), "recheck_due": N_("Re-check due"),
    "allocation_override": N_("Supplies without verification"),
    "override_by": N_("Override by"), "override_reason": N_("Override reason"),
    # people and shifts
    "role": N_("Role"), "org": N_("Enterprise"), "community": N_("Community"),
    "vehicle": N_("Vehicle"), "volunteer": N_("Volunteer"), "availability": N_("Availability"),
    "service_day": N_("Day"), "starts_at": N_("Start"), "ends_at": N_("End"),
    "compound_id": N_("Compound"), "handoff_id": N_("Hand-off point"), "task": N_("Task"),
    "created_by": N_("Created by"),
    # ledger records (the workbook's columns)
    "name": N_("Name"), "code": N_("Code"), "credit_code": N_("Credit code"),
    "kind": N_("Kind"), "key_supply": N_("Key supplier"), "contact_name": N_("Contact"),
    "phone": N_("Phone"), "address": N_("Address"), "lon": N_("Longitude"),
    "lat": N_("Latitude"), "capacity_kg": N_("Capacity"), "region_code": N_("Region"),
    "is_open": N_("Open"), "category": N_("Category"), "unit": N_("Unit"),
    "kg_per_unit": N_("Weight per unit"), "cold_chain": N_("Cold chain"),
    "shelf_life_days": N_("Shelf life (days)"), "units_per_case": N_("Units per case"),
    "households": N_("Households"), "population": N_("Population"),
    "buildings": N_("Buildings"), "elderly_alone": N_("Elderly living alone"),
    "seriously_ill": N_("Seriously ill"), "disabled": N_("Disabled"),
    "hardship": N_("Hardship"), "infants_pregnant": N_("Infants and pregnant"),
    "plate": N_("Plate"), "driver_name": N_("Driver"), "driver_phone": N_("Driver's phone"),
}

VALUE_LABELS: dict[str, str] = {
    **pages.VALUE_LABELS,
    **{k.value: v for k, v in STOP_LABELS.items()},
    **{k.value: v for k, v in ORDER_LABELS.items()},
    **{k.value: v for k, v in ROLE_LABELS.items()},
    **{k.value: v for k, v in TASK_LABELS.items()},
    "pending": N_("pending"), "verified": N_("verified"), "suspended": N_("suspended"),
    "group": N_("group order"), "phone": N_("phone order"), "platform": N_("platform"),
}
"""Stored values of the fields in CODED_FIELDS, as people name them."""

CODED_FIELDS = {"status", "role", "task", "availability", "qualification", "channel",
                "tiers_kg"}
TIME_FIELDS = {"valid_from", "valid_to", "starts_at", "ends_at"}
PACK_FIELDS = {"packs_allocated", "unmet_packs", "priority_unmet_packs"}


def _unit(field: str) -> str:
    if field == "kg_km":
        return "kg·km"
    if field.endswith("_kg"):
        return "kg"
    if field.endswith("_km"):
        return "km"
    if field in PACK_FIELDS:
        return "packs"
    return ""


def field_label(field: str) -> str:
    """A stored field's name in the current language."""
    return gettext(FIELD_LABELS[field]) if field in FIELD_LABELS else field.replace("_", " ")


def value_text(field: str, value: Any, unit: str = "") -> str:
    """One stored value as text for people; `unit` is the product unit of a stock quantity."""
    if value is None or value == "":
        return ""
    if isinstance(value, dict):
        return " / ".join(f"{value_text(field, k)} {value_text(field, v, unit)}"
                          for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(value_text(field, v, unit) for v in value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if field in CODED_FIELDS and isinstance(value, str):
        return gettext(VALUE_LABELS[value]) if value in VALUE_LABELS else value
    if (field in TIME_FIELDS or field.endswith("_at")) and isinstance(value, str):
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    if field == "min_fill_rate" and isinstance(value, int | float):
        return f"{value:.1%}"
    if isinstance(value, int | float) or (field == "quantity" and isinstance(value, str)):
        unit = unit or _unit(field)
        return quantity(value, unit) if unit else number(value)
    return str(value)


@dataclass(frozen=True)
class Shown:
    """One audit entry as people read it."""

    at: str
    actor: str
    source: str
    ref: str
    action: str
    kind: str
    """The kind of record as stored (plan, stock ...), for filters."""
    entity: str
    key: str
    before: list[tuple[str, str, bool]]
    after: list[tuple[str, str, bool]]
    """(label, value, changed) of each field."""


def _side(values: dict[str, Any] | None, other: dict[str, Any] | None,
          unit: str) -> list[tuple[str, str, bool]]:
    if not values:
        return []
    other = other or {}
    return [(field_label(k), value_text(k, v, unit if k == "quantity" else ""),
             other.get(k) != v) for k, v in values.items()]


def show(entry: AuditEntry, units: dict[str, str] | None = None) -> Shown:
    """An entry for people; `units` maps product codes to their units (for stock entries,
    whose key is site/product)."""
    unit = ""
    if entry.entity == "stock" and units:
        unit = units.get(entry.entity_key.rpartition("/")[2], "")
    return Shown(
        at=local_time(entry.at, seconds=True), actor=entry.actor,
        source=gettext(SOURCE_LABELS.get(entry.source, entry.source.value)),
        ref=entry.source_ref,
        action=gettext(ACTION_LABELS[entry.action]) if entry.action in ACTION_LABELS
        else entry.action,
        kind=entry.entity, entity=entity_label(entry.entity), key=entry.entity_key,
        before=_side(entry.before, entry.after, unit), after=_side(entry.after, entry.before,
                                                                  unit))


def entity_label(entity: str) -> str:
    """A kind of record (plan, stock, zone ...) in the current language."""
    return gettext(ENTITY_LABELS[entity]) if entity in ENTITY_LABELS else entity


def line(side: list[tuple[str, str, bool]]) -> str:
    """One side of an entry on one line: 'label: value; label: value'."""
    return "; ".join(f"{label}: {value}" for label, value, _changed in side)
