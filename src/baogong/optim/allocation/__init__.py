"""Allocation: who supplies whom, lexicographically optimal, fair and local-first.

A :class:`Problem` (frozen dataclasses, checked when built) goes into :func:`solve`, which
returns a :class:`Result`: integer flows site -> community -> product, what stays unmet and
a summary (with the solver's times). The objective, in order of importance:

1. serve as many priority kg as possible;
2. then as many kg in total as possible;
3. then make the lowest fill rate of any (community, product) pair with demand as high as
   possible (fair sharing under shortage);
4. then minimise kg x road km.

The modules stack in layers, each importing only those below it: ``geometry`` (arrays,
distances), ``model`` (the problem and its checks), ``result`` (the plan and how it is
assembled), ``arcs`` (nearest-site lists), ``highs`` (HiGHS helpers), ``aggregate`` (stages
1-3), ``exact`` (the stage-4 LP), ``rounding`` (integer units), ``supplies`` (site supplies
and fair shares), ``fair`` (the fair re-flow), ``network`` (per-product min-cost flows),
``lagrange`` (the bound's subproblems), ``workers`` (the flow worker processes), ``zones``
(the zone LP), ``bound`` (the kg x km bound), ``greedy`` (the baseline) and ``solver`` (the
entry point); ``io`` is the JSON of ``baogong allocate``. The formulation and the proof that
restricting arcs to near sites keeps optimality are in :mod:`baogong.optim.allocation.exact`
and ``docs/allocation.md``.
"""

from baogong.optim.allocation.geometry import FloatArray, IntArray, haversine_km
from baogong.optim.allocation.greedy import greedy
from baogong.optim.allocation.model import (
    Community,
    Demand,
    FixedFlow,
    Options,
    Problem,
    ProblemError,
    Product,
    Site,
    Tier,
)
from baogong.optim.allocation.result import Flow, Result, Summary, Unmet
from baogong.optim.allocation.solver import solve

__all__ = [
    "Community",
    "Demand",
    "FixedFlow",
    "FloatArray",
    "Flow",
    "IntArray",
    "Options",
    "Problem",
    "ProblemError",
    "Product",
    "Result",
    "Site",
    "Summary",
    "Tier",
    "Unmet",
    "greedy",
    "haversine_km",
    "solve",
]
