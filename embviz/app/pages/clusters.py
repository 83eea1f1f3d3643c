"""Clusters: find groups of meaning, name them, draw them on a map, and judge how real they are."""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from embviz import Embeddings
from embviz.app import common, export, present
from embviz.clustering import (
    Clustering,
    chance_agreement,
    cluster,
    default_min_cluster_size,
    map_agreement,
    rename,
)
from embviz.figures.clusters import cluster_map, cluster_strength

P = "clusters"
METHODS = {"kmeans": "k-means", "hdbscan": "HDBSCAN", "agglomerative": "Agglomerative (average linkage)"}
SPACES = {"original": "Original vectors (cosine)", "projected": "The map itself"}
MAPS = {"pca": "PCA", "tsne": "t-SNE", "umap": "UMAP"}
MAP_SAMPLE = 5_000   # t-SNE / UMAP maps are drawn from a random sample of this many points
MAX_STORED = 16
# what a saved view of this page stores: widget name -> kind (type, choices or (low, high))
VIEW_KEYS = {"method": tuple(METHODS), "k": (2, 500), "auto_k": bool, "min_cluster_size": (2, 10**6),
             "min_samples": (1, 10**6), "agg_k": (2, 500), "space": tuple(SPACES), "projection": tuple(MAPS),
             "dims": (2, 3), "map_points": (500, 10**7), "hulls": bool, "selected": int}


def render() -> None:
    present.title(
        "Clusters",
        "Words used alike should form groups. Here the vectors are clustered, each group is named by "
        "its most central words, and two numbers say how real the groups are: the **silhouette** "
        "(are members closer to each other than to other groups?) and the **map agreement** (does "
        "the 2-D picture keep each group together?).",
    )
    full = common.active_embeddings()
    if len(full) < 12:
        st.info(f"Finding groups needs at least 12 points; this table has {len(full)}.", icon=":material/info:")
        return
    controls_box = present.controls()
    with controls_box:
        c = _controls(full)
        present.save_view_button(P)
    try:
        emb, proj, map_note = _map(full, c)
        result = _clustering(full, emb, proj, c)
        labels = result.labels
        if result.space == "original" and len(emb) != len(full):  # the map shows a sample
            labels = result.labels[full.indices(emb.keys)]
        result = _with_renames(result)
        agreement = _agreement(result, labels, proj)
    except Exception as exc:  # noqa: BLE001 — bad parameters: say so, keep the page
        common.show_error(exc)
        return
    if not present.is_on():  # a projector shows the map alone
        _summary(result, agreement, labels)
    map_box = st.container()  # the map comes first on screen, but needs the selection made below
    with controls_box if present.is_on() else st.container():
        selected = _selected(result)
    note = _note(result, c, map_note)
    fig = cluster_map(proj.coords, emb.keys, labels, result.names, selected=selected, note=note,
                      hulls=c["hulls"])
    with map_box:
        present.chart(fig, f"{P}_map", config=dict(export.MODEBAR_CONFIG))
        if present.is_on():
            return
        st.caption("Click a legend entry to show that cluster alone; double-click to bring the rest back.")
    _low_silhouette(result)
    _tables(result, agreement, selected)
    _rename_box(result, selected)
    _export(result, labels, emb, proj)


# -- controls -------------------------------------------------------------------------------------
def _controls(full: Embeddings) -> dict[str, Any]:
    row = st.columns([1.3, 1, 1, 1.2])
    method = row[0].selectbox("Method", list(METHODS), format_func=METHODS.get, key=f"{P}_method",
                              help="k-means: k groups of similar size. HDBSCAN: groups of any number, "
                                   "points in no dense group are noise. Agglomerative: merges the closest "
                                   "groups (cosine, average linkage).")
    params = _method_params(method, full, row[1], row[2])
    space = row[3].radio(
        "Cluster on", list(SPACES), format_func=SPACES.get, key=f"{P}_space",
        help="Clustering the 2-D picture clusters the picture's distortions: groups that look "
             "separate on the map may not be in the vectors. The original vectors are the honest default.")
    mrow = st.columns([1, 1, 1, 1.2])
    map_method = mrow[0].selectbox("Map", list(MAPS), format_func=MAPS.get, key=f"{P}_projection")
    dims = mrow[1].segmented_control("Dimensions", [2, 3], default=2, key=f"{P}_dims") or 2
    n_map = len(full)
    if map_method != "pca" and len(full) > MAP_SAMPLE:
        n_map = mrow[2].number_input("Points on the map", 500, len(full), MAP_SAMPLE, step=500,
                                     key=f"{P}_map_points",
                                     help=f"{MAPS[map_method]} is slower than PCA: it maps a random sample.")
    hulls = mrow[3].toggle("Shade cluster areas", value=True, key=f"{P}_hulls", disabled=dims == 3,
                           help="The convex hull of each cluster's core (80 % of members nearest its centre "
                                "on the map). 2-D only.")
    if space == "original":
        st.caption("Clustering the **original vectors** by cosine similarity, the default: clustering the "
                   "2-D picture would cluster the picture's distortions.")
    else:
        st.caption(":orange[Clustering **the map** (euclidean on its coordinates): the groups describe the "
                   "picture, not the vectors.]")
    return {"method": method, "params": params, "space": space, "map": map_method, "dims": int(dims),
            "n_map": int(n_map), "hulls": bool(hulls)}


