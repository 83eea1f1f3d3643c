"""Heavy work from a page: run it in the worker pool (:mod:`embviz.work`) and show it waiting.

:func:`run` submits a job and polls it four times a second in the script thread, which only
sleeps meanwhile: a progress bar says how many jobs are ahead ("2 ahead of you"), what the work
reports and how long is left, and a Stop button keeps what was computed. Each poll writes to the
page, which is where Streamlit delivers a rerun or a closed tab (as an exception); the ``finally``
then unsubscribes, so work no one waits for any more is cancelled by the pool (a rerun with the
same request joins the same job again within the pool's ``linger``).
"""
from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from typing import Any

import streamlit as st

from embviz import work

POLL_SECONDS = 0.25
QUIET_SECONDS = 2.0  # work that ends sooner leaves no trace on the page
_STOPS = "jobs_stop_requests"


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
    job = work.submit(key, fn, *args, **kwargs)
    if job.label == getattr(fn, "__name__", ""):
        job.label = label
    token = job.subscribe()
    box = st.empty()
    started, shown, layouts = time.monotonic(), False, 0
    try:
        while not job.wait(POLL_SECONDS):
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
            if on_layout is not None and p.layouts != layouts and p.layout is not None:
                layouts = p.layouts
                on_layout(p.layout)
        try:
            value = job.result()
        except CancelledError:
            if partial is not None and job.progress.layout is not None:
                return partial(job.progress.layout)
            raise work.WorkerLost(f"{label} was stopped before it had anything to keep.") from None
        seconds = time.monotonic() - started
        stopped = getattr(value, "stopped", False)
        if shown and (seconds >= QUIET_SECONDS or stopped):
            box.caption(f"{label}: {'stopped' if stopped else 'done'} in {seconds:.1f} s")
        else:
            box.empty()
        return value
    finally:
        job.unsubscribe(token)
        stops = st.session_state.get(_STOPS)
        if stops:
            stops.discard(key)
