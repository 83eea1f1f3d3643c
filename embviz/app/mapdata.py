"""What the map pages draw, computed once and kept by content: the map of all or part of a table,
its named regions, stable colours and its faithfulness.

A map of the *whole* table that this process already has (shipped with the bundled table, or
computed before) serves every sample of it: a sample's points are rows of that map, so sampling
never recomputes a projection and a sample shows the same islands. Heavy work goes through
:mod:`embviz.app.common` (progress, Stop, the shared store); nothing here draws.
"""
from __future__ import annotations

import logging

import numpy as np
import streamlit as st

import embviz
from embviz import Embeddings, mapview
from embviz.app import common
from embviz.app.shared import SharedStore
from embviz.colors import category_colors

HASH = common.HASH


# -- which points ----------------------------------------------------------------------------------
@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=HASH)
def _sampled(emb: Embeddings, n: int, how: str, by: str | None) -> Embeddings:
    return emb.sample(n, method=how, by=by, seed=0)


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=HASH)
def _with(emb: Embeddings, base: Embeddings, extra: tuple[str, ...]) -> Embeddings:
    return emb.subset([*base.keys, *extra])


def sample(emb: Embeddings, limit: int, how: str = "random", by: str | None = None,
           keep=(), labels: dict | None = None) -> tuple[Embeddings, Embeddings, str]:
    """``(drawn, base, note)``: at most ``limit`` points of ``emb`` (``base``, the same sample
    whatever is searched) plus the ``keep`` keys it lacks (``drawn``; they are placed on the
    sample's map, see :func:`projection`), and the note that says so (empty when all are drawn)."""
    if len(emb) <= limit:
        return emb, emb, ""
    base = _sampled(emb, int(limit), how, by)
    extra = tuple(k for k in keep if k in emb.key_to_index and k not in base.key_to_index)
    drawn = _with(emb, base, extra) if extra else base
    how_text = (labels or {}).get(how, how) + (f" {by!r}" if by else "")
    return drawn, base, f"Sample: {len(base):,} of {len(emb):,} points ({how_text})"


# -- the map ---------------------------------------------------------------------------------------
def whole_map(full: Embeddings, method: str, dims: int, params: dict):
    """The map of every point of ``full`` if this process has it (a shipped map counts); never computes."""
    return common.stored_projection(full, method, dims, **params) or common.shipped_projection(full, method, dims, params)


def available(full: Embeddings, emb: Embeddings, method: str, dims: int, params: dict, base=None) -> bool:
    """Whether :func:`projection` can answer without computing."""
    for points in (emb, base):
        if points is not None and common.stored_projection(points, method, dims,
                                                           **mapview.adapt(method, params, len(points))):
            return True
    return _within(full, emb) and whole_map(full, method, dims, params) is not None


def _within(full: Embeddings, emb: Embeddings) -> bool:
    return emb is full or (len(emb) <= len(full) and all(k in full.key_to_index for k in emb.keys))


def projection(full: Embeddings, emb: Embeddings, method: str, dims: int, params: dict, base=None):
    """The map of the points ``emb`` (all or part of ``full``): rows of the whole table's map when
    this process has one; else the map of ``base`` (``emb``'s first rows, computed with progress
    and kept) with ``emb``'s other points placed on it by the method's transform — a searched word
    never makes a sample's map be computed again."""
    if emb is not full and _within(full, emb):
        whole = whole_map(full, method, dims, params)
        if whole is not None:
            return mapview.take_rows(whole, mapview.rows_in(full, emb), emb.keys)
    if base is not None and base is not emb and list(emb.keys[: len(base)]) == list(base.keys):
        proj = common.projection(base, method, dims, **mapview.adapt(method, params, len(base)))
        try:
            return mapview.with_placed(proj, emb, len(base))
        except Exception:
            logging.getLogger("embviz.app").info("placing points failed; mapping the sample again", exc_info=True)
    return common.projection(emb, method, dims, **mapview.adapt(method, params, len(emb)))


