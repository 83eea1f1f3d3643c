"""Compare: two or three projection methods side by side on the same points, with their scores.

Every map shows the same sample, coloured the same way and turned (Procrustes) to face the first
one; selecting points in one map highlights them in all. Below: time and every faithfulness metric
per method, kNN recall against k, and an animation from one layout to another.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

import embviz
from embviz import Embeddings
from embviz.app import common, controls, present
from embviz.figures.compare import metrics_frame, recall_curve, transition
from embviz.figures.scatter import scatter, selected_rows, trace_rows

P = "compare"
DEFAULT_METHODS = ["pca", "tsne", "umap"]
DEFAULT_N = 3_000
KS = (5, 10, 20, 50, 100)
SAMPLING = {"random": "random", "top": "most frequent", "stratified": "stratified by a column"}
_HASH = common.HASH
VIEW_KEYS = {"request": dict}  # what a saved view of this page stores (the last comparison asked for)


def render() -> None:
    present.title(
        "Compare projections",
        "PCA, t-SNE and UMAP flatten the same vectors in different ways, and every flat picture "
        "distorts something. Here they run on the same points, turned to face the same way, with "
        "a score for how faithful each one is: **trustworthiness** (are neighbours on the map real "
        "neighbours?), **continuity** (do real neighbours stay close?) and **kNN recall** (the share "
        "of each word's true nearest neighbours that stay nearest on the map).",
    )
    full = common.active_embeddings()
    if len(full) < 3:
        st.info(f"Comparing maps needs at least 3 points; this table has {len(full)}.", icon=":material/info:")
        return
    with present.controls():
        request = _form(full)
        present.save_view_button(P)
    if request is None:
        st.info("Choose up to three methods and a sample size, then press **Compare**.", icon=":material/compare:")
        return
    emb, note = _points(full, request)
    projs = _project_all(emb, request)
    if not projs:
        return
    _maps(emb, projs, request, note)
    if not present.is_on():  # a projector shows the maps
        _scores(emb, projs)
        _transition(emb, projs, request)


# -- controls ----------------------------------------------------------------------------------------
def _form(full: Embeddings) -> dict | None:
    methods = [m for m in controls.reducers() if m != "axes"]
    meta_cols = list(full.metadata.columns)
    with st.form(f"{P}_form", border=True):
        a, b, c, d = st.columns([3, 1.3, 1.5, 1.5])
        chosen = a.multiselect("Methods (up to three)", methods, default=[m for m in DEFAULT_METHODS if m in methods],
                               max_selections=3, format_func=controls.method_label, key=f"{P}_methods")
        n = b.number_input("Points", min_value=min(50, len(full)), max_value=len(full), value=min(DEFAULT_N, len(full)), step=500,
                           key=f"{P}_n", help="t-SNE and UMAP take seconds on a few thousand points.")
        sampling = c.selectbox("Sample", list(SAMPLING), format_func=SAMPLING.get, key=f"{P}_sampling")
        colour_opts = ["none"] + meta_cols
        colour = d.selectbox("Colour by", colour_opts, index=colour_opts.index("pos") if "pos" in colour_opts else 0,
                             key=f"{P}_colour")
        e, f, g = st.columns([1.3, 1.3, 4.4])
        dims = e.segmented_control("Dimensions", [2, 3], default=2, key=f"{P}_dims",
                                   help="Selecting points works on 2-D maps (Plotly sends no selection from 3-D).")
        by = f.selectbox("Stratify by", meta_cols or ["—"], key=f"{P}_by", disabled=sampling != "stratified")
        params = {}
        with g.expander("Method parameters"):
            for col, method in zip(st.columns(max(1, len(chosen))), chosen):
                col.markdown(f"**{controls.method_label(method)}**")
                params[method] = controls.param_widgets(method, P, container=col)
        submitted = st.form_submit_button("Compare", type="primary", key=f"{P}_run")
    if submitted:
        if not chosen:
            st.error("Choose at least one method to compare.")
            return None
        st.session_state[f"{P}_request"] = {"methods": list(chosen), "n": int(n), "sampling": sampling,
                                                "by": by if sampling == "stratified" else None,
                                                "colour": None if colour == "none" else colour,
                                                "dims": int(dims or 2), "params": params}
    return st.session_state.get(f"{P}_request")


def _points(full: Embeddings, r: dict) -> tuple[Embeddings, str]:
    isolated = st.session_state.get(f"{P}_isolated")
    if isolated:
        keys = [k for k in isolated if k in full]
        if len(keys) >= 10:
            st.caption(f"Showing only the {len(keys):,} isolated points, re-projected on their own.")
            if st.button("Back to the whole sample", key=f"{P}_unisolate"):
                st.session_state.pop(f"{P}_isolated", None)
                st.rerun()
            return full.subset(keys), f"{len(keys):,} isolated points"
    try:
        emb = full.sample(r["n"], method=r["sampling"], by=r["by"], seed=0)
    except Exception as exc:  # noqa: BLE001 — a bad column: say so, fall back to random
        common.show_error(exc)
        emb = full.sample(r["n"], seed=0)
    how = SAMPLING[r["sampling"]] + (f" ({r['by']})" if r["by"] else "")
    note = f"{len(emb):,} of {len(full):,} points, {how}" if len(emb) < len(full) else f"all {len(emb):,} points"
    return emb, note


# -- computing ---------------------------------------------------------------------------------------
def _project_all(emb: Embeddings, r: dict) -> dict:
    projs = {}
    for method in r["methods"]:
        try:
            projs[method] = common.projection(emb, method, r["dims"], **_fit_small(method, r["params"].get(method, {}), len(emb)))
        except Exception as exc:  # noqa: BLE001
            common.show_error(exc)
    if not projs:
        return {}
    first = next(iter(projs.values()))
    return {m: (p if p is first else embviz.align(first, p)) for m, p in projs.items()}


def _fit_small(method: str, params: dict, n: int) -> dict:
    """Defaults that a small (e.g. isolated) set cannot take are lowered; explicit choices stay."""
    params = dict(params)
    if method == "tsne" and "perplexity" not in params and n <= 91:
        params["perplexity"] = max(1.0, float(np.floor((n - 1) / 3 - 1)))
    if method == "umap" and "n_neighbors" not in params and n <= 15:
        params["n_neighbors"] = max(2, n - 1)
    return params


@st.cache_data(show_spinner=False, max_entries=32, hash_funcs=_HASH)
def _quality(emb: Embeddings, pid: str, _proj) -> dict:
    ks = tuple(k for k in KS if k < len(emb) / 2)
    return embviz.quality(emb, _proj, k=ks)


# -- drawing -----------------------------------------------------------------------------------------
def _select(i: int) -> None:
    """A selection in map i: remember the selected keys for every map."""
    event = st.session_state.get(f"{P}_map_{i}") or {}
    rows = st.session_state.get(f"{P}_rows_{i}") or []
    picked = selected_rows((event.get("selection") if isinstance(event, dict) else event.selection) or {}, rows)
    keys = st.session_state.get(f"{P}_keys") or []
    st.session_state[f"{P}_selected"] = [keys[j] for j in picked if j < len(keys)]


def _maps(emb: Embeddings, projs: dict, r: dict, note: str) -> None:
    colour = emb.metadata[r["colour"]].to_numpy() if r["colour"] in emb.metadata.columns else None
    selected = [k for k in st.session_state.get(f"{P}_selected", []) if k in emb]
    hl = emb.indices(selected) if selected else ()
    st.session_state[f"{P}_keys"] = list(emb.keys)
    hover = common.hover_text(emb)
    for i, (col, (method, proj)) in enumerate(zip(st.columns(len(projs)), projs.items())):
        label = controls.method_label(method)
        fig = scatter(proj.coords, emb.keys, color=colour, color_name=r["colour"] or "", hover=hover, highlight=hl,
                      title=f"{label} · {proj.seconds:.1f} s" + (" (cached)" if proj.from_cache else ""),
                      note=note if i == 0 else "", height=460)
        # Three maps share one colour key: a legend under each map leaves every plot its full width.
        fig.update_layout(legend={"orientation": "h", "yanchor": "top", "y": -0.02, "x": 0, "xanchor": "left"},
                          margin={"l": 10, "r": 10})
        fig = present.sized(fig, share=1 / len(projs))
        st.session_state[f"{P}_rows_{i}"] = trace_rows(fig)
        if r["dims"] == 2:
            col.plotly_chart(fig, key=f"{P}_map_{i}", on_select=partial(_select, i),
                             selection_mode=("points", "box", "lasso"), width="stretch")
        else:
            col.plotly_chart(fig, key=f"{P}_map_{i}", width="stretch")
    if selected:
        a, b, c = st.columns([3, 2, 2])
        a.write(f"**{len(selected):,} selected** (highlighted in every map): " + ", ".join(selected[:12])
                + (" …" if len(selected) > 12 else ""))
        if b.button("Isolate and re-project", key=f"{P}_isolate", disabled=len(selected) < 10,
                    help="Run every method again on just these points (at least 10)."):
            st.session_state[f"{P}_isolated"] = selected
            st.session_state[f"{P}_selected"] = []
            st.rerun()
        if c.button("Clear selection", key=f"{P}_clear"):
            st.session_state[f"{P}_selected"] = []
            st.rerun()
    elif r["dims"] == 2:
        st.caption("Drag a box or lasso on any map to highlight the same words in the others.")


def _scores(emb: Embeddings, projs: dict) -> None:
    st.subheader("How faithful is each picture?")
    results, seconds, curves = {}, {}, {}
    with st.spinner("Measuring neighbourhoods…"):
        for method, proj in projs.items():
            label = controls.method_label(method)
            q = _quality(emb, common.projection_id(proj), proj)
            results[label], seconds[label] = q, proj.seconds
            curves[label] = {int(k.split("@")[1]): v for k, v in q.items() if k.startswith("knn_recall@")}
    left, right = st.columns([3, 2])
    left.dataframe(metrics_frame(results, seconds), hide_index=True, width="stretch")
    left.caption("1.0 is perfect. Trustworthiness and continuity weigh how far out of place each neighbour is; "
                 "Spearman compares all pairwise distances (the global shape). Seconds are compute time "
                 "(a cached result shows the time it first took).")
    right.plotly_chart(recall_curve(curves), key=f"{P}_recall", width="stretch")


def _transition(emb: Embeddings, projs: dict, r: dict) -> None:
    if len(projs) < 2:
        return
    st.subheader("Morph one layout into another")
    if r["dims"] != 2:
        st.caption("The animation is drawn in 2-D: switch Dimensions to 2 to see it.")
        return
    names = list(projs)
    a, b = st.columns(2)
    start = a.selectbox("From", names, index=0, format_func=controls.method_label, key=f"{P}_from")
    end = b.selectbox("To", names, index=1, format_func=controls.method_label, key=f"{P}_to")
    colour = emb.metadata[r["colour"]].to_numpy() if r["colour"] in emb.metadata.columns else None
    fig = transition(projs[start].coords, embviz.align(projs[start], projs[end]).coords, emb.keys, color=colour,
                     start_name=controls.method_label(start), end_name=controls.method_label(end))
    st.plotly_chart(fig, key=f"{P}_transition", width="stretch")
