"""The checks before PyVRP, and the PyVRP data of what passes them.

Every stop is checked against the fleet: no suitable vehicle, no road, a window, depot hours
or a shift that one vehicle alone cannot meet refuse the stop up front with its reason.
Loads larger than the biggest suitable vehicle are split into full-truck pieces. The pieces
become PyVRP clients (see :mod:`baogong.optim.routing.solver` for how the requirements map
onto PyVRP).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from pyvrp import Client, Location, ProblemData
from pyvrp import Depot as PyDepot
from pyvrp import VehicleType as PyVehicleType
from pyvrp.constants import MAX_VALUE

from baogong.i18n import N_
from baogong.optim.routing.model import RoutingProblem, Stop, Unassigned, VehicleType, hhmm
from baogong.optim.routing.roads import IntMatrix

#: Capacity of the cold and permit dimensions for vehicles that have the equipment.
_BIG = 1_000_000_000


@dataclass(frozen=True)
class Piece:
    """Part of a stop's load that one vehicle visit delivers."""

    stop: int
    load_kg: float
    units: int


@dataclass(frozen=True)
class Plan:
    """The outcome of the checks: what goes to PyVRP and what is refused up front."""

    pieces: tuple[Piece, ...]
    refused: tuple[Unassigned, ...]


def _suitable(stop: Stop, vt: VehicleType) -> bool:
    cold_ok = vt.cold_chain or not stop.cold
    return vt.count > 0 and cold_ok and (vt.permit or not stop.needs_permit)


def _no_vehicle(stop: Stop) -> Unassigned:
    if stop.cold and stop.needs_permit:
        return Unassigned(
            stop.id,
            "no_cold_permit_vehicle",
            N_("needs a cold-chain vehicle with a pass permit but none is available"),
        )
    if stop.cold:
        return Unassigned(
            stop.id, "no_cold_vehicle", N_("needs a cold-chain vehicle but none is available")
        )
    if stop.needs_permit:
        return Unassigned(
            stop.id,
            "no_permit_vehicle",
            N_("needs a vehicle with a pass permit but none is available"),
        )
    return Unassigned(stop.id, "no_vehicle", N_("no vehicle is available"))


def _alone(
    problem: RoutingProblem,
    s: int,
    vt: VehicleType,
    dur: IntMatrix,
    reach: npt.NDArray[np.bool_],
) -> tuple[int, Unassigned | None]:
    """Can one vehicle of this type serve stop ``s`` on its own? (rank of failure, reason)."""
    stop = problem.stops[s]
    d = problem.depot_index(vt.depot)
    depot = problem.depots[d]
    j = len(problem.depots) + s
    if not (reach[d, j] and reach[j, d]):
        return 0, Unassigned(
            stop.id,
            "unreachable",
            N_("no road between it and the depot of any suitable vehicle"),
        )
    opens, closes = depot.window[0] * 60, depot.window[1] * 60
    load_s = round(problem.options.load_minutes * 60)
    service_s = round(stop.service_minutes * 60)
    earliest = opens + load_s + int(dur[d, j])
    if earliest > stop.window[1] * 60:
        return 1, Unassigned(
            stop.id,
            "window",
            N_("its window {window} cannot be met: the earliest possible arrival is {earliest}"),
            {
                "window": f"{hhmm(stop.window[0])}-{hhmm(stop.window[1])}",
                "earliest": hhmm(earliest, seconds=True),
            },
        )
    start = max(earliest, stop.window[0] * 60)
    back = start + service_s + int(dur[j, d])
    if back > closes:
        return 2, Unassigned(
            stop.id,
            "depot_closed",
            N_("a vehicle serving it alone could not be back before its depot closes at {close}"),
            {"close": hhmm(depot.window[1])},
        )
    needed = load_s + int(dur[d, j]) + service_s + int(dur[j, d])
    if needed > vt.shift_minutes * 60:
        return 3, Unassigned(
            stop.id,
            "shift",
            N_("a round trip to it alone takes {minutes} min, longer than the shift ({shift} min)"),
            {"minutes": math.ceil(needed / 60), "shift": vt.shift_minutes},
        )
    return 4, None


