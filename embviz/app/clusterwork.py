"""The Clusters page's work, computed once and kept (per process, keyed by content): the grouping,
its regions on the map (names, places, outlines), and its scores (:mod:`embviz.groupscore`)."""
from __future__ import annotations

import hashlib

import numpy as np
import streamlit as st

from embviz import Embeddings, mapview
from embviz.app import common, controls, mapdata, text
from embviz.app.shared import SharedStore
from embviz.clustering import CLUSTERERS, Clustering, cluster, rename
from embviz.views import OLD_CLUSTER_NAMES

ISLANDS = "islands"  # the page's own grouping: HDBSCAN (leaf) on the 2-D map
MAX_STORED = 16
K_NOTE = ("**How many groups?** Word vectors do not fall apart into clusters: k-means reaches a silhouette of "
          "only about 0.04 whatever k is. Choosing k by the silhouette picks k = 2 on the bundled table — two "
          "halves of the vocabulary at 1.6× chance purity. k = 50 or 100 reach 3.0× chance purity, but their "
          "groups are scattered over the map{islands} (`bench/clusters.py --purity`).")
K_NOTE_OTHER = ("**How many groups?** Word vectors rarely fall apart into clusters, so the silhouette is low for "
                "every k and choosing k by it usually gives 2 — read the purity each choice gets against random "
                "groups, and whether the map keeps its groups together.")


def methods() -> dict[str, str]:
    """The groupings the page offers, name -> label: islands on the map, then every registered
    clustering method (:data:`embviz.clustering.CLUSTERERS`, read at each call) on the vectors."""
    return {ISLANDS: "Islands on the map (HDBSCAN, leaf)",
            **{name: f"{cls.menu or cls.label} on the vectors" for name, cls in CLUSTERERS.items()}}


# the names decks saved before the widgets came from the registry gave to parameters: name -> (method, parameter)
SAVED_NAMES = {**OLD_CLUSTER_NAMES, "auto_k": ("kmeans", "k")}
OLD_KINDS = {"k": (2, 500), "auto_k": bool, "min_cluster_size": (2, 10**6), "min_samples": (1, 10**6),
             "agg_k": (2, 500)}


def view_keys(prefix: str) -> dict:
    """What a saved view stores of every registered method's parameters: widget name -> kind (see
    :func:`embviz.app.slideshow.page_view`), plus the older names a saved deck may hold."""
    out = dict(OLD_KINDS)
    for method, cls in CLUSTERERS.items():
        for spec in cls.PARAMS:
            kind = (str if spec.auto else (spec.low, spec.high) if spec.kind == "int" else tuple(spec.choices)
                    if spec.kind == "choice" else {"float": float, "bool": bool}.get(spec.kind, str))
            out[controls.param_key(prefix, method, spec.name)[len(prefix) + 1:]] = kind
    return out


def adopt_saved_names(prefix: str) -> None:
    """Values a deck saved under the older names (``k``, ``agg_k``…) moved into today's widgets."""
    ss = st.session_state
    for old, (method, name) in SAVED_NAMES.items():
        value = ss.pop(f"{prefix}_{old}", None)
        spec = next((p for p in getattr(CLUSTERERS.get(method), "PARAMS", ()) if p.name == name), None)
        if value is None or spec is None or (old == "auto_k" and value is not True):
            continue
        value = "auto" if old == "auto_k" else value
        ss[controls.param_key(prefix, method, name)] = str(value) if spec.auto else value


@st.cache_resource(show_spinner=False)
def _store() -> SharedStore:
    return SharedStore(MAX_STORED)


def cached(key: tuple, label: str, fn, /, *args, **kwargs):
    """``fn(*args, progress=…, **kwargs)`` with progress, kept under ``key`` (not when stopped)."""
    return _store().get_or_make(key, lambda: common.run_with_progress(label, fn, *args, **kwargs))


def _digest(*arrays) -> str:
    h = hashlib.sha1()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def grouping(full: Embeddings, emb: Embeddings, flat, method: str, params: dict) -> Clustering:
    """Islands of the 2-D map ``flat`` of ``emb``, or a clustering of every vector of ``full``.
    The islands of a shipped map with the parameters it was shipped with are the shipped regions
    (the same islands Explore names; measured here, nothing fitted)."""
    items = tuple(sorted(params.items()))
    shipped = _shipped_islands(full, emb, flat, params) if method == ISLANDS else None
    if shipped is not None:
        return shipped
    if method == ISLANDS:
        key = (emb.fingerprint(), "islands", _digest(flat.coords), items)
        return cached(key, f"Islands on the map of {len(emb):,} words", cluster, emb, "hdbscan", "projected",
                      coords=flat.coords, cluster_selection_method="leaf", **params)
    key = (full.fingerprint(), method, "original", items)
    label = f"{methods().get(method, method)} of {len(full):,} words"
    return cached(key, label, cluster, full, method, "original", **params)


