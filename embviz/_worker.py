"""One pool worker: what runs inside it, the server's handle on it (:class:`Slot`), and how results
and errors travel back (see :mod:`embviz.work`).

A worker gets a progress queue and a stop flag when it starts (:func:`init_worker`); :func:`run`
calls the work with a :class:`Callback` that sends throttled progress (and intermediate layouts)
up the queue and answers ``True`` once the flag is set. Results and errors come back as plain
data: an error as its class name, message, simple attributes and traceback, rebuilt on the
server side by :func:`rebuild_error` only when it is one of ours or a plain builtin.
"""
from __future__ import annotations

import builtins
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from .errors import EmbvizError

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
               "NUMEXPR_NUM_THREADS", "NUMBA_NUM_THREADS", "LOKY_MAX_CPU_COUNT")
REBUILT = (ImportError, ModuleNotFoundError, KeyError, ValueError, FileNotFoundError, PermissionError,
           MemoryError)


class JobError(RuntimeError):
    """Work failed with an unexpected error; ``traceback`` holds the worker's traceback."""

    def __init__(self, message: str, traceback_text: str = ""):
        super().__init__(message)
        self.traceback = traceback_text


class WorkerLost(EmbvizError):
    """The worker process running a job ended (killed for memory, or crashed)."""


_CHANNEL: tuple | None = None


WORKER_NICE = 10


def init_worker(queue, stop) -> None:
    global _CHANNEL
    _CHANNEL = (queue, stop)
    # Light requests come first: with two busy processes on 2 cores, a server-side Python task
    # took 0.82 s beside them at nice 0 and 0.22 s at nice 10 (0.12 s alone; bench/pool.py).
    try:
        os.nice(WORKER_NICE)
    except OSError:  # pragma: no cover — not permitted here: run at the server's priority
        pass
    # embviz's blocked k-NN, faithfulness and openTSNE's n_jobs size their threads by os.cpu_count();
    # a pool worker is one core's worth of work, so every such count is 1 here (threads set by
    # THREAD_VARS cover BLAS and numba).
    os.cpu_count = lambda: 1
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:  # pragma: no cover — THREAD_VARS already asked for one thread
        pass


def own_rss() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


class Callback:
    """The progress callback a job receives: throttled messages to the server, stop requests back."""

    wants_layout = True

    def __init__(self, job_id: int, queue, stop, interval: float = 0.2):
        self.job_id, self.queue, self.stop, self.interval = job_id, queue, stop, interval
        self._last = self._last_layout = 0.0

    def __call__(self, done: float, total: float, message: str = "", layout=None, **_: Any) -> bool:
        now = time.monotonic()
        if layout is not None and now - self._last_layout >= self.interval:
            import numpy as np

            self._last_layout = now  # a copy: the caller keeps optimising the array it passed
            layout = np.array(layout, dtype=np.float32, copy=True)
        else:
            layout = None
        if layout is not None or (total and done >= total) or now - self._last >= self.interval:
            self._last = now
            self.queue.put(("progress", self.job_id, float(done), float(total), str(message), layout))
        return self.stop.is_set()


def describe(exc: BaseException) -> dict:
    state = dict(getattr(exc, "__dict__", {}))
    try:
        pickle.dumps(state)
    except Exception:  # noqa: BLE001 — keep the message even when extra attributes do not travel
        state = {}
    return {"module": type(exc).__module__, "name": type(exc).__qualname__, "message": str(exc),
                "args": tuple(a for a in exc.args if isinstance(a, (str, int, float))), "state": state,
                "traceback": "".join(traceback.format_exception(exc))}


def run(job_id: int, fn: Callable, args: tuple, kwargs: dict, env: dict | None = None):
    """Run one job in a worker; ``env`` is the submitting process's ``EMBVIZ_*`` settings (the cache
    and data folders), applied first because a worker may have started before they changed."""
    queue, stop = _CHANNEL
    if env is not None:
        for name in [k for k in os.environ if k.startswith("EMBVIZ_") and k not in env]:
            del os.environ[name]
        os.environ.update(env)
    queue.put(("start", job_id, os.getpid()))
    try:
        value = fn(*args, progress=Callback(job_id, queue, stop), **kwargs)
        return "ok", value, own_rss()
    except BaseException as exc:  # noqa: BLE001 — every failure goes back as data, never lost
        return "error", describe(exc), own_rss()