def plan_pieces(problem: RoutingProblem, dur: IntMatrix, reach: npt.NDArray[np.bool_]) -> Plan:
    """Check every stop against the fleet; split oversize loads into full-truck pieces."""
    pieces: list[Piece] = []
    refused: list[Unassigned] = []
    for s, stop in enumerate(problem.stops):
        types = [vt for vt in problem.vehicle_types if _suitable(stop, vt)]
        if not types:
            refused.append(_no_vehicle(stop))
            continue
        able: list[VehicleType] = []
        worst: tuple[int, Unassigned | None] = (-1, None)
        for vt in types:
            rank, reason = _alone(problem, s, vt, dur, reach)
            if reason is None:
                able.append(vt)
            elif rank > worst[0]:
                worst = (rank, reason)
        if not able:
            assert worst[1] is not None
            refused.append(worst[1])
            continue
        size = max(1, max(math.floor(vt.capacity_kg) for vt in able))
        remaining = float(stop.load_kg)
        while remaining > size + 1e-9:
            pieces.append(Piece(s, float(size), size))
            remaining -= size
        pieces.append(Piece(s, round(remaining, 6), min(size, math.ceil(remaining - 1e-9))))
    return Plan(tuple(pieces), tuple(refused))


def build_data(
    problem: RoutingProblem, plan: Plan, dist: IntMatrix, dur: IntMatrix, *, required: bool
) -> tuple[ProblemData, list[VehicleType]]:
    """PyVRP data for the pieces; returns the vehicle types used, in PyVRP's order.

    With ``required=False`` every piece is optional, worth a prize far above any detour and
    growing with its weight, so that a short fleet drops as few kilograms as it can.
    """
    n_dep = len(problem.depots)
    opts = problem.options
    load_s = round(opts.load_minutes * 60)
    locations = [Location(x=d.lon, y=d.lat, name=d.id) for d in problem.depots]
    locations += [Location(x=s.lon, y=s.lat, name=s.id) for s in problem.stops]
    depots = [
        PyDepot(
            location=i,
            tw_early=d.window[0] * 60,
            tw_late=d.window[1] * 60,
            service_duration=load_s,
            name=d.id,
        )
        for i, d in enumerate(problem.depots)
    ]
    finite = dist[dist < MAX_VALUE]
    prize = int(10 * (int(finite.max()) if finite.size else 0) + opts.vehicle_cost_m + 1_000)
    heaviest = max(1, max(p.units for p in plan.pieces))
    clients = []
    for piece in plan.pieces:
        stop = problem.stops[piece.stop]
        tag = max(piece.units, 1)
        clients.append(
            Client(
                location=n_dep + piece.stop,
                delivery=[piece.units, tag if stop.cold else 0, tag if stop.needs_permit else 0],
                service_duration=round(stop.service_minutes * 60),
                tw_early=stop.window[0] * 60,
                tw_late=stop.window[1] * 60,
                prize=0 if required else prize + prize * piece.units // heaviest,
                required=required,
                name=stop.id,
            )
        )
    used = [vt for vt in problem.vehicle_types if vt.count > 0]
    vehicle_types = []
    for vt in used:
        d = problem.depot_index(vt.depot)
        window = problem.depots[d].window
        extra = {}
        if vt.reloads:
            extra = {"reload_depots": [d], "max_reloads": vt.max_trips - 1}
        vehicle_types.append(
            PyVehicleType(
                num_available=vt.count,
                capacity=[
                    max(1, math.floor(vt.capacity_kg)),
                    _BIG if vt.cold_chain else 0,
                    _BIG if vt.permit else 0,
                ],
                start_depot=d,
                end_depot=d,
                fixed_cost=opts.vehicle_cost_m,
                tw_early=window[0] * 60,
                tw_late=window[1] * 60,
                shift_duration=vt.shift_minutes * 60,
                name=vt.id,
                **extra,  # type: ignore[arg-type]
            )
        )
    data = ProblemData(
        locations=locations,
        clients=clients,
        depots=depots,
        vehicle_types=vehicle_types,
        distance_matrices=[dist],  # type: ignore[list-item]
        duration_matrices=[dur],  # type: ignore[list-item]
    )
    return data, used
