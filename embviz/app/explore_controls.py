"""Explore's controls and its view as plain data: the widgets (method, colour, labels, search,
sampling, drag mode) and the URL that holds the view (saved views are slides of the deck).
(The page itself is :mod:`embviz.app.pages.explore`.)"""
from __future__ import annotations

import streamlit as st

from embviz import Embeddings, mapview
from embviz.app import common, controls, mapchart, mapdata, present, sidebar, state

P = "explore"
# "top": Embeddings.frequency_order — a zipf or rank column, else the file's order (word2vec, GloVe and
# fastText files list the most frequent words first)
SAMPLING = {"random": "random", "top": "most frequent (zipf/rank column, else first in the file)",
            "stratified": "stratified by a column"}
# Streamlit makes a click select a point only when dragging pans or zooms (in lasso and box modes a
# click is not a selection), so the default drag pans and a click searches the word.
DRAG = {"pan": ":material/ads_click: Click", "lasso": ":material/gesture: Lasso", "zoom": ":material/zoom_in: Zoom"}
DRAGMODE = {"pan": "pan", "lasso": "lasso", "zoom": "select"}


def apply_url_once(full: Embeddings) -> None:
    view = sidebar.url_view()
    if not st.session_state.pop("url_pending", False):
        return
    apply_view(view, full, st.session_state.setdefault("url_problems", []),
               method_given="method" in st.query_params)


def apply_view(view: state.View, full: Embeddings, problems: list[str], method_given: bool = True) -> None:
    """Put a view's values into the page's widgets (before they are drawn); a link without a
    method keeps the table's first map."""
    ss = st.session_state
    if view.method in controls.reducers():
        if method_given:
            ss[f"{P}_method"] = view.method
    else:
        problems.append(f"URL parameter 'method' is {view.method!r}; known methods are "
                        f"{', '.join(controls.reducers())} — using PCA.")
        ss[f"{P}_method"] = "pca"
    ss[f"{P}_dims"] = f"{view.dims}-D"
    problems += controls.apply_params(ss.get(f"{P}_method", "pca"), P, view.params)
    ss[f"{P}_query"] = view.query
    ss[f"{P}_regex"] = view.regex
    ss[f"{P}_pins"] = ", ".join(view.highlight)
    if view.color:
        options = mapview.color_options(full.metadata)
        if view.color in options:
            ss[f"{P}_color"] = view.color
        else:
            problems.append(f"URL parameter 'color' is {view.color!r}; this data can be coloured by "
                            f"{', '.join(options)} — using none.")
    ss[f"{P}_labels"] = view.labels


def url_messages() -> None:
    problems = st.session_state.get("url_problems") or []
    if problems:
        st.warning("Some of the link could not be used:\n\n" + "\n".join(f"- {p}" for p in problems),
                   icon=":material/link_off:")
        if st.button("Dismiss", key=f"{P}_dismiss_url", type="tertiary"):
            st.session_state["url_problems"] = []
            st.rerun()


def current_view(c: dict, name: str = "") -> state.View:
    return state.View(data=common.active_source(), method=c["method"], dims=c["dims"], params=c["params"],
                      query=c["query"], regex=c["regex"], highlight=c["pins"], color=c["color"],
                      labels=c["labels"], page="explore", name=name)


def sync_url(c: dict) -> None:
    q = state.to_query(current_view(c))
    if present.is_on():
        q["present"] = "1"
    if not common.active_is_shareable():
        q.pop("data", None)
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)


# -- controls -----------------------------------------------------------------------------------
def _default_method(full: Embeddings, methods: list[str]) -> None:
    """The table's first map (see :func:`embviz.mapview.first_method`) until the reader picks one."""
    ss, first = st.session_state, mapdata.first_method(full)[0]
    auto = ss.get(f"{P}_auto_method")
    if ss.get(f"{P}_method") not in methods or (auto and auto[0] != full.fingerprint() and ss[f"{P}_method"] == auto[1]):
        ss[f"{P}_method"] = first if first in methods else methods[0]
        ss[f"{P}_auto_method"] = (full.fingerprint(), ss[f"{P}_method"])


