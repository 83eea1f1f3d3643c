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
import uuid
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

import embviz
from embviz import Embeddings
from embviz.app import jobs  # also sets the server's BLAS to one thread (see jobs)
from embviz.app import sources, text
from embviz.errors import EmbvizError

log = logging.getLogger("embviz.app")
def _fingerprint(emb: Embeddings) -> str:
    return emb.fingerprint()


# Streamlit matches hash_funcs by exact type name: list every Embeddings class a page may pass.
_HASH = {Embeddings: _fingerprint, "embviz.train.TrainedEmbeddings": _fingerprint}
HASH = _HASH
MAX_STORED_PROJECTIONS = 48


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


def shipped_projection(emb: Embeddings, method: str, dims: int = 2, params: dict | None = None):
    """The map shipped with ``emb`` (the bundled table's, for the default parameters), registered
    in the store; ``None`` for any other table or parameters. Never computes."""
    if params:
        return None
    from embviz.datasets import shipped_projection as shipped

    proj = shipped(emb, method, dims)
    if proj is not None:
        _remember(emb, method, dims, {}, proj)
    return proj


# Methods marked ``Reducer.inline`` (PCA, formula axes) of up to this many numbers (rows × dims) run
# in the script thread: PCA of 50,000 × 128 (6.4 M) took 0.05 s, of 100,000 × 128 0.4 s (measured
# 2026-12, loaded 2-core machine).
INLINE_ELEMENTS = 8_000_000


def runs_inline(emb: Embeddings, method: str) -> bool:
    """Whether the projection of ``emb`` by ``method`` is cheap enough for the script thread."""
    cls = embviz.REDUCERS.get(method)
    return cls is not None and cls.inline and len(emb) * emb.dim <= INLINE_ELEMENTS


class _Miss(Exception):
    """The disk cache has no entry (raised by :func:`_probe`'s cache before any work starts)."""


def _probe(n: int, dims: int):
    """A read-only view of the disk cache whose miss raises :class:`_Miss` (so ``embviz.project``
    checks the parameters and the cache here, and computes nothing)."""
    from embviz.cache import DiskCache

    class Probe(DiskCache):
        def get(self, key):
            hit = super().get(key)
            if hit is None or hit[0].shape != (n, dims):
                raise _Miss
            return hit

        def put(self, key, coords, meta):  # pragma: no cover — never reached (a miss raises first)
            raise _Miss

    return Probe()


def _partial_projection(emb: Embeddings, method: str, dims: int, params: dict):
    from embviz.reduce import Projection

    def build(coords):
        return Projection(np.asarray(coords, dtype=np.float32), list(emb.keys), method, dims, dict(params),
                          0.0, stopped=True)

    return build


def cached_projection(emb: Embeddings, method: str, dims: int = 2, **params: Any):
    """``embviz.project`` cached by content (in memory here, on disk inside the package).

    Small PCA and formula axes run here; everything else runs in the worker pool, with progress."""
    return projection(emb, method, dims, **params)


def projection(emb: Embeddings, method: str, dims: int = 2, **params: Any):
    """The projection of ``emb``: from this process's store, the disk cache, a small PCA here, or
    the worker pool (waited for with progress, queue position and Stop; see :mod:`embviz.app.jobs`).
    The bundled table's shipped maps answer for its default parameters (:func:`shipped_projection`)."""
    proj = stored_projection(emb, method, dims, **params) or shipped_projection(emb, method, dims, params)
    if proj is not None:
        return proj
    if runs_inline(emb, method):
        proj = embviz.project(emb, method, dims, **params)
    else:
        try:  # parameters checked and the disk cache read here; a miss goes to the pool
            proj = embviz.project(emb, method, dims, cache=_probe(len(emb), dims), **params)
        except _Miss:
            from embviz.work import content_key

            name = getattr(embviz.REDUCERS.get(method), "label", "") or method
            label = f"{name} of {len(emb):,} points to {dims}-D"
            proj = jobs.run(label, content_key("project", emb, method, dims, params), embviz.project,
                            emb, method, dims, partial=_partial_projection(emb, method, dims, params), **params)
    _remember(emb, method, dims, params, proj)
    return proj


# -- long work ---------------------------------------------------------------------------------
def run_with_progress(label: str, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    """Run ``fn(*args, progress=..., **kwargs)`` in the worker pool, showing its progress, queue
    position and a Stop button that keeps what was computed (see :mod:`embviz.app.jobs`).

    ``fn`` must be importable by a worker: a function of the package, not of a page (pages import
    streamlit). Identical calls in flight (same function, same arguments by content) run once.
    """
    module = getattr(fn, "__module__", "") or ""
    if module.startswith("embviz.app") or module == "__main__" or "<locals>" in getattr(fn, "__qualname__", ""):
        raise TypeError(f"run_with_progress needs a package-level function a worker can import; got "
                        f"{module}.{getattr(fn, '__qualname__', fn)!s}")
    from embviz.work import content_key

    return jobs.run(label, content_key(fn, args, kwargs), fn, *args, **kwargs)


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
    """Hover text per point (the key plus a few metadata values), built once per data set
    (:func:`embviz.figures.text.hover_text`: keys and values escaped for Plotly)."""
    from embviz.figures.text import hover_text as build

    cols = [c for c in emb.metadata.columns if c in ("rank", "pos", "lexname", "group", "label", "zipf")][:3]
    return build(emb.keys, emb.metadata, cols)


def frequency_order(emb: Embeddings) -> np.ndarray:
    """Row numbers from most to least frequent (:func:`embviz.mapview.frequency_order`)."""
    from embviz.mapview import frequency_order as order

    return order(emb)


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