def _method_params(method: str, full: Embeddings, a, b) -> dict[str, Any]:
    n = len(full)
    if method == "kmeans":
        auto = b.toggle("Choose k by silhouette", key=f"{P}_auto_k",
                        help="Tries 8 values of k from 2 to 30 on a sample of 2,000 and keeps the best "
                                     "silhouette (often a small k: read the scores shown).")
        k = a.number_input("k (clusters)", 2, max(2, min(500, n - 1)), min(20, n - 1), key=f"{P}_k",
                           disabled=auto)
        return {"k": "auto"} if auto else {"k": int(k)}
    if method == "hdbscan":
        mcs = a.number_input("Min cluster size", 2, max(2, n // 2), min(default_min_cluster_size(n), n // 2),
                             key=f"{P}_min_cluster_size", help="The smallest group that counts as a cluster.")
        ms = b.number_input("Min samples", 1, max(1, n - 1), min(10, int(mcs), n - 1), key=f"{P}_min_samples",
                            help="How dense a neighbourhood must be. Higher = more points called noise "
                                 "(and slower).")
        return {"min_cluster_size": int(mcs), "min_samples": int(ms)}
    k = a.number_input("k (clusters)", 2, max(2, min(500, n - 1)), min(20, n - 1), key=f"{P}_agg_k")
    return {"k": int(k)}


# -- computing (cached per process, keyed by content) -----------------------------------------------
@st.cache_resource(show_spinner=False)
def _store() -> tuple[OrderedDict, threading.Lock]:
    return OrderedDict(), threading.Lock()


def _cached(key: tuple, label: str, fn, /, *args, **kwargs):
    store, lock = _store()
    with lock:
        if key in store:
            store.move_to_end(key)
            return store[key]
    value = common.run_with_progress(label, fn, *args, **kwargs)
    if not getattr(value, "stopped", False):
        with lock:
            store[key] = value
            while len(store) > MAX_STORED:
                store.popitem(last=False)
    return value


def _map(full: Embeddings, c: dict) -> tuple[Embeddings, Any, str]:
    emb, note = full, ""
    if c["map"] != "pca" and c["n_map"] < len(full):
        emb = full.sample(c["n_map"], method="random", seed=0)
        note = f"random sample of {len(emb):,} of {len(full):,} words"
    proj = common.projection(emb, c["map"], c["dims"])
    return emb, proj, note


def _clustering(full: Embeddings, emb: Embeddings, proj, c: dict) -> Clustering:
    params = tuple(sorted(c["params"].items()))
    if c["space"] == "original":
        key = (full.fingerprint(), c["method"], "original", params)
        return _cached(key, f"{METHODS[c['method']]} on {len(full):,} vectors", cluster, full, c["method"],
                       "original", **c["params"])
    digest = hashlib.sha1(np.ascontiguousarray(proj.coords).tobytes()).hexdigest()
    key = (emb.fingerprint(), c["method"], "projected", digest, params)
    return _cached(key, f"{METHODS[c['method']]} on the map", cluster, emb, c["method"], "projected",
                   coords=proj.coords, **c["params"])


def _agreement(result: Clustering, labels: np.ndarray, proj) -> tuple[float, dict[int, float], float]:
    digest = hashlib.sha1(np.ascontiguousarray(proj.coords).tobytes() + labels.tobytes()).hexdigest()
    store, lock = _store()
    key = ("agreement", digest)
    with lock:
        if key in store:
            return store[key]
    overall, per = map_agreement(labels, proj.coords, k=10)
    value = (overall, per, chance_agreement(labels))
    with lock:
        store[key] = value
    return value


# -- renames (kept in the session, per clustering) ---------------------------------------------------
def _rename_key(result: Clustering) -> str:
    return f"{result.method}|{result.space}|{sorted(result.params.items())!r}|{len(result.keys)}"


def _with_renames(result: Clustering) -> Clustering:
    renames = st.session_state.setdefault(f"{P}_renames", {}).get(_rename_key(result), {})
    for label, name in renames.items():
        if label in result.sizes:
            result = rename(result, label, name)
    return result


def _rename_box(result: Clustering, selected: int | None) -> None:
    if selected is None:
        return
    with st.form(f"{P}_rename_form", border=False):
        row = st.columns([3, 1])
        name = row[0].text_input("Rename this cluster", value=result.names[selected], key=f"{P}_rename")
        if row[1].form_submit_button("Rename", key=f"{P}_rename_apply"):
            try:
                renamed = rename(result, selected, name)
            except Exception as exc:  # noqa: BLE001
                common.show_error(exc)
                return
            store = st.session_state.setdefault(f"{P}_renames", {})
            store.setdefault(_rename_key(result), {})[selected] = renamed.names[selected]
            st.rerun()


# -- what the user reads -----------------------------------------------------------------------------
def _summary(result: Clustering, agreement, labels: np.ndarray) -> None:
    overall, _, chance = agreement
    cols = st.columns(4)
    cols[0].metric("Clusters", f"{result.n_clusters}",
                   help=_params_text(result))
    noise = result.n_noise / len(result.labels)
    cols[1].metric("Noise", f"{noise:.0%}", help="Points HDBSCAN puts in no cluster.")
    sil = "—" if result.silhouette is None else f"{result.silhouette:.3f}"
    sampled = result.sampled.get("silhouette")
    cols[2].metric("Silhouette", sil, help="From -1 to 1: above 0.5 is a strong structure, near 0 means groups "
                   "blend into each other." + (f" Measured on a random sample of {sampled:,} points." if sampled else ""))
    cols[3].metric("Map agreement", f"{overall:.0%}", delta=f"{overall - chance:+.0%} vs a random map",
                   help="Share of each point's 10 nearest neighbours on the map that are in its own cluster. "
                        f"A map with points placed at random would score {chance:.0%}.")
    if result.params.get("k_auto"):
        scores = ", ".join(f"k={k}: {s:.3f}" for k, s in result.params["k_scores"].items())
        st.caption(f"k chosen by silhouette on a sample of {result.sampled.get('k_choice', len(result.labels)):,} "
                   f"points: {scores}.")


def _low_silhouette(result: Clustering) -> None:
    if result.silhouette is not None and result.silhouette < 0.1:
        st.info("The silhouette is low: these groups overlap in the vectors. Word tables rarely split into "
                "islands — read the clusters as neighbourhoods of meaning, not as separate kinds of words.",
                icon=":material/info:")


def _params_text(result: Clustering) -> str:
    p = {k: v for k, v in result.params.items() if k not in ("k_scores", "inertia")}
    text = ", ".join(f"{k}={v}" for k, v in p.items() if v is not None)
    if result.params.get("reduced_to"):
        text += f". HDBSCAN ran on a PCA copy reduced to {result.params['reduced_to']} dimensions."
    if result.sampled.get("fit"):
        text += f". Fitted on {result.sampled['fit']:,} points; the rest joined the nearest cluster centre."
    return text + f". {result.seconds:.1f} s."


def _note(result: Clustering, c: dict, map_note: str) -> str:
    what = f"{METHODS[result.method].split(' (')[0]} on {'the map' if result.space == 'projected' else 'cosine'}"
    parts = [what, f"map: {MAPS[c['map']]} {c['dims']}-D"]
    if map_note:
        parts.append(map_note)
    return " · ".join(parts)


def _selected(result: Clustering) -> int | None:
    options = [None, *sorted(result.sizes)]
    key = f"{P}_selected"
    if st.session_state.get(key) not in options:
        st.session_state[key] = None
    return st.selectbox(
        "Look at one cluster", options, key=key,
        format_func=lambda c: "— all clusters —" if c is None else f"{c}: {result.names[c]} ({result.sizes[c]:,})")


def _tables(result: Clustering, agreement, selected: int | None) -> None:
    _, per, chance = agreement
    table = result.table(preview=10)
    table.insert(4, "map agreement", table["label"].map(per))
    left, right = st.columns([3, 2])
    with left:
        st.markdown("#### Clusters")
        st.dataframe(table, key=f"{P}_table", hide_index=True, width="stretch",
                     column_config={"silhouette": st.column_config.NumberColumn(format="%.3f"),
                                    "map agreement": st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                                     format="percent")})
    with right:
        st.markdown("#### How strong is each cluster?")
        fig = cluster_strength(result.names, result.cluster_silhouette, per, chance=chance, height=360)
        st.plotly_chart(fig, key=f"{P}_strength", width="stretch", config={"displaylogo": False})
    if selected is not None:
        st.markdown(f"#### Members of **{result.names[selected]}**")
        rows = np.flatnonzero(result.labels == selected)
        members = pd.DataFrame({"word": [result.keys[i] for i in rows],
                                "closeness to centre": result.centrality[rows]})
        members = members.sort_values("closeness to centre", ascending=False, kind="stable")
        st.dataframe(members, key=f"{P}_members", hide_index=True, width="stretch", height=300,
                     column_config={"closeness to centre": st.column_config.NumberColumn(format="%.3f")})


def _export(result: Clustering, labels: np.ndarray, emb: Embeddings, proj) -> None:
    with st.expander("Export labels with coordinates"):
        def frame() -> bytes:
            df = pd.DataFrame({"key": emb.keys, "label": labels,
                               "cluster": [result.names.get(int(v), "noise") for v in labels]})
            for j, axis in enumerate("xyz"[: proj.coords.shape[1]]):
                df[axis] = proj.coords[:, j]
            return export.to_csv(df)

        st.download_button("Labels + coordinates (CSV)", frame, "clusters.csv", "text/csv", key=f"{P}_download",
                           on_click="ignore")
