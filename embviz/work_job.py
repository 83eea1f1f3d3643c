"""One job of the worker pool (:mod:`embviz.work`): its states, what it reported last, its waiters.

A :class:`Job` is shared by every waiter that asked for the same key. Waiters ``subscribe`` and
renew a lease with ``touch``; the pool (which owns the lock and the workers) moves the job through
``queued → running → done | failed | cancelled`` and feeds it progress reports. Everything here is
re-exported by :mod:`embviz.work`, where callers import it from.
"""
from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .work import Pool

__all__ = ["CANCELLED", "DONE", "FAILED", "FINISHED", "QUEUED", "RUNNING", "Job", "Progress"]

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)
_ids = itertools.count(1)


@dataclass(frozen=True)
class Progress:
    """What a job reported last; ``seconds_left`` is ``None`` until there is a rate to go by."""

    done: float = 0.0
    total: float = 0.0
    message: str = ""
    seconds: float = 0.0
    seconds_left: float | None = None
    layout: Any = None  # the latest intermediate layout (N × dims float32), when the work sends one
    layouts: int = 0  # how many layouts arrived (a page redraws when this changes)

    @property
    def fraction(self) -> float:
        return min(1.0, max(0.0, self.done / self.total)) if self.total else 0.0


class Job:
    """One piece of work in the pool, shared by every waiter with the same key."""

    def __init__(self, pool: Pool, key: str, fn: Callable, args: tuple, kwargs: dict):
        self.pool, self.key, self.fn, self.args, self.kwargs = pool, key, fn, args, kwargs
        self.id, self.label = next(_ids), getattr(fn, "__name__", "work")
        self.state = QUEUED
        self.stop_requested = False
        self._kill_at: float | None = None  # when a cancelled job's worker is killed if still running
        self.worker_rss = 0
        self._progress = Progress()
        self._started: float | None = None
        self._first: tuple[float, float] | None = None  # (time, done) of the first report with done > 0
        self._subs: dict[int, float] = {}
        self._orphaned: float | None = None
        self._tokens = itertools.count(1)
        self._value: Any = None
        self._error: BaseException | None = None
        self._finished = threading.Event()

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.label} {self.state} waiters={len(self._subs)}>"

    # waiters
    def subscribe(self, hold: bool = False) -> int:
        """Register a waiter; returns its token (give it back to :meth:`unsubscribe`). A held
        waiter (``hold=True``: the server's own work, such as its warm-up) needs no :meth:`touch`."""
        with self.pool._lock:
            token = next(self._tokens)
            self._subs[token] = math.inf if hold else time.monotonic()
            self._orphaned = None
            return token

    def touch(self, token: int) -> None:
        """Renew a waiter's lease (a waiter silent for ``pool.lease`` seconds counts as gone)."""
        with self.pool._lock:
            if self._subs.get(token, math.inf) != math.inf:
                self._subs[token] = time.monotonic()

    def unsubscribe(self, token: int) -> None:
        with self.pool._lock:
            self._subs.pop(token, None)
            if not self._subs and self.state not in FINISHED:
                self._orphaned = time.monotonic()
        self.pool._wake.set()

    @property
    def waiters(self) -> int:
        return len(self._subs)

    def stop(self, token: int | None = None) -> bool:
        """Ask the work to stop and return what it has. With other waiters present, only this one
        leaves (``False``: the caller keeps :attr:`progress`'s latest layout instead)."""
        with self.pool._lock:
            if token is not None and len(set(self._subs) - {token}) > 0:
                self._subs.pop(token, None)
                return False
        self.pool._stop(self)
        return True

    # state
    @property
    def position(self) -> int:
        """Jobs that must start or end before this one starts (0 once it runs)."""
        return self.pool._position(self)

    @property
    def progress(self) -> Progress:
        p = self._progress
        if self._started is None:
            return p
        end = self._ended if self.state in FINISHED else time.monotonic()
        left = None
        if self._first is not None and p.total and p.done > self._first[1] and self.state == RUNNING:
            rate = (time.monotonic() - self._first[0]) / (p.done - self._first[1])
            left = max(0.0, rate * (p.total - p.done))
        return replace(p, seconds=end - self._started, seconds_left=left)

    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._finished.wait(timeout)

    def result(self, timeout: float | None = None) -> Any:
        """The value; raises the work's error, :class:`TimeoutError`, or ``CancelledError``."""
        if not self._finished.wait(timeout):
            raise TimeoutError(f"{self.label} did not finish within {timeout} s")
        if self._error is not None:
            raise self._error
        return self._value

    # updates from the pool
    def _report(self, done, total, message, layout) -> None:
        now = time.monotonic()
        if self._first is None and done > 0:
            self._first = (now, done)
        p = self._progress
        if layout is not None:
            p = replace(p, layout=layout, layouts=p.layouts + 1)
        self._progress = replace(p, done=done, total=total, message=message or p.message)

    def _finish(self, state: str, value=None, error=None) -> None:
        self._ended = time.monotonic()
        self.state, self._value, self._error = state, value, error
        self.fn = self.args = self.kwargs = None  # free the inputs
        self._finished.set()
