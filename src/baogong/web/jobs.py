"""Background jobs (such as the day's plan and routes) with progress that pages can follow."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baogong import i18n
from baogong.i18n import gettext
from baogong.types import Progress, utcnow

log = logging.getLogger("baogong.web")


@dataclass
class Job:
    """One run: its steps so far, whether it is done, and its result or error."""

    id: str
    kind: str
    by: str
    state: str = "running"
    step: str = ""
    done: int = 0
    total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    started_at: str = field(default_factory=lambda: utcnow().isoformat())

    def as_json(self) -> dict[str, Any]:
        """The job as the API shows it."""
        return {"id": self.id, "kind": self.kind, "by": self.by, "state": self.state,
                "step": self.step, "done": self.done, "total": self.total,
                "result": self.result, "error": self.error, "started_at": self.started_at}




@dataclass
class JobRunner:
    """Runs one job of a kind at a time in a thread; keeps the last jobs for reading."""

    on_change: Callable[[Job], None] = lambda _job: None
    jobs: dict[str, Job] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def running(self, kind: str) -> Job | None:
        """The job of this kind that is still running, if any."""
        with self._lock:
            return next((j for j in self.jobs.values()
                         if j.kind == kind and j.state == "running"), None)

    def start(self, kind: str, by: str, work: Callable[[Progress], dict[str, Any]],
              lang: str) -> Job:
        """Start work in a thread; `work` reports steps through the progress callable."""
        job = Job(uuid.uuid4().hex[:12], kind, by)
        with self._lock:
            self.jobs[job.id] = job
            if len(self.jobs) > 50:
                for old in list(self.jobs)[:-50]:
                    del self.jobs[old]

        def progress(label: str, n: int) -> None:
            if label:
                job.step, job.total, job.done = gettext(label), job.total + n, job.done
            else:
                job.done += n
            self.on_change(job)

        def main() -> None:
            i18n.set_lang(lang)
            try:
                job.result = work(progress)
                job.state = "done"
            except Exception as exc:  # reported to the page, and logged
                log.exception("job %s failed", job.id)
                job.state, job.error = "failed", str(exc)
            self.on_change(job)

        threading.Thread(target=main, name=f"job-{job.id}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        """A job by id."""
        return self.jobs.get(job_id)
