"""Compare: two or three projection methods side by side on the same points, with their scores.

On the bundled table it opens on the shipped PCA, t-SNE and UMAP maps of every word (turned to face
the same way, named regions, faithfulness) without computing anything; other methods and data are
computed on **Compare**. A selection in one map highlights it in all; below, the scores, kNN recall
against k and a morph. Presenting: one full-width map at a time, stepped like slides, morphing.
"""
from __future__ import annotations

from functools import partial

import streamlit as st

import embviz
from embviz import Embeddings, mapview
from embviz.app import common, controls, layout, mapchart, mapdata, present
from embviz.app.explore_controls import SAMPLING
from embviz.app.served import served
from embviz.figures.compare import metrics_frame, recall_curve
from embviz.figures.selection import selected_rows, trace_rows
from embviz.figures.text import escape_all
from embviz.labels import MIN_WIDTH
from embviz.reduce.base import map_methods

P = "compare"
DEFAULT_METHODS = ["pca", "tsne", "umap"]  # chosen at first (those registered and available here)
DEFAULT_N = 3_000
KS = (5, 10, 20, 50, 100)
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
    projs = _project_all(full, emb, request)
    if not projs:
        return
    _maps(full, emb, projs, request, note)
    if not present.is_on():  # a projector shows the maps
        _scores(emb, projs)
        _transition(full, emb, projs, request)


# -- controls ----------------------------------------------------------------------------------------
def _shipped_request(full: Embeddings) -> dict | None:
    """The maps that come with the table (all its points, default parameters), if it has them."""
    methods = [m for m in DEFAULT_METHODS if m in map_methods() and mapdata.whole_map(full, m, 2, {}) is not None]
    if len(methods) < 2:
        return None
    return {"methods": methods, "n": len(full), "sampling": "random", "by": None, "colour": None, "dims": 2,
            "params": {}, "shipped": True}


def _form(full: Embeddings) -> dict | None:
    methods = map_methods()  # every registered method that learns a map and can run here
    meta_cols = mapview.color_options(full.metadata)[1:-2]
    shipped = _shipped_request(full)
    with st.form(f"{P}_form", border=True):
        a, b, c, d = st.columns([3, 1.3, 1.5, 1.5])
        chosen = a.multiselect("Methods (up to three)", methods, default=[m for m in DEFAULT_METHODS if m in methods],
                               max_selections=3, format_func=controls.method_label, key=f"{P}_methods")
        n = b.number_input("Points", min_value=min(50, len(full)), max_value=len(full),
                           value=len(full) if shipped else min(DEFAULT_N, len(full)), step=500, key=f"{P}_n",
                           help="Maps of the whole table that exist already are reused for any sample of it; "
                                "others take seconds per few thousand points.")
        sampling = c.selectbox("Sample", list(SAMPLING), format_func=SAMPLING.get, key=f"{P}_sampling")
        colour_opts = ["none", *meta_cols]
        colour = d.selectbox("Colour by", colour_opts, key=f"{P}_colour")
        e, f, g = st.columns([1.3, 1.3, 4.4])
        dims = e.segmented_control("Dimensions", [2, 3], default=2, key=f"{P}_dims",
                                   help="Selecting points works on 2-D maps (Plotly sends no selection from 3-D).")
        cats = mapview.categorical_columns(full.metadata)
        by = f.selectbox("Stratify by", cats or ["—"], key=f"{P}_by", disabled=sampling != "stratified")
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
                                            "by": by if sampling == "stratified" and cats else None,
                                            "colour": None if colour == "none" else colour,
                                            "dims": int(dims or 2), "params": params}
    request = st.session_state.get(f"{P}_request") or shipped
    if request is not None and request.get("shipped"):
        st.caption(f"The maps shipped with this table: {len(full):,} words each, nothing computed. "
                   "Change the methods, points or parameters and press **Compare** to compute others.")
    return request


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
    if r["n"] >= len(full):
        return full, f"all {len(full):,} points"
    try:
        emb = full.sample(r["n"], method=r["sampling"], by=r["by"], seed=0)
    except Exception as exc:  # noqa: BLE001 — a bad column: say so, fall back to random
        common.show_error(exc)
        emb = full.sample(r["n"], seed=0)
    how = SAMPLING[r["sampling"]] + (f" ({r['by']})" if r["by"] else "")
    return emb, f"{len(emb):,} of {len(full):,} points, {how}"


# -- computing ---------------------------------------------------------------------------------------
def _project_all(full: Embeddings, emb: Embeddings, r: dict) -> dict:
    projs = {}
    for method in r["methods"]:
        try:
            projs[method] = mapdata.projection(full, emb, method, r["dims"], r["params"].get(method, {}))
        except Exception as exc:  # noqa: BLE001
            common.show_error(exc)
    if not projs:
        return {}
    first = next(iter(projs.values()))
    return {m: (p, p if p is first else embviz.align(first, p)) for m, p in projs.items()}  # (as made, turned)


