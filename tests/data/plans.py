"""Figures of a stored plan and its routes, read straight from the database, to hold what
the demo prints and the plan page shows against."""

from __future__ import annotations

from sqlalchemy import distinct, func, select

from baogong.db import make_engine
from baogong.delivery.models import Route, RouteStop, RoutingRun, Unrouted
from baogong.ledger.models import Product
from baogong.planning.models import PlanFlow


def stored_day(url: str, plan_id: int) -> dict[str, float]:
    """What a day's run left in the database: the plan's kg and units for vulnerable
    households, and the routes, stops and unrouted loads of the plan's newest routing run."""
    eng = make_engine(url)
    kg = Product.kg_per_unit
    with eng.connect() as c:
        run_id = c.scalar(select(func.max(RoutingRun.id)).where(RoutingRun.plan_id == plan_id))
        routes = c.execute(select(func.count(), func.count(distinct(Route.vehicle_id)),
                                  func.count(distinct(Route.site_id)), func.sum(Route.trips),
                                  func.sum(Route.distance_m))
                           .where(Route.run_id == run_id)).one()
        stops = c.execute(select(func.count(), func.sum(RouteStop.load_kg)).join(Route)
                          .where(Route.run_id == run_id)).one()
        unrouted = c.execute(select(func.count(), func.coalesce(func.sum(Unrouted.load_kg), 0))
                             .where(Unrouted.run_id == run_id)).one()
        flows = c.execute(select(func.sum(PlanFlow.quantity * kg),
                                 func.sum(PlanFlow.priority_quantity))
                          .join(Product, Product.id == PlanFlow.product_id)
                          .where(PlanFlow.plan_id == plan_id)).one()
    eng.dispose()
    return {"routes": routes[0], "vehicles": routes[1], "sites": routes[2], "trips": routes[3],
            "km": routes[4] / 1000, "stops": stops[0], "stop_kg": float(stops[1]),
            "unrouted": unrouted[0], "unrouted_kg": float(unrouted[1]),
            "flow_kg": float(flows[0]), "priority_units": flows[1]}