def _shipped_islands(full: Embeddings, emb: Embeddings, flat, params: dict) -> Clustering | None:
    from embviz.clustering import from_labels
    from embviz.datasets import shipped_maps_meta, shipped_regions

    if emb is not full or not flat.extra.get("shipped") or "rows_of" in flat.extra:
        return None
    ran = (shipped_maps_meta(full) or {}).get("regions", {}).get(flat.method, {}).get("params", {})
    if any(ran.get(k) != v for k, v in params.items()):
        return None
    def make():
        regions = shipped_regions(full, flat.method)
        if regions is None:
            return None
        return from_labels(full, regions.labels, method="hdbscan", space="projected", coords=flat.coords,
                           params={k: ran[k] for k in ("min_cluster_size", "min_samples", "cluster_selection_method")
                                   if k in ran})

    return _store().get_or_make((full.fingerprint(), "islands", "shipped", flat.method), make,
                                keep=lambda v: v is not None)


def on_map(full: Embeddings, emb: Embeddings, result: Clustering) -> np.ndarray:
    """The grouping's labels of the points on the map."""
    if len(result.labels) == len(emb) and list(result.keys) == list(emb.keys):
        return np.asarray(result.labels)
    return np.asarray(result.labels)[full.indices(emb.keys)]


def regions(emb: Embeddings, coords: np.ndarray, labels: np.ndarray):
    """``(regions, region of each group label)`` of the groups on the 2-D map."""
    key = ("regions", emb.fingerprint(), _digest(coords, labels))
    return _store().get_or_make(key, lambda: mapview.group_regions(emb, coords, labels))


def scores(emb: Embeddings, labels: np.ndarray, coords: np.ndarray):
    """:func:`embviz.groupscore.score_groups` of the groups on the map, kept. Run here, not in the
    pool: it is quick (the silhouette uses a 5,000-word sample) and must not queue behind work
    that occupies the pool's worker (such as the numba warm-up at server start)."""
    from embviz.groupscore import score_groups

    def make():
        with st.spinner("Measuring the groups…"):
            return score_groups(emb, labels, coords=coords)

    return _store().get_or_make(("scores", emb.fingerprint(), _digest(coords, labels)), make)


def maps(full: Embeddings, method: str, dims: int, n_map: int):
    """The points on the map (a random sample of ``n_map`` when fewer than all), their 2-D map
    (islands are found there), the map drawn (``dims``) and a note saying what was sampled."""
    emb, note = full, ""
    if n_map < len(full):
        emb = full.sample(n_map, method="random", seed=0)
        note = f"random sample of {len(emb):,} of {len(full):,} words"
    flat = mapdata.projection(full, emb, method, 2, {})
    drawn = flat if dims == 2 else mapdata.projection(full, emb, method, 3, {})
    return emb, flat, drawn, note


def names(result: Clustering, regions, region_of: dict[int, int], prefix: str) -> dict[int, str]:
    """Group names: the frequent central members of each group on the map, unless renamed."""
    own = renamed(result, prefix)
    return {lab: own.get(lab) or (regions.names[region_of[lab]] if lab in region_of else result.names[lab])
            for lab in result.sizes}


# -- renames (kept in the session, per grouping) ---------------------------------------------------
def _rename_key(result: Clustering) -> str:
    return f"{result.method}|{result.space}|{sorted(result.params.items())!r}|{len(result.keys)}"


def with_renames(result: Clustering, prefix: str) -> Clustering:
    renames = st.session_state.setdefault(f"{prefix}_renames", {}).get(_rename_key(result), {})
    for label, name in renames.items():
        if label in result.sizes:
            result = rename(result, label, name)
    return result


def renamed(result: Clustering, prefix: str) -> dict[int, str]:
    return st.session_state.setdefault(f"{prefix}_renames", {}).get(_rename_key(result), {})


def save_rename(result: Clustering, prefix: str, label: int, name: str) -> None:
    renamed_result = rename(result, label, name)  # checks the name
    store = st.session_state.setdefault(f"{prefix}_renames", {})
    store.setdefault(_rename_key(result), {})[label] = renamed_result.names[label]


# -- what the reader is told -------------------------------------------------------------------
def k_note(full: Embeddings) -> str:
    """Why k is chosen as it is, with the bundled table's measured numbers when this is it."""
    from embviz.datasets import shipped_maps_meta

    meta = shipped_maps_meta(full)
    if meta is None:
        return K_NOTE_OTHER
    r = meta.get("regions", {}).get("tsne", {})
    islands = ""
    if r.get("random_purity"):
        islands = (f"; the islands of the t-SNE map reach {r['lexname_purity'] / r['random_purity']:.1f}× on the "
                   f"{r['coverage']:.0%} of words they group, and stay together")
    return K_NOTE.format(islands=islands)


def params_text(result: Clustering) -> str:
    p = {k: v for k, v in result.params.items() if k not in ("k_scores", "inertia")}
    out = ", ".join(f"{k}={v}" for k, v in p.items() if v is not None)
    if result.sampled.get("fit"):
        out += f". Fitted on {result.sampled['fit']:,} points; the rest joined the nearest cluster centre."
    return text.md(out + f". {result.seconds:.1f} s.")
