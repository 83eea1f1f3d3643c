"""A bounded pool of worker processes for heavy work: shared jobs, progress, stop and cancel.

The dashboard sends t-SNE, UMAP, training, clustering and benchmarks here so that they never run
in a Streamlit script thread. ``submit(key, fn, *args, **kwargs)`` runs
``fn(*args, progress=callback, **kwargs)`` in a worker process and returns a :class:`Job`;
identical keys in flight share one job (the key comes from the caller, e.g.
:func:`content_key` of the function and its arguments, or :func:`embviz.cache.projection_key`). Each waiter ``subscribe``\\ s; when the last one leaves (and
does not come back within ``linger`` seconds, as a Streamlit rerun does), a queued job is dropped
and a running one is asked to stop through its progress callback; a worker that does not stop
within ``grace`` seconds is killed and replaced. A job stopped on request returns its partial
result (``stopped=True``) to whoever still waits.

Why loky (``bench/pool.py`` compares it with concurrent.futures and Dask's local client): it sets
environment variables in a worker before any import (one BLAS/numba thread), ends idle workers by
itself (``timeout``), replaces a killed worker in 0.1 s and adds ~20 MB to the server. Dask's local
client added ~60 MB, took 30 s to answer again after a worker was killed, re-ran the killed task,
and cannot stop a running one. One single-worker executor per slot lets a slot's worker be killed
without failing the work in the other slots.

Settings (environment): ``EMBVIZ_WORKERS`` (processes, default max(1, cores - 1), so the server
keeps a core for light requests), ``EMBVIZ_WORKER_RSS_MB`` (a worker above this after a job is
replaced, default 1500; one above three times this during a job is killed and its job fails),
``EMBVIZ_WORKER_IDLE`` (seconds before an idle worker exits, default 10: a cancelled job's
worker is then gone, and its memory back, within 20 s of the last user leaving: 3 s linger, 3 s
grace, 10 s idle), ``EMBVIZ_WORKER_STANDING`` (workers of the default pool that never exit for
idleness, default 1) and ``EMBVIZ_WORKER_STANDING_MB`` (a standing worker above this after a job
is replaced, default 1000).

**A standing worker** keeps what a first request would otherwise pay for: a worker that has
imported umap-learn and openTSNE and loaded numba's compiled kernels (about 500 MB) answers a
first UMAP of 10,000 points as fast as a second one (``bench/first_wait.py``: 2.4 s sooner than a
freshly started worker). :meth:`Pool.keep_warm` names the work that prepares it (the dashboard's
numba warm-up); it runs again whenever a standing worker had to be replaced (killed, lost, or
above its memory bound), so the next first request finds a prepared worker again.

A job, its states and its progress are :mod:`embviz.work_job` (re-exported here).

Errors come back as the original :class:`~embviz.errors.EmbvizError` (and ``ImportError``,
``KeyError``, ``ValueError``, ``FileNotFoundError``, ``PermissionError``), message intact; anything
else as :class:`JobError`, with the worker's traceback in the log. Only our own objects cross the
process boundary (the pool never reads a pickle a user supplied).
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ._worker import JobError, Slot, WorkerLost, rebuild_error
from .errors import EmbvizError
from .work_job import CANCELLED, DONE, FAILED, FINISHED, QUEUED, RUNNING, Job, Progress  # noqa: F401  (re-exported)

__all__ = ["CANCELLED", "DONE", "FAILED", "QUEUED", "RUNNING", "Job", "JobError", "Pool", "Progress",
           "WorkerLost", "content_key", "default_pool", "submit"]
log = logging.getLogger("embviz.work")

ENV_WORKERS, ENV_RSS_MB, ENV_IDLE = "EMBVIZ_WORKERS", "EMBVIZ_WORKER_RSS_MB", "EMBVIZ_WORKER_IDLE"
ENV_STANDING, ENV_STANDING_MB = "EMBVIZ_WORKER_STANDING", "EMBVIZ_WORKER_STANDING_MB"


def default_workers() -> int:
    value = os.environ.get(ENV_WORKERS)
    if value:
        try:
            return max(1, int(value))
        except ValueError:
            raise EmbvizError(f"{ENV_WORKERS} must be a whole number of worker processes, got {value!r}") from None
    return max(1, (os.cpu_count() or 1) - 1)


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name) or default)
    except ValueError:
        raise EmbvizError(f"{name} must be a number, got {os.environ.get(name)!r}") from None


class Pool:
    """A bounded pool of worker processes; see the module docstring."""

    def __init__(self, workers: int | None = None, *, rss_mb: float | None = None,
                 idle_seconds: float | None = None, linger: float = 3.0, grace: float = 3.0,
                 lease: float = 30.0, standing: int = 0, standing_mb: float | None = None):
        self.workers = int(workers) if workers else default_workers()
        self.standing = max(0, min(int(standing), self.workers))
        self.standing_limit = int((standing_mb or _env_float(ENV_STANDING_MB, 1000)) * 2**20)
        self._warm: tuple | None = None  # (fn, args) that prepares a standing worker: keep_warm
        self.rss_limit = int((rss_mb or _env_float(ENV_RSS_MB, 1500)) * 2**20)
        self.idle_seconds = idle_seconds if idle_seconds is not None else _env_float(ENV_IDLE, 10)
        self.linger, self.grace, self.lease = linger, grace, lease
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._pending: deque[Job] = deque()
        self._inflight: dict[str, Job] = {}
        self._slots: list[Slot | None] = [None] * self.workers
        self._closed = False
        self.counts = {"submitted": 0, "shared": 0, "cancelled": 0, "killed": 0, "lost": 0, "recycled": 0,
                       "warmed": 0}
        threading.Thread(target=self._watch, daemon=True, name="embviz-work-watch").start()

    def __repr__(self) -> str:
        s = self.status()
        return f"<Pool {self.workers} workers: {s['running']} running, {s['queued']} queued>"

    def submit(self, key: str, fn: Callable, /, *args: Any, **kwargs: Any) -> Job:
        """The job for ``key``: the one in flight, or a new one running ``fn(*args, progress=…, **kwargs)``."""
        if self._closed:
            raise EmbvizError("the work pool is shut down")
        with self._lock:
            self.counts["submitted"] += 1
            job = self._inflight.get(key)
            if job is not None and not job.stop_requested and job.state not in FINISHED:
                self.counts["shared"] += 1
                job._orphaned = None
                return job
            job = Job(self, key, fn, args, kwargs)
            self._inflight[key] = job
            self._pending.append(job)
            self._dispatch()
            return job

    def keep_warm(self, fn: Callable, /, *args: Any) -> tuple[Job, int]:
        """Run ``fn(*args, progress=…)`` now to prepare the standing worker, and again whenever a
        standing worker is replaced; ``(job, token)`` of this first run (its waiter is held: it is
        never cancelled as abandoned)."""
        with self._lock:
            self._warm = (fn, args)
            return self._prepare()

    def _prepare(self) -> tuple[Job, int]:  # with the lock
        fn, args = self._warm
        self.counts["warmed"] += 1
        job = self.submit(f"warm:{self.counts['warmed']}:{content_key(fn, args)}", fn, *args)
        job.label = "Preparing a worker"
        return job, job.subscribe(hold=True)

    def status(self) -> dict:
        """Counts of queued and running jobs, and each worker's pid and resident memory (bytes)."""
        with self._lock:
            slots = [s for s in self._slots if s is not None]
            return dict(queued=len(self._pending), running=sum(s.job is not None for s in slots),
                        workers=[(s.last_pid, s.rss()) for s in slots if s.last_pid], **self.counts)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            for job in list(self._pending):
                self._drop(job)
            for s in self._slots:
                if s is not None:
                    s.close()
            self._slots = [None] * self.workers

    # -- inside the pool (called with or without the lock, as marked) --------------------------
    def _dispatch(self) -> None:  # with the lock
        for i, slot in enumerate(self._slots):
            if not self._pending:
                return
            if slot is not None and slot.job is not None:
                continue
            if slot is None:
                slot = self._slots[i] = Slot(self, standing=i < self.standing)
            job = self._pending.popleft()
            try:
                slot.start(job)
            except Exception as exc:
                log.exception("could not start %s", job)
                self._slots[i] = None
                slot.close()
                self._inflight.pop(job.key, None)
                job._finish(FAILED, error=WorkerLost(f"{job.label} could not start a worker: {exc}"))

    def _position(self, job: Job) -> int:
        with self._lock:
            if job.state != QUEUED:
                return 0
            try:
                ahead = self._pending.index(job)
            except ValueError:
                return 0
            return ahead + sum(s is not None and s.job is not None for s in self._slots)

    def _drop(self, job: Job) -> None:  # with the lock: a queued job leaves the queue
        try:
            self._pending.remove(job)
        except ValueError:
            return
        if self._inflight.get(job.key) is job:
            del self._inflight[job.key]
        self.counts["cancelled"] += 1
        job._finish(CANCELLED, error=_cancelled(job))

    def _stop(self, job: Job, cancel: bool = False) -> None:
        """Ask ``job`` to stop. A cancelled one (no one waits) that has not stopped ``grace`` seconds
        later loses its worker; one stopped by its waiter keeps going to the next safe point (a
        word2vec epoch can take longer than ``grace``) and returns what it has."""
        with self._lock:
            if job.state == QUEUED:
                self._drop(job)
                return
            if job.state != RUNNING:
                return
            if cancel and job._kill_at is None:
                job._kill_at = time.monotonic() + self.grace
            if job.stop_requested:
                return
            job.stop_requested = True
            if self._inflight.get(job.key) is job:
                del self._inflight[job.key]  # new requests must not join work that is ending
            for slot in self._slots:
                if slot is not None and slot.job is job:
                    slot.stop.set()

    def _ended(self, slot: Slot, job: Job, future) -> None:
        """A worker finished ``job`` (loky's callback thread, or :meth:`_watch` for a lost worker)."""
        with self._lock:
            if job.done() or slot.job is not job:  # already ended: the watch found its worker gone
                return
            if self._inflight.get(job.key) is job:
                del self._inflight[job.key]
            replace_slot = False
            try:
                kind, value, rss = future.result()
            except BaseException as exc:  # noqa: BLE001 — the worker died (killed or crashed)
                kind, value, rss, replace_slot = "lost", exc, 0, True
            job.worker_rss = rss
            if kind == "ok":
                job._finish(CANCELLED if job.stop_requested and not job._subs else DONE, value=value)
            elif kind == "error":
                error = rebuild_error(value)
                if isinstance(error, JobError):
                    log.error("%s failed in a worker:\n%s", job.label, value["traceback"])
                job._finish(FAILED, error=error)
            elif job.stop_requested:
                job._finish(CANCELLED, error=_cancelled(job))
            else:
                job._finish(FAILED, error=getattr(job, "_lost", None) or WorkerLost(
                    f"{job.label} stopped: its worker process ended unexpectedly ({value})."))
            if job.state == CANCELLED:
                self.counts["cancelled"] += 1
            if rss > (self.standing_limit if slot.standing else self.rss_limit):
                replace_slot = True
                self.counts["recycled"] += 1
            slot.job = None
            if replace_slot or self._closed:
                slot.close()
                self._slots = [None if s is slot else s for s in self._slots]
            if not self._closed:
                if replace_slot and slot.standing and self._warm is not None and not job.key.startswith("warm:"):
                    self._prepare()
                self._dispatch()

    def _watch(self) -> None:
        """Expire silent waiters, cancel orphaned work, kill workers that ignore a stop or use too much memory."""
        while not self._closed:
            self._wake.wait(0.5)
            self._wake.clear()
            now = time.monotonic()
            with self._lock:
                jobs = list(self._pending) + [s.job for s in self._slots if s is not None and s.job]
                for job in jobs:
                    for token, seen in list(job._subs.items()):
                        if now - seen > self.lease:
                            del job._subs[token]
                            if not job._subs:
                                job._orphaned = now
                    if job._orphaned is not None and not job._subs and now - job._orphaned >= self.linger:
                        job._orphaned = None
                        self._stop(job, cancel=True)
                running = [s for s in self._slots if s is not None and s.job is not None]
            for slot in running:
                job = slot.job
                if job is None:
                    continue
                if job._kill_at is not None and now > job._kill_at:
                    log.warning("%s did not stop within %.0f s: killing its worker", job.label, self.grace)
                    self.counts["killed"] += 1
                    slot.kill()
                elif slot.lost(now):
                    log.error("%s: its worker process is gone and the pool was not told; failing the job", job.label)
                    self.counts["lost"] += 1
                    gone = Future()
                    gone.set_exception(WorkerLost("loky never reported its end"))
                    self._ended(slot, job, gone)
                elif slot.pid and slot.rss() > 3 * self.rss_limit:  # the running worker's memory
                    job._lost = WorkerLost(f"{job.label} used more than {3 * self.rss_limit / 2**20:,.0f} MB "
                                           f"of memory and was stopped ({ENV_RSS_MB} sets the limit).")
                    self.counts["killed"] += 1
                    slot.kill()