# -- regions, colours, faithfulness ----------------------------------------------------------------
PENDING = object()  # regions(..., wait=False): they are not found yet (the page draws the map without)
_REGIONS = SharedStore(16)  # found regions, shared by every session (keyed by table and map)


def _found_regions(emb: Embeddings, pid: str, coords: np.ndarray, wait: bool = True):
    """The map's regions, found in the worker pool once per server (with progress shown here);
    :data:`PENDING` instead of waiting when ``wait`` is false and no one has found them yet."""
    from embviz.regions import find_regions

    key = (emb.fingerprint(), pid)
    found = _REGIONS.get(key, PENDING)
    if found is not PENDING or not wait:
        return found
    return _REGIONS.get_or_make(key, lambda: common.run_with_progress(
        "Finding the map's named regions", find_regions, emb, coords))


def regions(full: Embeddings, emb: Embeddings, proj, params: dict | None = None, base=None, wait: bool = True):
    """The named islands of a 2-D map of ``emb`` (the shipped ones for a shipped map), or ``None``.
    ``params``: the projection's parameters as asked (to find the map of the whole table);
    ``base``: the sample whose map had points placed on it (its islands, the placed points in none);
    ``wait=False``: :data:`PENDING` rather than wait for regions that must be found first."""
    if proj.dims != 2 or len(emb) < mapview.MIN_REGION_POINTS:
        return None
    placed = proj.extra.get("placed")
    if placed and base is not None and len(base) + len(placed) == len(emb):
        found = regions(full, base, mapview.take_rows(proj, np.arange(len(base)), base.keys), params, wait=wait)
        return found if found is None or found is PENDING else mapview.extend_regions(found, placed)
    part = "rows_of" in proj.extra
    if proj.extra.get("shipped"):
        from embviz.datasets import shipped_regions

        found = shipped_regions(full, proj.method)
        if found is not None:
            return mapview.take_regions(found, mapview.rows_in(full, emb)) if part else found
    try:
        if part:  # rows of a computed map of the whole table: its regions, restricted
            whole = whole_map(full, proj.method, 2, params or {})
            if whole is not None and len(whole.keys) == len(full):
                found = _found_regions(full, common.projection_id(whole), whole.coords, wait)
                return found if found is PENDING else mapview.take_regions(found, mapview.rows_in(full, emb))
        return _found_regions(emb, common.projection_id(proj), proj.coords, wait)
    except Exception as exc:  # noqa: BLE001 — regions are an aid: say why, draw the map without
        common.show_error(exc)
        return None


@st.cache_resource(show_spinner=False, max_entries=32, hash_funcs=HASH)
def colors(full: Embeddings, column: str) -> dict[str, str]:
    """One colour per value of ``column``, decided from the whole table (stable everywhere)."""
    return category_colors(full.metadata[column])


def color(full: Embeddings, emb: Embeddings, proj, choice: str, found_regions=None, params: dict | None = None):
    """``(values, name, colours)`` for colouring the points ``emb`` by ``choice`` ("cluster": the
    map's named regions; on a 3-D map those of its 2-D twin when this process has it). A colour
    that cannot be computed is said (and the points stay plain)."""
    if choice == mapview.NONE or not choice:
        return None, "", None
    try:
        return _color(full, emb, proj, choice, found_regions, params)
    except Exception as exc:  # noqa: BLE001 — colouring is optional: say why and draw plain
        common.show_error(exc)
        return None, "", None