# -- drawing -----------------------------------------------------------------------------------------
def _select(i: int) -> None:
    """A selection in map i: remember the selected keys for every map."""
    event = st.session_state.get(f"{P}_map_{i}") or {}
    rows = st.session_state.get(f"{P}_rows_{i}") or []
    picked = selected_rows((event.get("selection") if isinstance(event, dict) else event.selection) or {}, rows)
    keys = st.session_state.get(f"{P}_keys") or []
    st.session_state[f"{P}_selected"] = [keys[j] for j in picked if j < len(keys)]


def _map_figure(full, emb, method, made_as, proj, r, colouring, hl, note, width, height):
    regions = mapview.moved_regions(mapdata.regions(full, emb, made_as, r["params"].get(method, {})),
                                    made_as.coords, proj.coords)
    took = f"{proj.seconds:.0f} s" if proj.seconds >= 10 else f"{proj.seconds:.2g} s"
    made = f"shipped, made in {took}" if proj.extra.get("shipped") else took + (" (cached)" * proj.from_cache)
    colour, colour_name, colours = colouring
    spec = mapview.map_spec(emb, proj, color=colour, colors=colours, color_name=colour_name,
                            hover=escape_all(emb.keys), regions=regions, highlight=hl, n_words=0, width=width,
                            present=present.is_on(), height=height, note=note, dragmode="lasso",
                            title=f"{controls.method_label(method)} · {made}")  # hover: the key is enough
    return mapview.draw(spec)


def _maps(full: Embeddings, emb: Embeddings, projs: dict, r: dict, note: str) -> None:
    colouring = mapdata.color(full, emb, next(iter(projs.values()))[0], r["colour"] or mapview.NONE)
    selected = [k for k in st.session_state.get(f"{P}_selected", []) if k in emb]
    hl = emb.indices(selected) if selected else ()
    st.session_state[f"{P}_keys"] = list(emb.keys)
    if present.is_on():  # a projector: one map at a time, full width, built once; a step morphs the points
        w, h = present.viewport()[0] - 72, present.figure_height(footer=True)
        layout.one_at_a_time(lambda: {m: present.sized(_map_figure(full, emb, m, a, b, r, colouring, hl, note, w, h),
                                                       footer=True) for m, (a, b) in projs.items()},
                             f"{P}_present", label=controls.method_label,
                             signature=(emb.fingerprint(), repr(sorted(r.items())), tuple(selected), (w, h), note))
        return
    for i, (col, (method, (made_as, proj))) in enumerate(zip(st.columns(len(projs)), projs.items())):
        with col:
            width = mapchart.chart_width(f"{P}_width_{i}") or MIN_WIDTH / 1.5
        fig = _map_figure(full, emb, method, made_as, proj, r, colouring, hl, note if i == 0 else "", width,
                          int(min(600, max(380, width + 100))))
        st.session_state[f"{P}_rows_{i}"] = trace_rows(fig)
        if r["dims"] == 2:
            col.plotly_chart(served(fig), key=f"{P}_map_{i}", on_select=partial(_select, i),
                             selection_mode=("points", "box", "lasso"), width="stretch")
        else:
            col.plotly_chart(served(fig), key=f"{P}_map_{i}", width="stretch")
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
        for method, (proj, _) in projs.items():
            label = controls.method_label(method)
            q = mapdata.scores(emb, proj, KS)
            results[label], seconds[label] = q, proj.seconds
            curves[label] = {int(k.split("@")[1]): v for k, v in q.items() if k.startswith("knn_recall@")}
    left, right = st.columns([3, 2])
    left.dataframe(metrics_frame(results, seconds), hide_index=True, width="stretch")
    left.caption("1.0 is perfect. Trustworthiness and continuity weigh how far out of place each neighbour is; "
                 "Spearman compares all pairwise distances (the global shape). Seconds are compute time "
                 "(a cached or shipped map shows the time it first took).")
    if all(len(c) > 1 for c in curves.values()):
        right.plotly_chart(recall_curve(curves), key=f"{P}_recall", width="stretch")
    else:
        right.caption("The shipped maps were scored at k = 10 on every word. Press **Compare** on a sample to "
                      "measure kNN recall at k = 5 … 100 as well.")


def _transition(full: Embeddings, emb: Embeddings, projs: dict, r: dict) -> None:
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
    fig, sampled = mapdata.transition_figure(full, emb, projs, start, end, r["colour"] or mapview.NONE,
                                             label=controls.method_label)
    if sampled:
        st.caption(sampled)
    st.plotly_chart(fig, key=f"{P}_transition", width="stretch")
