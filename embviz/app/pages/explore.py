"""Explore: the embedding map — named regions, placed labels, colour, search, neighbours, selection.

The first map of the bundled table is the shipped t-SNE map of all its words (nothing computed);
other tables get their first map computed once and kept by content. What the map shows is decided
in :mod:`embviz.mapview`; this page lays out the widgets and calls it.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from embviz import Embeddings, mapview
from embviz.app import common, jobs, mapchart, mapdata, placing, present, sharing
from embviz.app.explore_controls import (
    DRAGMODE,
    SAMPLING,
    P,
    apply_url_once,
    apply_view,  # noqa: F401  (presentation mode applies saved views)
    current_view,
    drag_widget,
    sync_url,
    url_messages,
    widgets,
)
from embviz.labels import MIN_WIDTH


def render() -> None:
    full = common.active_embeddings()
    apply_url_once(full)
    on_air = present.is_on()
    save_box = None
    if on_air:
        present.exit_button(f"{P}_exit")
    else:
        head, save_box = st.columns([4.6, 1.4], vertical_alignment="bottom")
        head.title("Explore")
        st.caption("Every word is a point: words used alike sit close together, and the islands they form are "
                   "named. Colour by what you know about the words, search a word to see its nearest neighbours "
                   "— measured in the original space, not on the picture — and drag in zoom mode to read a region.")
        url_messages()
    if len(full) < 3:
        _too_small(full)
        return None
    c = widgets(full, on_air)
    if save_box is not None:  # there before the map is computed: a view is its settings
        with save_box:
            present.save_view_button(P, current_view(c))
    emb = _isolated(full)
    keep = mapview.keep_keys(full, c["query"], regex=c["regex"], k=c["k"], pins=c["pins"])
    s = c["sample"]
    emb, base, note = mapdata.sample(emb, s["limit"], s["how"], s["by"], keep, SAMPLING)
    chart_col, side = (st.container(), None) if on_air else st.columns([3.2, 1], gap="medium")
    with chart_col:
        width = mapchart.chart_width(f"{P}_width")
        waiting, slot = st.container(), st.empty()
    proj = _project(full, emb, base, c, waiting, slot)
    if proj is None:
        return None
    if getattr(proj, "stopped", False):
        note = (note + " · " if note else "") + "Stopped: the layout when Stop was pressed"
    if proj.extra.get("placed"):
        note += f" + {len(proj.extra['placed'])} searched or highlighted words placed on its map"
    plain = c["dims"] == 2 and not c["query"] and not c["pins"]  # a view a link restores is drawn whole
    if plain and width is None and mapchart.in_browser() and not st.session_state.get(f"{P}_drawn"):
        # A session's first run: the map's shape from a light sample at once; the whole map with its
        # labels follows as soon as the browser has said how wide the chart is (next run).
        st.session_state[f"{P}_drawn"] = True
        slot.plotly_chart(mapview.draw(mapview.preview(emb, proj)), key=f"{P}_first", width="stretch")
        return None
    found = _search(full, emb, c["query"], c["regex"], c["k"])
    pins, pin_problems = mapview.pin_rows(full, emb, c["pins"])
    view = mapchart.view_window(P, (full.fingerprint(), common.projection_id(proj))) if proj.dims == 2 else None
    height = present.figure_height() if on_air else int(min(760, max(640, 0.75 * (width or MIN_WIDTH))))
    present_size = present.viewport() if on_air else None
    overlay = None if on_air else placing.current(full, proj)
    spec = None
    regions = mapdata.regions(full, emb, proj, c["params"], base, wait=False)
    if regions is mapdata.PENDING:  # a new map: drawn at once, named when its regions are found
        slot.plotly_chart(present.sized(mapview.draw(mapview.map_spec(
            emb, proj, n_words=0, found=found, highlight=pins, title=mapview.title(emb, proj), note=note,
            width=width or MIN_WIDTH, height=height, axis_titles=mapview.axis_titles(proj)))),
            key=f"{P}_unnamed", width="stretch")
        with waiting:
            regions = mapdata.regions(full, emb, proj, c["params"], base)

    def build():  # presenting: planned at the screen's height, type >= 20 px
        nonlocal spec
        color, color_name, colors = mapdata.color(full, emb, proj, c["color"], regions, c["params"])
        spec = mapview.map_spec(emb, proj, color=color, colors=colors, color_name=color_name,
                                hover=common.hover_text(emb), regions=regions, found=found, highlight=pins,
                                n_words=c["labels"], title=mapview.title(emb, proj), note=note, present=on_air,
                                width=width or MIN_WIDTH, height=height, view=view, dragmode=DRAGMODE[c["drag"]],
                                axis_titles=mapview.axis_titles(proj), overlay=overlay)
        return present.sized(mapview.draw(spec))

    # the same map for the whole room is drawn once (3-D keeps its spec for the linked 2-D view)
    key = mapchart.figure_key(full, emb, proj, c["color"], c["query"], c["regex"], c["k"], tuple(c["pins"]),
                              c["labels"], note, present_size, width, height, view, c["drag"], c["params"],
                              placing.key(overlay))
    fig = build() if proj.dims == 3 else mapchart.shared_figure(key, build)
    st.session_state[f"{P}_last"] = fig
    with slot.container():
        mapchart.map_chart(fig, mapchart.chart_key(P), emb.keys, P, selectable=proj.dims == 2,
                           zoom=c["drag"] == "zoom")
    if not on_air:
        with chart_col:
            _below_chart(c, view, proj)
            mapchart.search_messages(found, pin_problems)
            placing.panel(full, overlay)
        with side:
            mapchart.neighbour_panel(found, full.key_to_index)
            placing.table(overlay)
            why = mapdata.first_method(full)
            mapchart.faithfulness_panel(mapdata.quality(emb, proj), proj, why[1] if why[0] == proj.method else "")
        if proj.dims == 3:
            _linked_2d(emb, proj, spec)
        _selection_panel(full)
        sharing.export_panel(fig, emb, proj, P)
    sync_url(c)
    return fig


def _project(full: Embeddings, emb: Embeddings, base: Embeddings, c: dict, waiting, slot):
    """The map. While one is computed, the previous map stays on screen under the progress (with
    queue position, time left and Stop), replaced in place by each intermediate layout t-SNE sends."""
    frames = [0]
    if not mapdata.available(full, emb, c["method"], c["dims"], c["params"], base) and f"{P}_last" in st.session_state:
        slot.plotly_chart(st.session_state[f"{P}_last"], key=f"{P}_previous", width="stretch")

    def redraw(coords) -> None:
        frames[0] += 1
        title = f"{emb.name} · {mapview.method_label(c['method'])} · forming the map…"
        slot.plotly_chart(mapview.draw(mapview.layout_spec(emb, coords, title)),
                          key=f"{P}_layout_{frames[0]}", width="stretch")

    with waiting, jobs.layouts(redraw):
        try:
            return mapdata.projection(full, emb, c["method"], c["dims"], c["params"], base)
        except Exception as exc:  # noqa: BLE001 — a bad parameter: say so, draw PCA instead
            common.show_error(exc)
            try:
                return mapdata.projection(full, emb, "pca", c["dims"], {})
            except Exception as exc2:  # noqa: BLE001
                common.show_error(exc2)
                return None


@st.cache_resource(show_spinner=False, max_entries=64, hash_funcs=common.HASH)
def _search(full: Embeddings, emb: Embeddings, q: str, regex: bool, k: int) -> mapview.Found:
    return mapview.search(full, emb, q, regex=regex, k=k)


def _below_chart(c: dict, view, proj) -> None:
    if proj.dims != 2:
        return
    cols = st.columns([2.1, 3.2, 1.2], vertical_alignment="center")
    drag_widget(cols[0])
    if view is not None:
        cols[2].button("Whole map", icon=":material/zoom_out_map:", key=f"{P}_zoom_out", width="stretch",
                       on_click=mapchart.zoom_out, args=(P,))
    tip = {"pan": "Click a point to list its neighbours; drag to move the map.",
           "lasso": "Drag a lasso around words to select them (a click selects in Click mode).",
           "zoom": "Drag a box to zoom into it: the labels are placed again for the window."}[c["drag"]]
    cols[1].caption(tip)


def _too_small(full: Embeddings) -> None:
    st.info(f"A map needs at least 3 points; this table has {len(full)}. Its words and their "
            "similarity are below — load or train a larger table to see a map.", icon=":material/info:")
    if len(full) == 2:
        a, b = full.keys
        st.dataframe(pd.DataFrame({"word": [a, b], "cosine to the other": [full.most_similar(a, 1)[0][1]] * 2}),
                     hide_index=True)
    elif len(full) == 1:
        st.dataframe(pd.DataFrame({"word": full.keys}), hide_index=True)


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


# -- around the map --------------------------------------------------------------------------------
def _linked_2d(emb: Embeddings, proj, spec: mapview.MapSpec) -> None:
    st.info("3-D charts cannot send selections to the app. Use the linked 2-D view (the first two "
            "axes of this projection) to select points with a box or lasso.", icon=":material/info:")
    if st.toggle("Show the linked 2-D view", key=f"{P}_linked"):
        fig2 = mapview.draw(mapview.map_spec(emb, mapview.first_two_axes(proj), hover=spec.hover, highlight=spec.highlight, n_words=0,
                                             title="Linked 2-D view (axes 1 and 2)"))
        mapchart.map_chart(fig2, f"{P}_chart2d", emb.keys, P)


def _selection_panel(full: Embeddings) -> None:
    ss = st.session_state
    keys, isolated = ss.get(f"{P}_selected") or [], ss.get(f"{P}_isolate")
    if not keys and not isolated and not ss.get(f"{P}_clicked"):
        return
    st.markdown(f"#### Selection · {len(keys):,} words" if keys else "#### Selection")
    cols = st.columns([1, 1, 1, 3])
    if keys and cols[0].button("Isolate and re-project", icon=":material/center_focus_strong:", key=f"{P}_isolate_btn",
                               disabled=len(keys) < 3, help="Project only the selected words (at least 3)."):
        ss[f"{P}_isolate"], ss[f"{P}_selected"] = list(keys), []
        st.rerun()
    cols[1].button("Clear selection", key=f"{P}_clear_sel", on_click=mapchart.clear_selection, args=(P,))
    if isolated and cols[2].button("Back to all points", icon=":material/zoom_out_map:", key=f"{P}_unisolate"):
        ss.pop(f"{P}_isolate", None)
        st.rerun()
    if keys:
        mapchart.selection_table(full, keys, P)
