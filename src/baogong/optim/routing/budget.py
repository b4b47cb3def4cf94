"""The stopping criterion of a PyVRP search: one time and iteration budget."""

from __future__ import annotations

import time

import numpy as np

from baogong.optim.routing.model import ProgressFn

#: PyVRP's cost of an infeasible solution.
INFEASIBLE = int(np.iinfo(np.int64).max)


class Budget:
    """Stopping criterion shared by the solver phases: one time and iteration budget.

    With ``give_up`` set, a phase also stops when no feasible solution has been found after
    that fraction of the budget.
    """

    def __init__(
        self, time_limit_s: float, max_iterations: int | None, progress: ProgressFn | None
    ) -> None:
        self._limit = time_limit_s
        self._max_iterations = max_iterations
        self._progress = progress
        self._start = time.perf_counter()
        self._last = -1.0
        self.iterations = 0
        self.give_up: float | None = None

    def elapsed(self) -> float:
        """Seconds since the budget started."""
        return time.perf_counter() - self._start

    def _used(self, elapsed: float) -> float:
        used = 1.0 if self._limit <= 0 else elapsed / self._limit
        if self._max_iterations is not None:
            used = max(used, self.iterations / max(1, self._max_iterations))
        return used

    def __call__(self, best_cost: int) -> bool:
        elapsed = self.elapsed()
        used = self._used(elapsed)
        done = used >= 1.0
        infeasible = best_cost >= INFEASIBLE
        if not done and infeasible and self.give_up is not None and used >= self.give_up:
            done = True
        if not done:
            self.iterations += 1
        if self._progress is not None and (done or elapsed - self._last >= 0.2):
            self._last = elapsed
            self._progress(min(1.0, used), float(best_cost))
        return done
