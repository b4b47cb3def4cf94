"""Vehicle routing from supply sites to hand-off points, on top of PyVRP.

A :class:`RoutingProblem` (depots, a heterogeneous fleet, stops with loads, windows and
service times, an optional distance/duration matrix) goes into :func:`solve`, which returns a
:class:`RoutingResult`: one route per vehicle used and every stop that could not be served,
each with a reason. Nothing is dropped silently.

The modules, from the bottom up: ``model`` (the records, checked when built), ``roads``
(distance and duration matrices), ``pieces`` (the checks before PyVRP and the PyVRP data),
``budget`` (the stopping criterion), ``solver`` (the entry point, :func:`solve`); beside
them ``io`` (the JSON of ``baogong route``) and ``vrplib`` (VRPLIB instances, for the
benchmark).
"""

from baogong.optim.routing.model import (
    MAX_MINUTE,
    WHOLE_DAY,
    Depot,
    Matrix,
    ProgressFn,
    Route,
    RouteStop,
    RoutingInputError,
    RoutingOptions,
    RoutingProblem,
    RoutingResult,
    Stop,
    Unassigned,
    VehicleType,
    Window,
    hhmm,
)
from baogong.optim.routing.roads import haversine_m
from baogong.optim.routing.solver import solve

__all__ = [
    "MAX_MINUTE",
    "WHOLE_DAY",
    "Depot",
    "Matrix",
    "ProgressFn",
    "Route",
    "RouteStop",
    "RoutingInputError",
    "RoutingOptions",
    "RoutingProblem",
    "RoutingResult",
    "Stop",
    "Unassigned",
    "VehicleType",
    "Window",
    "haversine_m",
    "hhmm",
    "solve",
]