def _cancelled(job: Job) -> BaseException:
    from concurrent.futures import CancelledError

    return CancelledError(f"{job.label} was cancelled: no one waits for it any more")


_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def default_pool() -> Pool:
    """The process-wide pool (created on first use, sized by ``EMBVIZ_WORKERS``)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None or _POOL._closed:
            _POOL = Pool(standing=int(_env_float(ENV_STANDING, 1)))
        return _POOL


def submit(key: str, fn: Callable, /, *args: Any, **kwargs: Any) -> Job:
    """:meth:`Pool.submit` on :func:`default_pool`."""
    return default_pool().submit(key, fn, *args, **kwargs)


def content_key(*parts: Any) -> str:
    """A hex digest of ``parts`` by content: tables by fingerprint, arrays and bytes by their bytes,
    files by path, size and modification time, functions by their qualified name, the rest by repr."""
    import hashlib
    import io
    from pathlib import Path

    import numpy as np

    from .embeddings import Embeddings

    h = hashlib.blake2b(digest_size=20)

    def feed(v: Any) -> None:
        h.update(type(v).__name__.encode() + b"\x00")
        if isinstance(v, Embeddings):
            h.update(v.fingerprint().encode())
        elif isinstance(v, np.ndarray):
            h.update(f"{v.shape}{v.dtype}".encode())
            h.update(np.ascontiguousarray(v).tobytes())
        elif isinstance(v, (bytes, bytearray, memoryview)):
            h.update(bytes(v))
        elif isinstance(v, io.BytesIO):
            h.update(v.getvalue())
        elif isinstance(v, Path):
            st = v.stat() if v.exists() else None
            h.update(f"{v.resolve()}|{st and st.st_size}|{st and st.st_mtime_ns}".encode())
        elif isinstance(v, (list, tuple)):
            for item in v:
                feed(item)
            h.update(b"\x01")
        elif isinstance(v, dict):
            for k in sorted(v, key=repr):
                feed(k)
                feed(v[k])
            h.update(b"\x02")
        elif callable(v) and hasattr(v, "__qualname__"):
            h.update(f"{getattr(v, '__module__', '')}.{v.__qualname__}".encode())
        else:
            h.update(repr(v).encode())

    for part in parts:
        feed(part)
    return h.hexdigest()