def widgets(full: Embeddings, on_air: bool) -> dict:
    ss = st.session_state
    mapchart.apply_pending(P)
    methods = list(controls.reducers())
    _default_method(full, methods)
    opts = mapview.color_options(full.metadata)
    if ss.get(f"{P}_color") not in opts:
        ss[f"{P}_color"] = mapview.default_color(full.metadata)
    ss.setdefault(f"{P}_dims", "2-D")
    ss.setdefault(f"{P}_labels", 30)
    if ss.get(f"{P}_drag") not in DRAG:
        ss[f"{P}_drag"] = "pan"
    with present.controls():  # presenting: one collapsed expander (the widgets still drive the view)
        row = st.columns([4.2, 0.9, 1.4, 0.8], vertical_alignment="bottom")
        method = row[0].segmented_control("Method", methods, key=f"{P}_method", format_func=controls.method_label,
                                          required=True, help="PCA is a rotation (fast, faithful to large distances); "
                                          "t-SNE, UMAP and the others keep neighbourhoods and tear apart the global "
                                          "layout.")
        dims = row[1].segmented_control("View", ["2-D", "3-D"], key=f"{P}_dims", required=True)
        color = row[2].selectbox("Colour by", opts, key=f"{P}_color", help="'cluster': the map's named regions.")
        labels = row[3].number_input("Labels", 0, 500, step=10, key=f"{P}_labels",
                                     help="Word labels to place on the map, spread over it (never overlapping).")
        more = st.columns([2.4, 0.7, 1.1, 1.1, 1.1, 2.2], vertical_alignment="bottom")
        query = more[0].text_input("Search a word", key=f"{P}_query", placeholder="e.g. king, or a pattern",
                                   label_visibility="collapsed", help="A word shows its nearest neighbours; any "
                                   "other text highlights the words that contain it (or match it, as a regular "
                                   "expression).")
        regex = more[1].toggle("Regex", key=f"{P}_regex")
        with more[2].popover("Parameters", icon=":material/tune:", width="stretch"):
            st.caption(getattr(controls.reducers()[method], "description", "") or "")
            params = controls.param_widgets(method, P)
        with more[3].popover("Sampling", icon=":material/filter_alt:", width="stretch"):
            sample = _sampling_controls(full, method, 3 if dims == "3-D" else 2, params)
        with more[4].popover("Neighbours", icon=":material/hub:", width="stretch"):
            k = st.slider("How many neighbours", 1, 50, 10, key=f"{P}_k")
        pins = more[5].text_input("Highlight words", key=f"{P}_pins", placeholder="highlight words: red, green, blue",
                                  label_visibility="collapsed")
    drag = ss[f"{P}_drag"]  # its widget sits under the map (drag_widget)
    return {"method": method, "dims": 3 if dims == "3-D" else 2, "color": color, "labels": int(labels or 0),
            "query": (query or "").strip(), "regex": bool(regex), "params": params, "sample": sample, "k": k,
            "drag": drag, "pins": [w.strip() for w in (pins or "").split(",") if w.strip()]}


def drag_widget(box) -> None:
    """What dragging on the map does (the value was read before the map was drawn)."""
    box.segmented_control("Drag to", list(DRAG), format_func=DRAG.get, key=f"{P}_drag", required=True,
                          label_visibility="collapsed", help="What dragging on the map does.")


def _sampling_controls(full: Embeddings, method: str, dims: int, params: dict) -> dict:
    limit = int(controls.reducers()[method].point_limit)  # the registry's number of points
    whole = mapdata.whole_map(full, method, dims, params) is not None
    if whole:
        limit = max(limit, len(full))  # the map of every point exists: draw it whole
    st.caption(f"Above the limit the map shows a sample and says so. Default for {controls.method_label(method)} "
               f"on this table: {limit:,} points.")
    key = f"{P}_limit_{method}_{full.fingerprint()[:8]}_{'whole' if whole else 'fit'}"  # its own once a whole map is
    limit = st.number_input("Most points drawn", 100, 200_000, limit, step=1000, key=key)
    cats = mapview.categorical_columns(full.metadata)
    how = st.radio("How", list(SAMPLING), format_func=SAMPLING.get, key=f"{P}_sample_how", horizontal=True)
    by = None
    if how == "stratified":
        if cats:
            by = st.selectbox("Column", cats, key=f"{P}_sample_by")
        else:
            st.info("No categorical metadata column to stratify by; using a random sample.")
            how = "random"
    return {"limit": int(limit), "how": how, "by": by}
