"""HiGHS helpers shared by the linear programs: a model from column-wise arrays, the solver
with its options, a clock of the time spent inside it, and the tolerances between stages.

highspy is imported only where a model is built or run, never at module import: the network
method forks its OR-Tools workers from this process before the first HiGHS solve, and a
process with highspy's ``libhighs.so.1`` loaded cannot load OR-Tools (see
:mod:`baogong.optim.allocation.workers`). ``highspy.kHighsInf`` is ``math.inf``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from baogong.optim.allocation.geometry import FloatArray

if TYPE_CHECKING:
    import highspy

INF = math.inf
AnyInt = npt.NDArray[np.int32] | npt.NDArray[np.int64]


class Infeasible(RuntimeError):
    """A stage LP came out infeasible (tolerances between stages)."""


@dataclass
class Clock:
    """Wall time spent inside solver calls, and their number (one per solve)."""

    solver_s: float = 0.0
    calls: int = 0

    def run(self, h: highspy.Highs) -> None:
        """Run ``h``; raise :class:`Infeasible` or ``RuntimeError`` unless it is optimal."""
        import highspy

        t0 = time.perf_counter()
        h.run()
        self.solver_s += time.perf_counter() - t0
        self.calls += 1
        status = h.getModelStatus()
        if status == highspy.HighsModelStatus.kInfeasible:
            raise Infeasible("HiGHS: infeasible")
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"HiGHS stopped with status {h.modelStatusToString(status)}")


def new_highs(time_limit: float) -> highspy.Highs:
    """A quiet single-threaded HiGHS with a time limit per run."""
    import highspy

    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    return h


def pass_model(h: highspy.Highs, cost: FloatArray, lower: FloatArray, upper: FloatArray,
               row_lo: FloatArray, row_hi: FloatArray, start: AnyInt, index: AnyInt,
               value: FloatArray, maximize: bool, integers: int = 0) -> None:
    """Give ``h`` the LP with these column bounds, row bounds and column-wise matrix; with
    ``integers``, its first that many columns are integer (a MIP)."""
    import highspy

    lp = highspy.HighsLp()
    lp.num_col_ = int(cost.size)
    lp.num_row_ = int(row_lo.size)
    lp.col_cost_ = cost
    lp.col_lower_ = lower
    lp.col_upper_ = upper
    lp.row_lower_ = row_lo
    lp.row_upper_ = row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = start
    lp.a_matrix_.index_ = index
    lp.a_matrix_.value_ = value
    lp.sense_ = highspy.ObjSense.kMaximize if maximize else highspy.ObjSense.kMinimize
    if integers:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * integers + [
            highspy.HighsVarType.kContinuous] * (int(cost.size) - integers)
    h.passModel(lp)


def tol(x: float) -> float:
    """Tolerance on a stage's optimal value ``x`` when a later stage keeps it."""
    return 1e-7 * max(1.0, abs(x)) + 1e-6
