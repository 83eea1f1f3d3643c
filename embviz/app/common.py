"""Shared state and cached wrappers for every dashboard page.

Pages call these and never load files or run heavy work themselves, so every page shares one
data choice and one cache. (Owned by the app; signatures are a contract for all pages.)

Caching: projections live in one process-wide store keyed by the data's content fingerprint, the
method, the dimensions and the parameters (and on disk, inside the package). A rerun that only
changes colour, highlight, search or labels finds its projection there and recomputes nothing.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

import embviz
from embviz import Embeddings
from embviz.app import sources, text
from embviz.errors import EmbvizError
from embviz.figures.text import escape, escape_all

log = logging.getLogger("embviz.app")
def _fingerprint(emb: Embeddings) -> str:
    return emb.fingerprint()


# Streamlit matches hash_funcs by exact type name: list every Embeddings class a page may pass.
_HASH = {Embeddings: _fingerprint, "embviz.train.TrainedEmbeddings": _fingerprint}
HASH = _HASH
MAX_STORED_PROJECTIONS = 48
QUIET_SECONDS = 2.0


# -- the data choice ---------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _demo() -> Embeddings:
    return embviz.demo()


def demo_table() -> Embeddings:
    """The bundled table (loaded once per server)."""
    return _demo()


def active_embeddings() -> Embeddings:
    """The data set chosen in the sidebar (the bundled demo by default)."""
    emb = st.session_state.get("active_embeddings")
    return emb if emb is not None else _demo()


def set_active(emb: Embeddings, source: str | None = None, label: str | None = None, **extra) -> str:
    """Make ``emb`` the data every page shows; returns its source id.

    ``source`` is an id for links (``demo:<name>``, ``folder:<i>/<file>``, ``file``) or, for a
    table made in this session, its kind (``trained`` — the default —, ``upload``, ``debiased``,
    ``texts``): those are registered in :mod:`embviz.app.sources`, listed in the sidebar and kept
    out of links."""
    kind = source or "trained"
    if kind in sources.KINDS:
        src = sources.add(emb, kind, label, **extra)
        st.session_state["active_embeddings"] = src.emb
        st.session_state["active_source"] = src.id
        st.session_state["sidebar_pending_source"] = "session"  # the sidebar's radio follows
        st.session_state["sidebar_session_pick"] = src.id
        return src.id
    st.session_state["active_embeddings"] = sources.plain(emb)
    st.session_state["active_source"] = kind
    return kind


def use_everywhere(emb: Embeddings, kind: str, label: str | None = None, **extra) -> None:
    """A button callback: make a table made here the data of every page (callbacks run before the
    script, so the sidebar already shows it on the run that follows the click)."""
    set_active(emb, kind, label, **extra)
    st.session_state["pending_toast"] = f"Now showing {label or emb.name or 'this table'} on every page."


def show_pending_toast() -> None:
    if message := st.session_state.pop("pending_toast", None):
        st.toast(text.md(message), icon=":material/public:")


def active_source() -> str:
    """How the active data was chosen: ``demo:<name>``, ``folder:<i>/<file>``, ``file``, or a session
    source id such as ``trained:<fingerprint>``."""
    return st.session_state.get("active_source", "demo:minilm-words")


def active_is_shareable() -> bool:
    """Whether a link can reopen the active data (tables made in a session cannot)."""
    return active_source().split(":", 1)[0] not in sources.KINDS


# -- projections -------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False)
def _store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def _key(emb: Embeddings, method: str, dims: int, params: dict) -> tuple:
    return (emb.fingerprint(), method, int(dims), tuple(sorted((k, repr(v)) for k, v in params.items())))


def stored_projection(emb: Embeddings, method: str, dims: int = 2, **params: Any):
    """The projection if this process already has it, else ``None`` (never computes)."""
    store, lock = _store()
    key = _key(emb, method, dims, params)
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    return None


def _remember(emb, method, dims, params, proj) -> None:
    if getattr(proj, "stopped", False):
        return
    store, lock = _store()
    with lock:
        store[_key(emb, method, dims, params)] = proj
        while len(store) > MAX_STORED_PROJECTIONS:
            store.popitem(last=False)


def cached_projection(emb: Embeddings, method: str, dims: int = 2, **params: Any):
    """``embviz.project`` cached by content (in memory here, on disk inside the package)."""
    proj = stored_projection(emb, method, dims, **params)
    if proj is None:
        proj = embviz.project(emb, method, dims, **params)
        _remember(emb, method, dims, params, proj)
    return proj


def projection(emb: Embeddings, method: str, dims: int = 2, **params: Any):
    """Like :func:`cached_projection`, but a projection that must be computed shows progress."""
    proj = stored_projection(emb, method, dims, **params)
    if proj is not None:
        return proj
    label = f"{method.upper()} of {len(emb):,} points to {dims}-D"
    proj = run_with_progress(label, embviz.project, emb, method, dims, **params)
    _remember(emb, method, dims, params, proj)
    return proj


# -- long work ---------------------------------------------------------------------------------
def run_with_progress(label: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, progress=..., **kwargs)`` showing an ``st.status`` with a progress bar.

    Any click in the page meanwhile interrupts the run (Streamlit reruns the script); setting
    ``st.session_state["stop_requested"]`` asks the work to stop and return what it has.
    """
    start = time.perf_counter()
    slot = st.empty()
    with slot.status(label, expanded=False) as status:
        bar = st.progress(0.0, text=label)

        def progress(done: float, total: float, message: str = "") -> bool:
            frac = min(1.0, max(0.0, done / total)) if total else 0.0
            bar.progress(frac, text=message or label)
            return bool(st.session_state.get("stop_requested"))

        result = fn(*args, progress=progress, **kwargs)
        seconds = time.perf_counter() - start
        stopped = getattr(result, "stopped", False)
        status.update(label=f"{label}: {'stopped' if stopped else 'done'} in {seconds:.1f} s",
                      state="complete")
    if seconds < QUIET_SECONDS and not stopped:
        slot.empty()  # quick work leaves no trace; slow work leaves its timing
    return result