def _color(full, emb, proj, choice, found_regions, params):
    if choice == mapview.DISTORTION:
        with st.spinner("Measuring how well each point's neighbours survive…"):
            return common.per_point_quality(emb, common.projection_id(proj), proj, k=10), "neighbours kept", None
    if choice == mapview.CLUSTER:
        reg = found_regions if found_regions is not None else regions(full, emb, proj, params) if proj.dims == 2 else None
        if reg is None and proj.dims == 3 and available(full, emb, proj.method, 2, params or {}):
            reg = regions(full, emb, projection(full, emb, proj.method, 2, params or {}), params)
        if reg is not None:
            names = np.asarray(reg.label_names("in no region"), dtype=object)
            return names, "region", category_colors(names)
        labels, names = common.clusters(emb, "kmeans", k=max(2, min(mapview.CLUSTER_K, len(emb) // 3)))
        values = np.array([names.get(int(v), f"cluster {v}") for v in labels], dtype=object)
        return values, "cluster", category_colors(values)
    values = emb.metadata[choice].to_numpy()
    if values.dtype.kind in "fiu":
        return values, choice, None
    return values.astype(str), choice, colors(full, choice)


def quality(emb: Embeddings, proj) -> dict | None:
    """The map's faithfulness: shipped with a shipped map, else measured (cached by content)."""
    if proj.extra.get("quality"):
        return dict(proj.extra["quality"])
    if len(emb) < 2 * mapview.K + 2:
        return None
    try:
        return _quality(emb, common.projection_id(proj), proj)
    except Exception as exc:  # noqa: BLE001 — the map stays; the numbers say why they are missing
        common.show_error(exc)
        return None


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=HASH)
def _quality(emb: Embeddings, pid: str, _proj) -> dict:
    return dict(embviz.quality(emb, _proj, k=(mapview.K,), sample=mapview.QUALITY_QUERIES))


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=HASH)
def _scores(emb: Embeddings, pid: str, _proj, ks: tuple[int, ...]) -> dict:
    # the scores need k < n / 2: a tiny table is scored at the largest k it allows
    fit = tuple(k for k in ks if k < len(emb) / 2) or (max(1, (len(emb) - 1) // 2),)
    return dict(embviz.quality(emb, _proj, k=fit))


def scores(emb: Embeddings, proj, ks: tuple[int, ...]) -> dict:
    """Every faithfulness score of a map at several ``ks``: a whole shipped map's shipped scores
    (k = 10, every point), measured otherwise (kept by content)."""
    if proj.extra.get("quality") and "rows_of" not in proj.extra:
        return dict(proj.extra["quality"])
    return _scores(emb, common.projection_id(proj), proj, tuple(ks))


def shipped_scores(full: Embeddings, dims: int = 2) -> dict[str, dict]:
    """Quality of each map shipped with ``full`` (empty for other tables)."""
    return {m: dict(p.extra.get("quality", {})) for (m, d), p in _shipped_maps(full).items() if d == dims}


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=HASH)
def _shipped_maps(full: Embeddings) -> dict:
    from embviz.datasets import demo_maps

    return demo_maps(full)


def first_method(full: Embeddings) -> tuple[str, str]:
    """The method of ``full``'s first map and why (see :func:`embviz.mapview.first_method`)."""
    return mapview.first_method(len(full), shipped_scores(full), available=tuple(embviz.REDUCERS), dim=full.dim,
                                reference=shipped_scores(common.demo_table()))


MORPH_POINTS = 3_000  # the animation moves a sample (frames of every point would be megabytes)


def transition_figure(full: Embeddings, emb: Embeddings, projs: dict, start: str, end: str, choice: str, *,
                      label=str):
    """(the animation moving ``emb``'s points from map ``start`` to map ``end`` of ``projs`` — method ->
    (projection it was made as, projection) — coloured by ``choice``, a caption or ""): more than
    ``MORPH_POINTS`` points move as a fixed random sample, and the caption says so."""
    from embviz.figures.compare import transition

    rows, said = np.arange(len(emb)), ""
    if len(emb) > MORPH_POINTS:
        rows = np.sort(np.random.default_rng(0).choice(len(emb), MORPH_POINTS, replace=False))
        said = f"{MORPH_POINTS:,} of the {len(emb):,} points move (a random sample), so the animation stays smooth."
    colour, _, colours = color(full, emb, projs[start][0], choice)
    origin, target = projs[start][1].coords, projs[end][1].coords
    fig = transition(origin[rows], target[rows], [emb.keys[i] for i in rows],
                     color=None if colour is None else colour[rows], colors=colours,
                     start_name=label(start), end_name=label(end))
    return fig, said
