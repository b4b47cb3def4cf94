"""Worker processes for the per-product min-cost flows (OR-Tools).

OR-Tools 9.15 and highspy 1.15 each ship a ``libhighs.so.1`` (HiGHS 1.12 and 1.15). The
dynamic loader keeps one library per soname in a process, so whichever is loaded second binds
to the other's HiGHS and fails on a missing symbol (``setLocalOptionValue(HighsLogOptions
...)`` for OR-Tools, ``Highs::releaseMemory`` for highspy); no ``dlopen`` flag
(``RTLD_DEEPBIND``, ``RTLD_LOCAL``) or import order avoids the soname match. The aggregate LP
(HiGHS) therefore runs in the calling process and the flows in two workers.

The workers are started *before* the aggregate LP, so that their start-up overlaps it:

* fork (Linux, no HiGHS library loaded yet, one Python thread): one child that already has
  numpy and the problem loads OR-Tools, builds the nearest-site lists, and forks the second
  worker from that state, so both are done once. highspy is imported lazily by
  :mod:`baogong.optim.allocation.highs` for this reason, and OR-Tools only in the workers
  (:mod:`baogong.optim.allocation.network`, :mod:`baogong.optim.allocation.lagrange`).
* spawn otherwise (highspy loaded by an earlier solve, other threads running): two fresh
  Python processes running :func:`main`, which import what they need and wait; the caller
  builds the lists and sends them.

The jobs are :class:`~baogong.optim.allocation.network.FlowJob` (one product's flow) or
:class:`~baogong.optim.allocation.lagrange.LagrangeJob` (one product's Lagrangian
subproblem, for the kg x km bound); :func:`run_jobs` solves a list of them.

A worker reads one line ``GEO JOBS OUT`` (paths of pickle files; ``GEO`` is ``-`` when it
built its own) from its control pipe, writes ``("ok", outputs)`` or ``("error", message)``
to ``OUT`` and exits; end of file on the pipe (the caller failed before the flows) makes it
exit without work.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import numpy as np

from baogong.optim.allocation.arcs import Geo, make_geo, site_major_order
from baogong.optim.allocation.geometry import IntArray
from baogong.optim.allocation.lagrange import LagrangeJob, LagrangeOut, solve_job
from baogong.optim.allocation.model import Problem
from baogong.optim.allocation.network import FlowJob, FlowOut, product_flows

Job = FlowJob | LagrangeJob
Out = FlowOut | LagrangeOut

#: What a spawned worker runs (``python -c``).
_SPAWN = "import sys; from baogong.optim.allocation.workers import main; sys.exit(main())"


def run_jobs(geo: Geo, jobs: Sequence[Job], by_site: IntArray | None = None) -> list[Out]:
    """Worker entry: solve the jobs in order. ``by_site``: see
    :func:`~baogong.optim.allocation.arcs.site_major_order` (computed here when not given)."""
    out: list[Out] = []
    if by_site is None and jobs:
        by_site = site_major_order(geo)
    for job in jobs:
        if isinstance(job, LagrangeJob):
            out.append(solve_job(geo, job, by_site))
        else:
            out.append(product_flows(geo, job.supply, job.lb, job.ub, job.pair_c, job.k,
                                     by_site, job.total))
    return out


def _highs_loaded() -> bool:
    """Whether a HiGHS library is mapped into this process (then OR-Tools cannot load)."""
    if any(name == "highspy" or name.startswith("highspy.") for name in sys.modules):
        return True
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return True  # cannot tell: do not fork
    return "libhighs" in maps and "ortools" not in maps


def fork_safe() -> bool:
    """Whether flow workers may be forked from this process."""
    return (sys.platform == "linux" and hasattr(os, "fork")
            and threading.active_count() == 1 and not _highs_loaded())


def serve(ctl: IO[bytes], geo: Geo | None = None, by_site: IntArray | None = None) -> int:
    """Worker body: wait for one ``GEO JOBS OUT`` line on ``ctl``, run the jobs, write OUT.

    Forked workers already hold their :class:`~baogong.optim.allocation.arcs.Geo` (``GEO``
    is then ``-``).
    """
    # Only in a worker (see the module docstring); loaded while the parent works.
    from ortools.graph.python import min_cost_flow  # noqa: F401

    line = ctl.readline()
    if not line.strip():
        return 0
    geo_path, jobs_path, out_path = line.decode().rstrip("\n").split("\t")
    result: tuple[str, object]
    try:
        if geo is None:
            geo = pickle.loads(Path(geo_path).read_bytes())
        jobs = pickle.loads(Path(jobs_path).read_bytes())
        result = ("ok", run_jobs(geo, jobs, by_site))
    except Exception as exc:  # reported by the parent
        result = ("error", f"{type(exc).__name__}: {exc}")
    Path(out_path).write_bytes(pickle.dumps(result, protocol=5))
    return 0


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to kill this process when ``parent`` exits (Linux ``PR_SET_PDEATHSIG``)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:  # the parent is already gone
        os._exit(1)


def _forked_pair(problem: Problem, ctl_a: int, ctl_b: int) -> int:
    """Body of the first forked worker: load OR-Tools, build the distance lists once, fork
    the second worker from that state (it dies with this one), serve, wait for it.

    OR-Tools is loaded with lazy binding (``RTLD_LAZY``, the loader's usual default; Python
    asks for ``RTLD_NOW``): resolving every symbol of libortools and its dependencies up
    front is a third of the import time, and nothing else is loaded here that could clash.
    """
    sys.setdlopenflags(os.RTLD_LAZY)
    from ortools.graph.python import min_cost_flow  # noqa: F401  (only in a worker)

    geo = make_geo(problem)
    by_site = site_major_order(geo)
    me = os.getpid()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _die_with_parent(me)
            os.close(ctl_a)
            with os.fdopen(ctl_b, "rb") as ctl:
                code = serve(ctl, geo, by_site)
        finally:
            os._exit(code)
    os.close(ctl_b)
    with os.fdopen(ctl_a, "rb") as ctl:
        code = serve(ctl, geo, by_site)
    _, status = os.waitpid(pid, 0)
    return code or os.waitstatus_to_exitcode(status)


class FlowWorkers:
    """Two flow workers, started at once; :meth:`run` hands them the jobs and collects.

    Forked: one child, which forks the second once OR-Tools is loaded and the distance lists
    are built (so both happen once), and waits for it before it exits. Spawned: two fresh
    Python processes running :func:`main`. ``start`` tells which ("fork" or "spawn").
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.fork = fork_safe()
        self.start = "fork" if self.fork else "spawn"
        self.ctls: list[int] = []
        self.pid = 0
        self.procs: list[subprocess.Popen[bytes]] = []
        if self.fork:
            (ra, wa), (rb, wb) = os.pipe(), os.pipe()
            for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
                stream.flush()
            pid = os.fork()
            if pid == 0:  # child: never returns into the caller
                code = 1
                try:
                    os.close(wa)
                    os.close(wb)
                    code = _forked_pair(problem, ra, rb)
                except BaseException:  # reported as the exit status
                    code = 1
                finally:
                    os._exit(code)
            os.close(ra)
            os.close(rb)
            self.pid = pid
            self.ctls = [wa, wb]
        else:
            for _ in range(2):
                proc = subprocess.Popen(
                    [sys.executable, "-c", _SPAWN],
                    stdin=subprocess.PIPE, stderr=subprocess.PIPE)
                assert proc.stdin is not None
                self.procs.append(proc)
                self.ctls.append(proc.stdin.fileno())

    def run_flows(self, jobs: Sequence[FlowJob]) -> list[FlowOut]:
        """Solve products' flows (see :meth:`run`)."""
        outs = [out for out in self.run(jobs) if isinstance(out, FlowOut)]
        if len(outs) != len(jobs):
            raise RuntimeError("allocation: a flow worker did not return flows")
        return outs

    def run_lagrange(self, jobs: Sequence[LagrangeJob]) -> list[LagrangeOut]:
        """Solve products' Lagrangian subproblems (see :meth:`run`)."""
        outs = [out for out in self.run(jobs) if isinstance(out, LagrangeOut)]
        if len(outs) != len(jobs):
            raise RuntimeError("allocation: a flow worker did not return a certificate")
        return outs

    def run(self, jobs: Sequence[Job]) -> list[Out]:
        """Solve the jobs, balanced over the workers by pairs; outputs in job order."""
        n = len(self.ctls)
        size = np.array([int(j.pair_c.size) for j in jobs])
        parts: list[list[int]] = [[] for _ in range(n)]
        load = [0] * n
        for i in np.argsort(-size).tolist():
            b = int(np.argmin(load))
            parts[b].append(i)
            load[b] += int(size[i])
        results: dict[int, Out] = {}
        with tempfile.TemporaryDirectory(prefix="baogong-alloc-") as tmp:
            geo_path = None
            if not self.fork:  # forked workers have built their own
                geo_path = Path(tmp) / "geo.pkl"
                geo_path.write_bytes(pickle.dumps(make_geo(self.problem), protocol=5))
            sent: list[tuple[list[int], Path]] = []
            for b, (ctl, part) in enumerate(zip(self.ctls, parts, strict=True)):
                if not part:
                    continue
                src, dst = Path(tmp) / f"jobs{b}.pkl", Path(tmp) / f"out{b}.pkl"
                src.write_bytes(pickle.dumps([jobs[i] for i in part], protocol=5))
                os.write(ctl, f"{geo_path or '-'}\t{src}\t{dst}\n".encode())
                sent.append((part, dst))
            errors = self._finish(kill=False)
            for part, dst in sent:
                if not dst.exists():
                    continue
                status, payload = pickle.loads(dst.read_bytes())
                if status != "ok":
                    errors.append(str(payload))
                    continue
                outs: list[Out] = payload
                for i, res in zip(part, outs, strict=True):
                    results[i] = res
            if errors or len(results) != len(jobs):
                raise RuntimeError(f"allocation: min-cost-flow worker failed: {errors}")
        return [results[i] for i in range(len(jobs))]

    def close(self) -> None:
        """Stop workers still running (the caller failed before or during the flows)."""
        self._finish(kill=True)

    def _finish(self, kill: bool) -> list[str]:
        """Close the control pipes (idle workers exit), wait; error texts of failures."""
        errors: list[str] = []
        if self.fork:
            for ctl in self.ctls:
                with contextlib.suppress(OSError):
                    os.close(ctl)
            self.ctls = []
            if self.pid:
                if kill:  # the second worker dies with the first
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(self.pid, signal.SIGKILL)
                _, status = os.waitpid(self.pid, 0)
                self.pid = 0
                code = os.waitstatus_to_exitcode(status)
                if code != 0 and not kill:
                    errors.append(f"exit status {code}")
            return errors
        for proc in self.procs:
            if kill:
                proc.kill()
            _, err = proc.communicate()  # closes stdin
            if proc.returncode != 0 and not kill:
                tail = err.decode(errors="replace").strip().splitlines()[-1:]
                errors.append(f"exit status {proc.returncode}: {tail}")
        self.procs = []
        self.ctls = []
        return errors


def main() -> int:
    """Body of a spawned worker: serve the jobs named on stdin."""
    sys.setdlopenflags(os.RTLD_LAZY)  # see _forked_pair
    return serve(sys.stdin.buffer)
