"""Node potentials that prove a min-cost flow optimal (pure numpy, no solver)."""

from __future__ import annotations

import numpy as np

from baogong.optim.allocation.network import potentials

# sites 0, 1 (one unit each) -> pairs 2, 3 (one unit each); costs 1, 2 / 2, 10
TAILS = np.array([0, 0, 1, 1])
HEADS = np.array([2, 3, 2, 3])
CAPS = np.array([1, 1, 1, 1])
COSTS = np.array([1, 2, 2, 10])


def test_potentials_of_an_optimal_flow_satisfy_reduced_costs() -> None:
    """For the optimal flow (cost 4) every residual arc has a reduced cost >= 0."""
    flows = np.array([0, 1, 1, 0])
    d = potentials(4, TAILS, HEADS, CAPS, COSTS, flows)
    assert d is not None
    rc = COSTS + d[TAILS] - d[HEADS]
    assert np.all(rc[flows < CAPS] >= 0)
    assert np.all(rc[flows > 0] <= 0)


def test_a_flow_that_is_not_optimal_has_no_potentials() -> None:
    """The crossed flow (cost 11) leaves a negative cycle: no potentials exist."""
    flows = np.array([1, 0, 0, 1])
    assert potentials(4, TAILS, HEADS, CAPS, COSTS, flows, max_rounds=50) is None
