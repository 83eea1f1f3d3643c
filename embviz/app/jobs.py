"""Heavy work from a page: run it in the worker pool (:mod:`embviz.work`) and show it waiting.

:func:`run` submits a job and polls it four times a second in the script thread, which only
sleeps meanwhile: a progress bar says how many jobs are ahead ("2 ahead of you"), what the work
reports and how long is left, and a Stop button keeps what was computed. Each poll writes to the
page, which is where Streamlit delivers a rerun or a closed tab (as an exception); the ``finally``
then unsubscribes, so work no one waits for any more is cancelled by the pool (a rerun with the
same request joins the same job again within the pool's ``linger``).
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from contextlib import contextmanager
from typing import Any

import streamlit as st

from embviz import work


def _one_blas_thread() -> None:
    """Light work in the server (neighbours, analogies, small PCA) multiplies 20,000 × 128 matrices
    from many script threads at once; OpenBLAS's own threads then fight over the cores. Measured
    (bench/room.py's analogy rerun, 12 neighbour searches, 15 threads at once on 2 cores): 26 s with
    2 BLAS threads, 3.1 s with 1; a single caller too is faster with 1 (0.23 s against 0.37 s).
    Heavy work has its own processes (embviz.work), so the server keeps one BLAS thread."""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1, user_api="blas")
    except Exception:  # without threadpoolctl the server still works, only slower
        logging.getLogger("embviz.app").info("could not limit BLAS to one thread", exc_info=True)


def _give_memory_back(every: float = 10.0, collect: float = 30.0) -> None:
    """Keep the server's memory from ratcheting up with the number of sessions.

    Every script run (one thread per session) builds megabytes of figure text; glibc gives each
    new thread its own malloc arena (up to 8 per core), and what the threads free stays in those
    arenas. Measured on the real server (20 protocol users, each Explore + search, Analogies,
    Data; resident MB before / at the end / 20 s later): 387 / 633 / 629 as it was; with at most
    2 arenas 375 / 461 / 399. So: at most 2 arenas (``mallopt``, for the threads created from here
    on), and ``malloc_trim(0)`` every ``every`` seconds (well under a millisecond each).

    Streamlit's own full garbage collection after every script run is off (``runner.postScriptGC``
    in ``.streamlit/config.toml``: it took 82 % of a 20-user room's Python time); a full collection
    runs here every ``collect`` seconds instead, so cycles left by finished runs still go."""
    import ctypes
    import gc

    try:
        libc = ctypes.CDLL("libc.so.6")
        trim, mallopt = libc.malloc_trim, libc.mallopt
    except (OSError, AttributeError):  # not glibc
        trim = mallopt = None
    if mallopt is not None:
        mallopt(-8, 2)  # M_ARENA_MAX

    def loop() -> None:
        last = time.monotonic()
        while True:
            time.sleep(every)
            if time.monotonic() - last >= collect:
                gc.collect()
                last = time.monotonic()
            if trim is not None:
                trim(0)

    threading.Thread(target=loop, daemon=True, name="embviz-memory").start()


_one_blas_thread()
_give_memory_back()
POLL_SECONDS = 0.25
QUIET_SECONDS = 2.0  # work that ends sooner leaves no trace on the page
DISCONNECTED_SECONDS = 3.0  # a browser away this long has left (a reconnect rejoins the job)
# t-SNE sends a layout every 50 iterations (several a second on small maps); each redraw builds a
# figure in the server's one Python thread, which five heavy users in a room would share with
# everyone's searches: a waiting page redraws at most this often, always the newest layout.
LAYOUT_SECONDS = 1.5
_STOPS = "jobs_stop_requests"


_LOCAL = threading.local()


@contextmanager
def layouts(callback: Callable[[Any], None]) -> Iterator[None]:
    """Within this block, work waited for in this script run calls ``callback(coords)`` with each
    intermediate layout it sends (a page can redraw its map while t-SNE optimises, through
    ``common.projection`` whose signature has no room for a callback)."""
    previous = getattr(_LOCAL, "on_layout", None)
    _LOCAL.on_layout = callback
    try:
        yield
    finally:
        _LOCAL.on_layout = previous


def _connected() -> Callable[[], bool]:
    """A check that this session's browser is still connected (Streamlit keeps a closed tab's
    session, and its running script, for ``server.disconnectedSessionTTL`` seconds)."""
    try:
        from streamlit.runtime import get_instance
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        runtime, session = get_instance(), get_script_run_ctx().session_id
        runtime.is_active_session(session)
    except Exception:  # noqa: BLE001 — no runtime (AppTest, bare mode): always connected
        return lambda: True
    return lambda: runtime.is_active_session(session)


def _ask_stop(key: str) -> None:
    st.session_state.setdefault(_STOPS, set()).add(key)


def describe(job: work.Job) -> str:
    """One line for a progress bar: queue position, or what the work says and the time left."""
    p = job.progress
    if job.state == work.QUEUED:
        ahead = job.position
        return f"{job.label}: waiting for a free worker, {ahead} ahead of you"
    parts = [job.label + (f": {p.message}" if p.message else "")]
    if p.total:
        parts.append(f"{p.fraction:.0%}")
    if p.seconds_left is not None:
        parts.append(f"about {p.seconds_left:.0f} s left")
    elif p.seconds >= 1:
        parts.append(f"{p.seconds:.0f} s so far")
    if job.waiters > 1:
        parts.append(f"shared with {job.waiters - 1} other user{'s' if job.waiters > 2 else ''}")
    return " · ".join(parts)


def run(label: str, key: str, fn: Callable[..., Any], /, *args: Any,
        on_layout: Callable[[Any], None] | None = None,
        partial: Callable[[Any], Any] | None = None, **kwargs: Any) -> Any:
    """``fn(*args, progress=…, **kwargs)`` in the pool, waited for with progress on the page.

    ``key`` identifies the request by content (identical keys in flight share one job).
    ``on_layout(coords)`` is called with each intermediate layout the work sends (a page can
    redraw its map); ``partial(coords)`` turns the latest layout into a result when this user
    stops work that others still wait for. Errors of the work are raised as they came.
    """
    on_layout = on_layout or getattr(_LOCAL, "on_layout", None)
    job = work.submit(key, fn, *args, **kwargs)
    if job.label == getattr(fn, "__name__", ""):
        job.label = label
    token = job.subscribe()
    box = st.empty()
    connected, gone = _connected(), None
    started, shown, layouts, drawn = time.monotonic(), False, 0, 0.0
    try:
        while not job.wait(POLL_SECONDS):
            if not connected():  # a closed tab: leave, so work no one sees is cancelled
                gone = gone or time.monotonic()
                if time.monotonic() - gone > DISCONNECTED_SECONDS:
                    raise work.WorkerLost(f"{label}: the browser left; the work was given up.")
                continue
            gone = None
            job.touch(token)
            if not shown:
                with box.container(border=True):
                    bar = st.progress(0.0, text=describe(job))
                    st.button("Stop (keep what was computed)", key=f"jobs_stop_{key}", icon=":material/stop_circle:",
                              on_click=_ask_stop, args=(key,), type="tertiary")
                shown = True
            else:
                bar.progress(job.progress.fraction, text=describe(job))
            if key in st.session_state.get(_STOPS, ()):
                st.session_state[_STOPS].discard(key)
                if not job.stop(token) and partial is not None and job.progress.layout is not None:
                    return partial(job.progress.layout)  # others still wait: they keep the job
            p = job.progress
            if (on_layout is not None and p.layouts != layouts and p.layout is not None
                    and time.monotonic() - drawn >= LAYOUT_SECONDS):
                layouts, drawn = p.layouts, time.monotonic()
                on_layout(p.layout)  # the newest layout; the ones between are skipped
        try:
            value = job.result()
        except CancelledError:
            if partial is not None and job.progress.layout is not None:
                return partial(job.progress.layout)
            raise work.WorkerLost(f"{label} was stopped before it had anything to keep.") from None
        seconds = time.monotonic() - started
        stopped = getattr(value, "stopped", False)
        from embviz.app import present

        if shown and (stopped or seconds >= QUIET_SECONDS and not present.is_on()):  # the room needs no "done in"
            box.caption(f"{label}: {'stopped' if stopped else 'done'} in {seconds:.1f} s")
        else:
            box.empty()
        return value
    finally:
        job.unsubscribe(token)
        stops = st.session_state.get(_STOPS)
        if stops:
            stops.discard(key)


@st.cache_resource(show_spinner=False)
def warm_up_in_background(methods: tuple[str, ...] = ("umap", "tsne")):
    """Once per server: compile UMAP's and t-SNE's numba code in a pool worker while nobody waits.

    numba writes what it compiles to its disk cache (inside the embviz cache), so a user's first
    UMAP in any later worker loads compiled code instead of compiling it (bench/first_call.py:
    first UMAP of 10,000 points ~45 s on a fresh install without this). The job has a held waiter
    (no lease to renew), so it is never cancelled as abandoned, however slow the compilation on a
    busy machine; a user's heavy request that comes meanwhile queues behind it and says so.

    The worker it ran in stays (the pool's standing worker, :meth:`embviz.work.Pool.keep_warm`):
    a user's first UMAP then pays neither numba's compilation nor the imports, and the warm-up runs
    again whenever that worker has to be replaced."""
    import os

    from embviz.reduce.warmup import warm_up

    if os.environ.get("EMBVIZ_WARM_UP", "1") == "0":  # tests that run many apps in one process
        return None
    return work.default_pool().keep_warm(warm_up, methods)