def rebuild_error(info: dict) -> BaseException:
    """The exception a worker raised, as the same class when it is ours or a plain builtin."""
    import importlib

    cls = None
    if info["module"].split(".")[0] == "embviz":
        try:
            cls = getattr(importlib.import_module(info["module"]), info["name"])
        except (ImportError, AttributeError):
            cls = None
        if isinstance(cls, type) and issubclass(cls, EmbvizError):
            exc = cls.__new__(cls)
            Exception.__init__(exc, *(info["args"] or (info["message"],)))
            exc.__dict__.update(info["state"])
            if type(exc).__str__(exc) != info["message"]:  # a __str__ that needs lost state
                exc = EmbvizError(info["message"])
            return exc
    if info["module"] == "builtins":
        cls = getattr(builtins, info["name"], None)
        if isinstance(cls, type) and issubclass(cls, REBUILT):
            return cls(*(info["args"] or (info["message"],)))
    return JobError(f"{info['name']}: {info['message']}", info["traceback"])


# -- the server's handle on one worker ----------------------------------------------------------------
class Slot:
    """One single-worker loky executor with its own progress queue and stop flag."""

    def __init__(self, pool, standing: bool = False):  # an embviz.work.Pool
        import loky
        from loky.backend.context import get_context

        ctx = get_context("loky")
        self.pool, self.queue, self.stop = pool, ctx.Queue(), ctx.Event()
        # loky also restarts a worker that grew 300 MB since its first task (after one UMAP): our
        # own ceiling decides instead, so numba's compiled code stays warm between jobs.
        env = {**{v: "1" for v in THREAD_VARS}, "LOKY_MAX_MEMORY_LEAK_SIZE": str(pool.rss_limit)}
        # a standing worker never exits for idleness: it keeps its imports and compiled code for the
        # next first request (the pool replaces it above its own memory bound instead)
        self.standing = standing
        self.executor = loky.ProcessPoolExecutor(1, timeout=None if standing else pool.idle_seconds, context=ctx,
                                                 env=env, initializer=init_worker, initargs=(self.queue, self.stop))
        self.job = None
        self.pid: int | None = None  # the worker running the current job, once it has said so
        self.last_pid: int | None = None
        self.closed = False
        self._gone_since: float | None = None
        threading.Thread(target=self._read, daemon=True, name="embviz-work-progress").start()

    def start(self, job) -> None:
        self.job, self.pid, self._gone_since = job, None, None
        self.stop.clear()
        job.state, job._started = "running", time.monotonic()
        env = {k: v for k, v in os.environ.items() if k.startswith("EMBVIZ_")}
        future = self.executor.submit(run, job.id, job.fn, job.args, job.kwargs, env)
        future.add_done_callback(lambda f, job=job: self.pool._ended(self, job, f))

    def _read(self) -> None:
        while not self.closed:
            try:
                msg = self.queue.get(timeout=0.5)
            except Exception:  # noqa: BLE001 — empty (timeout), or a pipe broken by a killed worker
                if self.closed:
                    return
                continue
            job = self.job
            if job is None or msg[1] != job.id:
                continue
            if msg[0] == "start":
                self.pid = self.last_pid = msg[2]
            elif msg[0] == "progress":
                job._report(*msg[2:])

    def kill(self) -> None:
        if self.pid and self.job is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except OSError:
                pass

    def lost(self, now: float, after: float = 5.0) -> bool:
        """Whether the running job's worker has been gone for ``after`` seconds without loky
        reporting it (its future never completed: seen once in CI, a killed worker left a zombie
        and the job behind it queued forever). A job whose worker never said it started counts
        once the executor has no live process for that long."""
        if self.job is None:
            return False
        if self.pid is not None:
            gone = not _alive(self.pid)
        else:
            procs = list(getattr(self.executor, "_processes", {}).values())
            gone = bool(procs) and not any(_alive(p.pid) for p in procs)
        if not gone:
            self._gone_since = None
            return False
        if self._gone_since is None:
            self._gone_since = now
        return now - self._gone_since >= after

    def close(self) -> None:
        self.closed = True
        self.executor.shutdown(wait=False, kill_workers=True)

    def rss(self) -> int:
        try:
            import psutil

            return psutil.Process(self.last_pid).memory_info().rss if self.last_pid else 0
        except Exception:  # noqa: BLE001 — the worker just ended
            return 0


def _alive(pid: int | None) -> bool:
    """A process that runs (a zombie, ended but not yet reaped, does not)."""
    if not pid:
        return False
    try:
        import psutil

        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except Exception:  # noqa: BLE001 — no such process
        return False
