"""Explore: the embedding map — projection, colour, labels, search, neighbours and selection.

Everything heavy (the projection, clusters, per-point distortion) is cached by content, so a rerun
that changes only colour, highlight, search or labels redraws without recomputing.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import streamlit as st

from embviz import Embeddings
from embviz.app import common, controls, export, present, sidebar, slideshow, state, text
from embviz.errors import EmbvizError, UnknownKeyError
from embviz.search import find_keys
from embviz.figures.scatter import scatter, selected_rows, trace_rows

P = "explore"
NONE, CLUSTER, DISTORTION = "none", "cluster (k-means)", "distortion (per point)"
MAX_MATCHES = 2_000
DEFAULT_LIMIT = {"pca": 50_000, "axes": 50_000}
OTHER_LIMIT = 10_000
SAMPLING = {"random": "random", "top": "most frequent", "stratified": "stratified by a column"}


def render() -> None:
    full = common.active_embeddings()
    _apply_url_once(full)
    on_air = present.is_on()
    if on_air:
        present.exit_button(f"{P}_exit")
    else:
        st.title("Explore")
        st.caption(
            "Every word is a point: words used alike sit close together. Choose how to flatten the "
            "vectors to 2-D or 3-D, colour by what you know about the words, and search a word to "
            "see its nearest neighbours — measured in the original space, not on the picture."
        )
        _url_messages()
    if len(full) < 3:
        _too_small(full)
        return None
    c = _controls(full, on_air)
    emb = _isolated(full)
    emb, note = _sample(emb, c)
    try:
        proj = common.projection(emb, c["method"], c["dims"], **c["params"])
    except Exception as exc:  # noqa: BLE001 — a bad parameter: say so, draw PCA instead
        common.show_error(exc)
        try:
            proj = common.projection(emb, "pca", c["dims"])
        except Exception as exc2:  # noqa: BLE001
            common.show_error(exc2)
            return None
    view = _draw(full, emb, proj, c, note, on_air)
    _sync_url(c)
    return view


def _too_small(full: Embeddings) -> None:
    st.info(f"A map needs at least 3 points; this table has {len(full)}. Its words and their "
            "similarity are below — load or train a larger table to see a map.", icon=":material/info:")
    if len(full) == 2:
        a, b = full.keys
        st.dataframe(pd.DataFrame({"word": [a, b], "cosine to the other": [full.most_similar(a, 1)[0][1]] * 2}),
                     hide_index=True)
    elif len(full) == 1:
        st.dataframe(pd.DataFrame({"word": full.keys}), hide_index=True)


# -- URL and saved views ---------------------------------------------------------------------------
def _apply_url_once(full: Embeddings) -> None:
    view = sidebar.url_view()
    if not st.session_state.pop("url_pending", False):
        return
    apply_view(view, full, st.session_state.setdefault("url_problems", []))


def apply_view(view: state.View, full: Embeddings, problems: list[str]) -> None:
    """Put a view's values into the page's widgets (before they are drawn)."""
    ss = st.session_state
    if view.method in controls.reducers():
        ss[f"{P}_method"] = view.method
    else:
        problems.append(f"URL parameter 'method' is {view.method!r}; known methods are "
                        f"{', '.join(controls.reducers())} — using PCA.")
    ss[f"{P}_dims"] = f"{view.dims}-D"
    problems += controls.apply_params(ss.get(f"{P}_method", "pca"), P, view.params)
    ss[f"{P}_query"] = view.query
    ss[f"{P}_regex"] = view.regex
    ss[f"{P}_pins"] = ", ".join(view.highlight)
    if view.color:
        if view.color in _color_options(full):
            ss[f"{P}_color"] = view.color
        else:
            problems.append(f"URL parameter 'color' is {view.color!r}; this data can be coloured by "
                            f"{', '.join(_color_options(full))} — using none.")
    ss[f"{P}_labels"] = view.labels


def _url_messages() -> None:
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


def _sync_url(c: dict) -> None:
    q = state.to_query(current_view(c))
    if present.is_on():
        q["present"] = "1"
    if not common.active_is_shareable():
        q.pop("data", None)
    if st.query_params.to_dict() != q:
        st.query_params.from_dict(q)


# -- controls -----------------------------------------------------------------------------------
def _color_options(emb: Embeddings) -> list[str]:
    cols = []
    for name in emb.metadata.columns:
        s = emb.metadata[name]
        if s.dtype.kind in "fiu" or s.nunique() <= 500:
            cols.append(str(name))
    return [NONE, *cols, CLUSTER, DISTORTION]


def _default_color(emb: Embeddings) -> str:
    opts = _color_options(emb)
    for pref in ("pos", "group", "label", "lexname"):
        if pref in opts:
            return pref
    return NONE


def _controls(full: Embeddings, on_air: bool) -> dict:
    ss = st.session_state
    methods = list(controls.reducers())
    if ss.get(f"{P}_method") not in methods:
        ss[f"{P}_method"] = "pca" if "pca" in methods else methods[0]
    opts = _color_options(full)
    if ss.get(f"{P}_color") not in opts:
        ss[f"{P}_color"] = _default_color(full)
    ss.setdefault(f"{P}_dims", "2-D")
    ss.setdefault(f"{P}_labels", 30)
    with present.controls():  # presenting: one collapsed expander (the widgets still drive the view)
        row = st.columns([1.2, 0.9, 1.3, 0.7, 2.3, 0.8], vertical_alignment="bottom")
        method = row[0].selectbox("Method", methods, key=f"{P}_method", format_func=controls.method_label,
                                  help="PCA is a rotation (fast, faithful to large distances); t-SNE and "
                                       "UMAP keep neighbourhoods and tear apart the global layout.")
        dims = row[1].segmented_control("View", ["2-D", "3-D"], key=f"{P}_dims", required=True)
        color = row[2].selectbox("Colour by", opts, key=f"{P}_color")
        labels = row[3].number_input("Labels", 0, 500, step=10, key=f"{P}_labels",
                                     help="Write the N most frequent words on the map.")
        query = row[4].text_input("Search a word", key=f"{P}_query", placeholder="e.g. king, or a pattern",
                                  help="A word shows its nearest neighbours; any other text highlights the "
                                       "words that contain it (or match it, as a regular expression).")
        regex = row[5].toggle("Regex", key=f"{P}_regex")
        more = st.columns([1.1, 1.1, 1.1, 2.4], vertical_alignment="center")
        with more[0].popover("Parameters", icon=":material/tune:", width="stretch"):
            reducer = controls.reducers()[method]
            st.caption(getattr(reducer, "description", "") or "")
            params = controls.param_widgets(method, P)
        with more[1].popover("Sampling", icon=":material/filter_alt:", width="stretch"):
            sample = _sampling_controls(full, method)
        with more[2].popover("Neighbours", icon=":material/hub:", width="stretch"):
            k = st.slider("How many neighbours", 1, 50, 10, key=f"{P}_k")
        pins = more[3].text_input("Highlight words", key=f"{P}_pins", placeholder="comma-separated, e.g. red, green, blue",
                                  label_visibility="collapsed")
    return dict(method=method, dims=3 if dims == "3-D" else 2, color=color, labels=int(labels or 0),
                query=(query or "").strip(), regex=bool(regex), params=params, sample=sample, k=k,
                pins=[w.strip() for w in (pins or "").split(",") if w.strip()])


def _sampling_controls(full: Embeddings, method: str) -> dict:
    default_limit = DEFAULT_LIMIT.get(method, OTHER_LIMIT)
    st.caption(f"Above the limit the map shows a sample and says so. Default limit for "
               f"{controls.method_label(method)}: {default_limit:,} points.")
    limit = st.number_input("Most points drawn", 100, 200_000, default_limit, step=1000,
                            key=f"{P}_limit_{method}")
    cats = [c for c in full.metadata.columns if full.metadata[c].nunique() <= 200]
    how = st.radio("How", list(SAMPLING), format_func=SAMPLING.get, key=f"{P}_sample_how", horizontal=True)
    by = None
    if how == "stratified":
        if cats:
            by = st.selectbox("Column", cats, key=f"{P}_sample_by")
        else:
            st.info("No categorical metadata column to stratify by; using a random sample.")
            how = "random"
    return dict(limit=int(limit), how=how, by=by)


def _isolated(full: Embeddings) -> Embeddings:
    keys = st.session_state.get(f"{P}_isolate")
    if not keys:
        return full
    keys = [k for k in keys if k in full]
    if len(keys) < 3:
        st.session_state.pop(f"{P}_isolate", None)
        return full
    return _subset(full, tuple(keys))


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=common.HASH)
def _subset(full: Embeddings, keys: tuple) -> Embeddings:
    return full.subset(list(keys))


@st.cache_resource(show_spinner=False, max_entries=8, hash_funcs=common.HASH)
def _sampled(emb: Embeddings, n: int, how: str, by: str | None) -> Embeddings:
    return emb.sample(n, method=how, by=by, seed=0)


def _sample(emb: Embeddings, c: dict) -> tuple[Embeddings, str]:
    s = c["sample"]
    if len(emb) <= s["limit"]:
        return emb, ""
    small = _sampled(emb, s["limit"], s["how"], s["by"])
    how = SAMPLING[s["how"]] + (f" {s['by']!r}" if s["by"] else "")
    return small, f"Sample: {len(small):,} of {len(emb):,} points ({how})"


# -- search and colour ------------------------------------------------------------------------------
def _search(full: Embeddings, emb: Embeddings, c: dict) -> dict:
    """Rows to highlight, the query row and its neighbours (found in the full, original space)."""
    out = dict(matches=np.array([], dtype=np.int64), query=None, neighbors=[], drawn=[], message=None)
    q = c["query"]
    if q and not c["regex"] and q in full:
        out["neighbors"] = full.most_similar(q, topn=c["k"])
        if q in emb:
            out["query"] = emb.index(q)
            out["drawn"] = [emb.key_to_index[w] for w, _ in out["neighbors"] if w in emb.key_to_index]
        return out
    if q:
        out["matches"], out["message"] = _matches(emb, full, q, c["regex"])
    return out


@st.cache_data(show_spinner=False, max_entries=64, hash_funcs=common.HASH)
def _matches(emb: Embeddings, full: Embeddings, q: str, regex: bool) -> tuple[np.ndarray, tuple | None]:
    """Rows of ``emb`` whose key contains ``q`` (or matches it as a regular expression, within a
    time budget — see :mod:`embviz.search`), and the message to show."""
    try:
        found = find_keys(emb.keys, q, regex=regex, limit=MAX_MATCHES)
    except EmbvizError as exc:
        return np.array([], dtype=np.int64), ("error", text.md(exc))
    shown = text.md(q, 60)
    if regex:
        if found.timed_out:
            return found.indices, ("warning", f"The pattern {shown} took too long; stopped after "
                                   f"{found.total:,} matches. A simpler pattern (or plain text) is faster.")
        if not found.total:
            return found.indices, ("info", f"No word matches the pattern {shown}.")
        more = f"; the first {MAX_MATCHES:,} are highlighted" if found.truncated else ""
        return found.indices, ("success", f"{found.total:,} words match {shown}{more}.")
    try:
        full.index(q)
        hint = ""
    except UnknownKeyError as exc:
        hint = (text.md(exc) + ". ") if exc.suggestions else f"{shown} is not a word in this set. "
    if not found.total:
        return found.indices, ("warning", hint + f"No word contains {shown}.")
    more = f" (the first {MAX_MATCHES:,} shown)" if found.truncated else ""
    return found.indices, ("info", hint + f"{found.total:,} words contain {shown}{more}.")


def _pins(full: Embeddings, emb: Embeddings, words: list[str]) -> tuple[np.ndarray, list[str]]:
    rows, problems = [], []
    for w in words:
        if w in emb.key_to_index:
            rows.append(emb.key_to_index[w])
        else:
            try:
                full.index(w)
                problems.append(f"{w!r} is not among the points drawn (sampled out)")
            except UnknownKeyError as exc:
                problems.append(str(exc))
    return np.array(rows, dtype=np.int64), problems


def _color(emb: Embeddings, proj, c: dict):
    choice = c["color"]
    if choice == NONE:
        return None, ""
    try:
        if choice == CLUSTER:
            labels, names = common.clusters(emb, "kmeans", k=12)
            return np.array([names.get(int(l), f"cluster {l}") for l in labels], dtype=object), "cluster"
        if choice == DISTORTION:
            with st.spinner("Measuring how well each point's neighbours survive…"):
                q = common.per_point_quality(emb, common.projection_id(proj), proj, k=10)
            return q, "neighbours kept"
    except Exception as exc:  # noqa: BLE001 — colouring is optional: say why and draw plain
        common.show_error(exc)
        return None, ""
    values = emb.metadata[choice].to_numpy()
    return values, choice


# -- drawing ---------------------------------------------------------------------------------------
def _title(emb: Embeddings, proj) -> str:
    ev = getattr(proj, "explained_variance", None)
    extra = ""
    if ev is not None and len(ev):
        extra = f" · {float(np.sum(ev)) * 100:.0f}% of variance"
    return f"{emb.name or 'Embeddings'} · {controls.method_label(proj.method)} {proj.dims}-D{extra}"


def _draw(full: Embeddings, emb: Embeddings, proj, c: dict, note: str, on_air: bool):
    found = _search(full, emb, c)
    pins, pin_problems = _pins(full, emb, c["pins"])
    highlight = np.unique(np.concatenate([found["matches"], pins])) if pins.size else found["matches"]
    color, color_name = _color(emb, proj, c)
    order = common.frequency_order(emb)
    labels = order[: c["labels"]]
    fig = scatter(proj.coords, emb.keys, color=color, color_name=color_name, hover=common.hover_text(emb),
                  labels=labels, highlight=highlight, query=found["query"], neighbors=found["drawn"],
                  title=_title(emb, proj), note=note, present=on_air,
                  axis_titles=_axis_titles(proj))
    fig = present.sized(fig)  # presenting: the screen's height, large type
    if not on_air:
        _search_messages(found, pin_problems, c)
    if on_air:
        chart_col, side = st.container(), None
    else:
        chart_col, side = st.columns([3.2, 1], gap="medium")
    with chart_col:
        _chart(fig, proj.dims == 2, f"{P}_chart", emb)
    if side is not None:
        with side:
            _neighbour_panel(found, c, emb, full)
    if proj.dims == 3 and not on_air:
        _linked_2d(emb, proj, c, highlight, found)
    if not on_air:
        _selection_panel(full, emb)
        _export_panel(fig, emb, proj, c)
    return fig


def _axis_titles(proj):
    if proj.method == "axes":
        return [str(proj.params.get(a, "")) for a in ("x", "y", "z")[: proj.dims]]
    if proj.method == "pca":
        ev = getattr(proj, "explained_variance", None)
        if ev is not None and len(ev) >= proj.dims:
            return [f"PC{i + 1} ({v * 100:.1f}%)" for i, v in enumerate(ev[: proj.dims])]
    return None


def _search_messages(found: dict, pin_problems: list[str], c: dict) -> None:
    if found["message"]:
        kind, message = found["message"]
        getattr(st, kind)(message)  # built from text.md() pieces in _matches
    if pin_problems:
        st.warning(text.md("Highlight words: " + "; ".join(pin_problems)))


def _chart(fig, selectable: bool, key: str, emb: Embeddings) -> None:
    config = dict(export.MODEBAR_CONFIG)
    if not selectable:
        st.plotly_chart(fig, key=key, width="stretch", config=config)
        return
    st.session_state[f"{key}_rows"] = trace_rows(fig)
    st.session_state[f"{key}_keys"] = emb.keys
    event = st.plotly_chart(fig, key=key, width="stretch", config=config, on_select=partial(_on_select, key),
                            selection_mode=("points", "box", "lasso"))
    sel = _selection_of(event)
    if sel and sel.get("points"):
        keys = _rows_to_keys(key, sel)
        if keys:
            st.session_state[f"{P}_selected"] = keys


def _selection_of(event):
    if event is None:
        return None
    try:
        return event["selection"]
    except (KeyError, TypeError):
        return getattr(event, "selection", None)


def _rows_to_keys(key: str, sel) -> list[str]:
    rows = selected_rows(dict(sel), st.session_state.get(f"{key}_rows") or [])
    keys = st.session_state.get(f"{key}_keys") or []
    return [keys[i] for i in rows if i < len(keys)]


def _on_select(key: str) -> None:
    """A click on one point searches it; a box or lasso selects; an empty selection clears."""
    sel = _selection_of(st.session_state.get(key)) or {}
    points = sel.get("points") or []
    box, lasso = sel.get("box") or [], sel.get("lasso") or []
    keys = _rows_to_keys(key, sel)
    if len(keys) == 1 and not box and not lasso:
        st.session_state[f"{P}_query"] = keys[0]
        st.session_state[f"{P}_regex"] = False
        return
    st.session_state[f"{P}_selected"] = keys if points else []


def _neighbour_panel(found: dict, c: dict, emb: Embeddings, full: Embeddings) -> None:
    if found["neighbors"]:
        st.markdown(f"#### Nearest to **{text.md(c['query'])}**")
        df = pd.DataFrame(found["neighbors"], columns=["word", "cosine"])
        st.dataframe(df, hide_index=True, width="stretch", height=min(38 + 35 * len(df), 420),
                     column_config={"cosine": st.column_config.NumberColumn("cosine", format="%.3f")})
        missing = len(found["neighbors"]) - len(found["drawn"])
        if found["query"] is None:
            st.caption(f"{text.md(repr(c['query']))} is not among the points drawn (sampled out); neighbours listed only.")
        elif missing:
            st.caption(f"{missing} of these are not among the points drawn.")
        st.caption("Similarity is measured in the original space; on the map, close is only roughly close.")
    else:
        st.markdown("#### Neighbours")
        st.caption("Search a word, or click a point, to list its nearest neighbours here and draw "
                   "them on the map. Drag a box or lasso to select a region.")
        sample = [k for k in ("king", "paris", "happy", "river", "music") if k in full]
        if sample:
            st.caption("Try: " + ", ".join(f"`{w}`" for w in sample))


def _linked_2d(emb: Embeddings, proj, c: dict, highlight, found) -> None:
    st.info("3-D charts cannot send selections to the app. Use the linked 2-D view (the first two "
            "axes of this projection) to select points with a box or lasso.", icon=":material/info:")
    if st.toggle("Show the linked 2-D view", key=f"{P}_linked"):
        fig2 = scatter(proj.coords[:, :2], emb.keys, hover=common.hover_text(emb), highlight=highlight,
                       query=found["query"], neighbors=found["drawn"], height=480,
                       title="Linked 2-D view (axes 1 and 2)")
        _chart(fig2, True, f"{P}_chart2d", emb)


def _selection_panel(full: Embeddings, emb: Embeddings) -> None:
    keys = st.session_state.get(f"{P}_selected") or []
    isolated = st.session_state.get(f"{P}_isolate")
    if not keys and not isolated:
        return
    st.markdown(f"#### Selection · {len(keys):,} words")
    cols = st.columns([1, 1, 1, 3])
    if keys:
        if cols[0].button("Isolate and re-project", icon=":material/center_focus_strong:", key=f"{P}_isolate_btn",
                          disabled=len(keys) < 3, help="Project only the selected words (at least 3)."):
            st.session_state[f"{P}_isolate"] = list(keys)
            st.session_state[f"{P}_selected"] = []
            st.rerun()
        if cols[1].button("Clear selection", key=f"{P}_clear_sel"):
            st.session_state[f"{P}_selected"] = []
            st.rerun()
    if isolated and cols[2].button("Back to all points", icon=":material/zoom_out_map:", key=f"{P}_unisolate"):
        st.session_state.pop(f"{P}_isolate", None)
        st.rerun()
    if keys:
        present_keys = [k for k in keys if k in full]
        table = full.metadata.iloc[full.indices(present_keys[:5000])].copy() if present_keys else pd.DataFrame()
        table.insert(0, "word", present_keys[:5000])
        st.dataframe(table, hide_index=True, width="stretch", height=260)
        st.download_button("Selection as CSV", lambda t=table: export.to_csv(t), "selection.csv", "text/csv",
                           key=f"{P}_dl_sel", icon=":material/download:", on_click="ignore")


def _export_panel(fig, emb: Embeddings, proj, c: dict) -> None:
    with st.expander("Export and share", icon=":material/ios_share:"):
        df_fn = lambda: export.coordinates_frame(proj.coords, emb.keys, emb.metadata)  # noqa: E731
        base = f"{(emb.name or 'embeddings').replace(' ', '_')}_{proj.method}_{proj.dims}d"
        cols = st.columns(3)
        cols[0].markdown("**Coordinates**")
        cols[0].download_button("CSV", lambda: export.to_csv(df_fn()), f"{base}.csv", "text/csv",
                                key=f"{P}_dl_csv", on_click="ignore", width="stretch")
        cols[0].download_button("Parquet", lambda: export.to_parquet(df_fn()), f"{base}.parquet",
                                "application/octet-stream", key=f"{P}_dl_parquet", on_click="ignore",
                                width="stretch")
        cols[0].download_button("TF projector (TSV pair, zipped)", lambda: export.to_projector_zip(df_fn()),
                                f"{base}_projector.zip", "application/zip", key=f"{P}_dl_tsv",
                                on_click="ignore", width="stretch")
        cols[1].markdown("**Figure**")
        cols[1].download_button("Interactive HTML (works offline)", lambda: export.figure_html(fig),
                                f"{base}.html", "text/html", key=f"{P}_dl_html", on_click="ignore",
                                width="stretch")
        if export.image_available():
            cols[1].download_button("PNG (1920×1080)", lambda: export.figure_image(fig, "png", 1920, 1080),
                                    f"{base}.png", "image/png", key=f"{P}_dl_png", on_click="ignore",
                                    width="stretch")
            cols[1].download_button("SVG", lambda: export.figure_image(fig, "svg", 1600, 1000), f"{base}.svg",
                                    "image/svg+xml", key=f"{P}_dl_svg", on_click="ignore", width="stretch")
        else:
            cols[1].caption("PNG/SVG need kaleido and Chromium; the camera button on the chart saves a PNG.")
        cols[2].markdown("**Share and keep**")
        cols[2].caption("The address bar holds this view (data, method, parameters, search, colour): "
                        "copy the link to share it. Saved views keep several.")
        _saved_views(cols[2], c)


def _saved_views(box, c: dict) -> None:
    """Saved views are slides of the session's deck (the Deck page reorders, presents, downloads)."""
    with box:
        present.save_view_button(P, current_view(c))
        n = len(slideshow.deck())
        st.caption(f"{n} slide{'s' * (n != 1)} in the deck. Reorder, present, download or open a deck file "
                   "on the Deck page.")
