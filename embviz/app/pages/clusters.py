"""Clusters: groups of meaning on the map of every word, named, and judged against chance.

The default groups are the islands of the t-SNE map (HDBSCAN on the map, leaf selection), named
by frequent central members; only compact islands are shaded. Other groupings (k-means, HDBSCAN,
agglomerative on the vectors) are judged the same way (:mod:`embviz.groupscore`): silhouette in
the original space, category purity against random groups of the same sizes, map agreement.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from embviz import Embeddings, mapview
from embviz.app import clusterwork, common, controls, export, mapchart, mapdata, present, text
from embviz.app.served import served
from embviz.clustering import CLUSTERERS, Clustering, default_min_cluster_size
from embviz.figures.clusters import cluster_map, cluster_strength
from embviz.labels import MIN_WIDTH
from embviz.layout import plan_map
from embviz.reduce.base import REDUCERS, map_methods

P = "clusters"
FIRST_MAPS = ("tsne", "umap", "pca")  # the maps' order in the menu; every other registered map follows
MAP_SAMPLE = 5_000   # maps that must be computed draw a random sample of this many words
STRENGTH_ROWS = 30   # the strength chart shows the largest groups


def _view_keys() -> dict:
    """What a saved view of this page stores: widget name -> kind (type, choices or (low, high))."""
    return {"method": tuple(clusterwork.methods()), "island_size": (5, 10**6), "island_samples": (1, 10**6),
            "projection": tuple(map_methods(FIRST_MAPS)), "dims": (2, 3), "map_points": (500, 10**7), "selected": int,
            **clusterwork.view_keys(P)}


VIEW_KEYS = _view_keys()  # brought up to date with the registries on every run of the page


def render() -> None:
    present.title("Clusters", "Words used alike form neighbourhoods. Here they are found — as islands on the map, "
                  "or as clusters of the vectors — named by their frequent central words, and judged against "
                  "chance: are the groups about one kind of thing, and does the map keep them together?")
    full = common.active_embeddings()
    if len(full) < 12:
        st.info(f"Finding groups needs at least 12 points; this table has {len(full)}.", icon=":material/info:")
        return
    controls_box = present.controls()
    with controls_box:
        c = _controls(full)
        present.save_view_button(P)
    try:
        emb, flat, drawn, note = clusterwork.maps(full, c["map"], c["dims"], c["n_map"])
        result = clusterwork.with_renames(clusterwork.grouping(full, emb, flat, c["method"], c["params"]), P)
        labels = clusterwork.on_map(full, emb, result)
        regions, region_of = clusterwork.regions(emb, flat.coords, labels)
        scores = clusterwork.scores(emb, labels, flat.coords)
    except Exception as exc:  # noqa: BLE001 — bad parameters: say so, keep the page
        common.show_error(exc)
        return
    names = clusterwork.names(result, regions, region_of, P)
    if not present.is_on():  # a projector shows the map alone
        _summary(result, scores, c)
    map_box = st.container()  # the map comes first on screen, but needs the choice made below it
    with controls_box if present.is_on() else st.container():
        selected = _selected(result, names)
    with map_box:
        width = mapchart.chart_width(f"{P}_width") or MIN_WIDTH
        fig = present.sized(_figure(emb, drawn, regions, region_of, names, selected, note, c, width))
        st.plotly_chart(served(fig), key=f"{P}_map", width="stretch", config=dict(export.MODEBAR_CONFIG))
        if present.is_on():
            return
        st.caption("Shaded: compact islands (at least twice as dense as the map). Click a legend entry to show that "
                   "group alone; double-click to bring the rest back.")
    with st.expander("How many groups? What the silhouette says", expanded=c["method"] == "kmeans"):
        st.markdown(clusterwork.k_note(full))
    _tables(result, names, scores, selected)
    _rename_box(result, names, selected)
    _export(result, labels, names, emb, drawn)


# -- controls -------------------------------------------------------------------------------------
def _controls(full: Embeddings) -> dict[str, Any]:
    _forget_sizes_of_another_table(full)
    VIEW_KEYS.update(_view_keys())
    clusterwork.adopt_saved_names(P)
    methods, maps = clusterwork.methods(), map_methods(FIRST_MAPS)
    for key, options in ((f"{P}_method", methods), (f"{P}_projection", maps)):
        if st.session_state.get(key) not in (None, *options):  # a method no longer registered
            del st.session_state[key]
    row = st.columns([1.6, 1, 1, 1.3, 0.7], vertical_alignment="bottom")
    method = row[0].selectbox("Groups", list(methods), format_func=methods.get, key=f"{P}_method",
                              help="Islands: dense groups on the map itself (the picture's neighbourhoods, judged on "
                              "the vectors below). The others cluster the vectors.")
    mrow = st.columns([1, 4])
    params = _method_params(method, len(full), row[1], row[2])
    first = mapdata.first_method(full)[0]  # the table's first map (PCA for tiny or 1-D tables)
    cheap = next((m for m in maps if REDUCERS[m].inline), maps[0])
    map_method = row[3].segmented_control("Map", maps, format_func=controls.method_label, key=f"{P}_projection",
                                          default=first if first in maps else cheap, required=True)
    dims = row[4].segmented_control("View", [2, 3], default=2, key=f"{P}_dims", required=True,
                                    format_func=lambda d: f"{d}-D")
    whole = mapdata.whole_map(full, map_method, 2, {}) is not None
    n_map, label = len(full), controls.method_label(map_method)
    if not whole and len(full) > MAP_SAMPLE and not REDUCERS[map_method].inline:
        n_map = mrow[0].number_input("Words on the map", 500, len(full), MAP_SAMPLE, step=500, key=f"{P}_map_points",
                                     help=f"{label} of this table is computed on a random sample.")
    if method == clusterwork.ISLANDS:
        mrow[1].caption(f"Islands are found on the 2-D {label} map: they describe the picture. The "
                        "silhouette and purity below judge them on the vectors.")
    else:
        mrow[1].caption("Clustering the **original vectors** (cosine); the map only shows where the groups land.")
    return {"method": method, "params": params, "map": map_method, "dims": int(dims or 2), "n_map": int(n_map)}


def _forget_sizes_of_another_table(full: Embeddings) -> None:
    """Sizes chosen for one table (50 words an island, on 20,000) mean nothing on another (300
    words): a new table starts from its own defaults."""
    ss, seen = st.session_state, f"{P}_table"
    if ss.get(seen) not in (None, full.fingerprint()):
        for name in [k for k in ss if k.startswith(f"{P}_p_")] + [f"{P}_island_size", f"{P}_island_samples",
                                                                 f"{P}_map_points"]:
            ss.pop(name, None)
    ss[seen] = full.fingerprint()


def _method_params(method: str, n: int, a, b) -> dict[str, Any]:
    if method == clusterwork.ISLANDS:
        mcs = a.number_input("Min island size", 5, max(5, n // 4), min(default_min_cluster_size(n), max(5, n // 4)),
                             key=f"{P}_island_size", help="The fewest words that make an island.")
        ms = b.number_input("Min samples", 1, max(1, n - 1), min(10, int(mcs), n - 1), key=f"{P}_island_samples",
                            help="How dense a neighbourhood must be. Higher: fewer, denser islands.")
        return {"min_cluster_size": int(mcs), "min_samples": int(ms)}
    cls = CLUSTERERS[method]  # its parameters from the registry's specs (bounds, help, "auto" as a value)
    boxes = [a, b, st.expander(f"More {cls.menu or cls.label} parameters")] if len(cls.PARAMS) > 2 else [a, b]
    return controls.spec_widgets(cls.PARAMS, P, method, cls.label, boxes, start=cls.starting(n))


# -- what the reader sees --------------------------------------------------------------------------
def _summary(result: Clustering, s, c: dict) -> None:
    cols = st.columns(5)
    cols[0].metric("Groups", f"{s.groups}", help=clusterwork.params_text(result))
    cols[1].metric("Words in a group", f"{s.coverage:.0%}", help="The rest is in no dense group (noise).")
    sil = "—" if s.silhouette is None else f"{s.silhouette:.3f}"
    cols[2].metric("Silhouette (vectors)", sil, help="Cosine, in the original space, on "
                   f"{s.silhouette_n:,} grouped words: above 0.5 is a strong structure, near 0 means groups blend.")
    if s.purity is not None:
        cols[3].metric(f"{s.category} purity", f"{s.purity:.2f}", delta=f"{s.ratio:.1f}× random groups",
                       help=f"Share of each group in its most common {s.category}, weighted by size; groups of the "
                            f"same sizes drawn at random get {s.random_purity:.2f}.")
    if s.agreement is not None:
        cols[4].metric("Map agreement", f"{s.agreement:.0%}", delta=f"{s.chance:.1%} on a random map",
                       delta_color="off",
                       help="Share of each grouped word's 10 nearest neighbours on the map that are in its own "
                            f"group. A map with points placed at random would score {s.chance:.0%}.")
    if result.params.get("k_auto"):
        k_scores = ", ".join(f"k={k}: {v:.3f}" for k, v in result.params["k_scores"].items())
        st.caption(f"k chosen by silhouette on a sample of {result.sampled.get('k_choice', len(result.labels)):,} "
                   f"words: {k_scores}.")


def _selected(result: Clustering, names: dict[int, str]) -> int | None:
    options = [None, *sorted(result.sizes)]
    key = f"{P}_selected"
    if st.session_state.get(key) not in options:
        st.session_state[key] = None
    return st.selectbox("Look at one group", options, key=key, help="Dims every other group on the map.",
                        format_func=lambda g: "— all groups —" if g is None else f"{g}: {names[g]} ({result.sizes[g]:,})")


def _figure(emb, drawn, regions, region_of, names, selected, note, c, width):
    """The map: one colour per group, compact islands shaded, names placed without overlaps."""
    labels = np.asarray(regions.labels)
    by_region = {r: names[g] for g, r in region_of.items()}
    focus = region_of.get(selected) if selected is not None else None
    title = f"{clusterwork.methods()[c['method']]} · {controls.method_label(c['map'])} {c['dims']}-D"
    if drawn.dims == 3:
        return cluster_map(drawn.coords, emb.keys, labels, by_region, selected=focus, note=note, title=title)
    legend = [f"{by_region[r]} ({int(n):,})" for r, n in enumerate(regions.sizes)]
    legend += [f"noise ({int(np.sum(labels < 0)):,})"] if (labels < 0).any() else []
    named = mapview.renamed_regions(regions, by_region)
    members = []
    if focus is not None:  # one group: only its name, and its most frequent members labelled
        named = mapview.only_region(named, focus)
        order = mapview.frequency_order(emb)
        members = order[labels[order] == focus][:15]
        title += f" · {by_region[focus]}"
    on_air = present.is_on()  # presenting: the screen's height, large type, no legend (names are on the map)
    plan = plan_map(drawn.coords, emb.keys, title=title, note=note, width=width, legend_texts=() if on_air else legend,
                    present=on_air, height=present.figure_height() if on_air else 640, regions=named,
                    highlight=members, n_words=0)
    return cluster_map(drawn.coords, emb.keys, labels, by_region, selected=focus, note=note, title=title,
                       regions=regions, plan=plan, legend=not on_air)


def _tables(result: Clustering, names: dict[int, str], s, selected: int | None) -> None:
    table = result.table(preview=10)
    table["name"] = table["label"].map(lambda g: names.get(int(g), "noise"))
    table.insert(4, "map agreement", table["label"].map(s.per_group_agreement))
    left, right = st.columns([3, 2])
    with left:
        st.markdown("#### Groups")
        st.dataframe(table, key=f"{P}_table", hide_index=True, width="stretch",
                     column_config={"silhouette": st.column_config.NumberColumn(format="%.3f"),
                                    "map agreement": st.column_config.ProgressColumn(min_value=0, max_value=1,
                                                                                     format="percent")})
        st.caption("silhouette: in the space the groups were found in (the map, for islands).")
    with right:
        st.markdown("#### How strong is each group?")
        top = sorted(result.sizes, key=lambda g: -result.sizes[g])[:STRENGTH_ROWS]
        fig = cluster_strength({g: names[g] for g in top}, result.cluster_silhouette, s.per_group_agreement,
                               chance=s.chance, height=360 if len(top) <= 8 else None)
        st.plotly_chart(fig, key=f"{P}_strength", width="stretch", config={"displaylogo": False})
        if len(result.sizes) > STRENGTH_ROWS:
            st.caption(f"The {STRENGTH_ROWS} largest of {len(result.sizes)} groups.")
    if selected is not None:
        st.markdown(f"#### Members of **{text.md(names[selected])}**")
        rows = np.flatnonzero(result.labels == selected)
        members = pd.DataFrame({"word": [result.keys[i] for i in rows], "closeness to centre": result.centrality[rows]})
        members = members.sort_values("closeness to centre", ascending=False, kind="stable")
        st.dataframe(members, key=f"{P}_members", hide_index=True, width="stretch", height=300,
                     column_config={"closeness to centre": st.column_config.NumberColumn(format="%.3f")})


def _rename_box(result: Clustering, names: dict[int, str], selected: int | None) -> None:
    if selected is None:
        return
    with st.form(f"{P}_rename_form", border=False):
        row = st.columns([3, 1])
        name = row[0].text_input("Rename this group", value=names[selected], key=f"{P}_rename")
        if row[1].form_submit_button("Rename", key=f"{P}_rename_apply"):
            try:
                clusterwork.save_rename(result, P, selected, name)
            except Exception as exc:  # noqa: BLE001
                common.show_error(exc)
                return
            st.rerun()


def _export(result: Clustering, labels: np.ndarray, names: dict[int, str], emb: Embeddings, proj) -> None:
    with st.expander("Export labels with coordinates"):
        def frame() -> bytes:
            df = pd.DataFrame({"key": emb.keys, "label": labels, "group": [names.get(int(v), "noise") for v in labels]})
            for j, axis in enumerate("xyz"[: proj.coords.shape[1]]):
                df[axis] = proj.coords[:, j]
            return export.to_csv(df)

        st.download_button("Labels + coordinates (CSV)", frame, "clusters.csv", "text/csv", key=f"{P}_download",
                           on_click="ignore")