def error_text(exc: BaseException, where: str = "") -> str:
    """An exception as a plain sentence for the user (Markdown-escaped, ready for ``st.error``).

    An :class:`EmbvizError` is the user's to fix: its message is shown as it is. Anything else is
    a bug of ours: the traceback goes to the server log under a short id, and the user gets the id
    to quote."""
    if isinstance(exc, ImportError) and not isinstance(exc, EmbvizError):
        return text.md(f"This needs an optional part that is not installed ({exc}). Install it with "
                       "pip install -r requirements-transformers.txt (or the package named).")
    if isinstance(exc, (EmbvizError, PermissionError)):
        return text.md(str(exc).strip("'\""))
    ref = uuid.uuid4().hex[:8]
    log.error("unexpected error %s%s", ref, f" in {where}" if where else "", exc_info=exc)
    return text.md(f"Something went wrong on our side ({type(exc).__name__}). The details are in the "
                   f"server log under the id {ref}; the page keeps working with what it had.")


def show_error(exc: BaseException, where: str = "") -> None:
    """Show an error as plain text (never a traceback, never Markdown from data); keep running."""
    st.error(error_text(exc, where), icon=":material/error:")


# -- cached per-data helpers (shared by every session) ------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=_HASH)
def hover_text(emb: Embeddings) -> np.ndarray:
    """Hover text per point (the key plus a few metadata values), built once per data set; keys
    and values are escaped for Plotly (see :mod:`embviz.figures.text`)."""
    meta = emb.metadata
    cols = [c for c in meta.columns if c in ("rank", "pos", "lexname", "group", "label", "zipf")][:3]
    keys = escape_all(emb.keys)
    if not cols:
        return keys
    text = ("<b>" + keys + "</b>").astype(object)
    for c in cols:
        vals = meta[c].to_numpy()
        if vals.dtype.kind == "f":
            vals = np.round(vals, 2)
        text = text + f"<br>{escape(c)}: " + escape_all(vals)
    return text


def frequency_order(emb: Embeddings) -> np.ndarray:
    """Row numbers from most to least frequent: by ``rank`` metadata when present, else file order."""
    if "rank" in emb.metadata.columns and emb.metadata["rank"].dtype.kind in "fiu":
        return np.argsort(emb.metadata["rank"].to_numpy(), kind="stable")
    if "zipf" in emb.metadata.columns and emb.metadata["zipf"].dtype.kind in "fiu":
        return np.argsort(-emb.metadata["zipf"].to_numpy(), kind="stable")
    return np.arange(len(emb))


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_HASH)
def per_point_quality(emb: Embeddings, coords_key: str, _proj, k: int = 10) -> np.ndarray:
    """``embviz.per_point_quality`` cached per data set and projection (``coords_key`` names it)."""
    return np.asarray(embviz.per_point_quality(emb, _proj, k=k), dtype=np.float32)


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_HASH)
def quality(emb: Embeddings, coords_key: str, _proj) -> dict:
    return dict(embviz.quality(emb, _proj))


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_HASH)
def clusters(emb: Embeddings, method: str = "kmeans", **params: Any) -> tuple[np.ndarray, dict]:
    """Cluster labels and names, cached per data set and parameters."""
    from embviz.clustering import cluster

    c = cluster(emb, method, **params)
    return np.asarray(c.labels), dict(c.names)


def projection_id(proj) -> str:
    """A short id of a projection (for caches of things derived from it)."""
    return f"{proj.method}|{proj.dims}|{sorted(proj.params.items())!r}|{len(proj.keys)}"
