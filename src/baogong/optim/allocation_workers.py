"""Worker processes for the per-product min-cost flows (OR-Tools).

OR-Tools 9.15 and highspy 1.15 each ship a ``libhighs.so.1`` (HiGHS 1.12 and 1.15). The
dynamic loader keeps one library per soname in a process, so whichever is loaded second binds
to the other's HiGHS and fails on a missing symbol (``setLocalOptionValue(HighsLogOptions
...)`` for OR-Tools, ``Highs::releaseMemory`` for highspy); no ``dlopen`` flag
(``RTLD_DEEPBIND``, ``RTLD_LOCAL``) or import order avoids the soname match. The aggregate LP
(HiGHS) therefore runs in the calling process and the flows in two workers.

The workers are started *before* the aggregate LP, so that their start-up overlaps it:

* ``fork``: when no HiGHS library is loaded yet and the process runs a single Python thread
  (Linux only). The child already has numpy and this package; it imports OR-Tools while the
  parent solves the LP, then waits for its jobs. It leaves with ``os._exit``.
* ``spawn`` otherwise (highspy already loaded by an earlier solve, other threads running):
  a fresh ``python -m baogong.optim.allocation_workers`` that imports what it needs and waits.

Either way a worker reads one line ``GEO JOBS OUT`` (paths of pickle files) from its control
pipe, writes ``("ok", outputs)`` or ``("error", message)`` to ``OUT`` and exits; end of file
on the pipe (the caller failed before the flows) makes it exit without work.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import threading
from pathlib import Path
from typing import IO, TYPE_CHECKING

from baogong.optim import allocation_mcf as mcf

if TYPE_CHECKING:
    from baogong.optim.allocation import Problem


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


def serve(ctl: IO[bytes], problem: Problem | None = None) -> int:
    """Worker body: wait for one ``GEO JOBS OUT`` line on ``ctl``, run the jobs, write OUT.

    A forked worker gets the ``problem`` and builds its :class:`~allocation_mcf.Geo` while
    it waits (``GEO`` is then ``-``).
    """
    from ortools.graph.python import min_cost_flow  # noqa: F401  (load while the parent works)

    geo = by_site = None
    if problem is not None:
        geo = mcf.make_geo(problem)
        by_site = mcf.site_major_order(geo)
    line = ctl.readline()
    if not line.strip():
        return 0
    geo_path, jobs_path, out_path = line.decode().rstrip("\n").split("\t")
    result: tuple[str, object]
    try:
        if geo is None:
            geo = pickle.loads(Path(geo_path).read_bytes())
        jobs = pickle.loads(Path(jobs_path).read_bytes())
        result = ("ok", mcf.run_jobs(geo, jobs, by_site))
    except Exception as exc:  # reported by the parent
        result = ("error", f"{type(exc).__name__}: {exc}")
    Path(out_path).write_bytes(pickle.dumps(result, protocol=5))
    return 0


class _Worker:
    """One worker process and the write end of its control pipe."""

    def __init__(self, problem: Problem, fork: bool, close_in_child: list[int]) -> None:
        self.pid = 0
        self.proc: object = None
        if fork:
            ctl_r, ctl_w = os.pipe()
            for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
                stream.flush()
            pid = os.fork()
            if pid == 0:  # child: never returns into the caller
                code = 1
                try:
                    os.close(ctl_w)
                    for fd in close_in_child:
                        os.close(fd)
                    with os.fdopen(ctl_r, "rb") as ctl:
                        code = serve(ctl, problem)
                except BaseException:  # reported as the exit status
                    code = 1
                finally:
                    os._exit(code)
            os.close(ctl_r)
            self.pid = pid
            self.ctl = ctl_w
        else:
            import subprocess

            proc = subprocess.Popen(
                [sys.executable, "-m", "baogong.optim.allocation_workers"],
                stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            assert proc.stdin is not None
            self.proc = proc
            self.ctl = proc.stdin.fileno()

    def send(self, geo: Path | None, jobs: Path, out: Path) -> None:
        os.write(self.ctl, f"{geo or '-'}\t{jobs}\t{out}\n".encode())

    def finish(self, kill: bool = False) -> str | None:
        """Close the control pipe, wait for the exit; an error text if it failed."""
        import signal
        import subprocess

        if isinstance(self.proc, subprocess.Popen):
            if kill:
                self.proc.kill()
            _, err = self.proc.communicate()  # closes stdin
            if self.proc.returncode != 0:
                tail = err.decode(errors="replace").strip().splitlines()[-1:]
                return f"exit status {self.proc.returncode}: {tail}"
            return None
        with contextlib.suppress(OSError):
            os.close(self.ctl)
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        try:
            _, status = os.waitpid(self.pid, 0)
        except ChildProcessError:  # already reaped
            return None
        code = os.waitstatus_to_exitcode(status)
        return None if code == 0 else f"exit status {code}"


#: How the last flow workers of this process were started: "fork" or "spawn" (benchmark).
LAST_START = [""]


class FlowWorkers:
    """Two flow workers, started early; :meth:`run` hands them the jobs and collects."""

    def __init__(self, problem: Problem, n: int = 2) -> None:
        self.problem = problem
        self.fork = fork_safe()
        LAST_START[0] = "fork" if self.fork else "spawn"
        self.workers: list[_Worker] = []
        for _ in range(n):
            self.workers.append(_Worker(problem, self.fork, [w.ctl for w in self.workers]))

    def run(self, jobs: list[mcf.Job]) -> list[mcf.Out]:
        """Solve the jobs, balanced over the workers by pairs; outputs in job order."""
        import tempfile

        import numpy as np

        n = len(self.workers)
        size = np.array([int(j[4].size) for j in jobs])
        parts: list[list[int]] = [[] for _ in range(n)]
        load = [0] * n
        for i in np.argsort(-size).tolist():
            b = int(np.argmin(load))
            parts[b].append(i)
            load[b] += int(size[i])
        results: dict[int, mcf.Out] = {}
        with tempfile.TemporaryDirectory(prefix="baogong-alloc-") as tmp:
            geo_path = None
            if not self.fork:  # forked workers have built their own
                geo_path = Path(tmp) / "geo.pkl"
                geo_path.write_bytes(pickle.dumps(mcf.make_geo(self.problem), protocol=5))
            busy: list[tuple[_Worker, list[int], Path]] = []
            for b, (worker, part) in enumerate(zip(self.workers, parts, strict=True)):
                if not part:
                    continue
                src, dst = Path(tmp) / f"jobs{b}.pkl", Path(tmp) / f"out{b}.pkl"
                src.write_bytes(pickle.dumps([jobs[i] for i in part], protocol=5))
                worker.send(geo_path, src, dst)
                busy.append((worker, part, dst))
            errors = [e for e in (w.finish() for w in self.workers) if e]
            self.workers = []
            for _, part, dst in busy:
                if not dst.exists():
                    continue
                status, payload = pickle.loads(dst.read_bytes())
                if status != "ok":
                    errors.append(str(payload))
                    continue
                outs: list[mcf.Out] = payload
                for i, res in zip(part, outs, strict=True):
                    results[i] = res
            if errors or len(results) != len(jobs):
                raise RuntimeError(f"allocation: min-cost-flow worker failed: {errors}")
        return [results[i] for i in range(len(jobs))]

    def close(self) -> None:
        """Stop workers not yet used (the caller failed before the flows)."""
        for w in self.workers:
            w.finish(kill=True)
        self.workers = []


if __name__ == "__main__":
    raise SystemExit(serve(sys.stdin.buffer))
