"""The Analogies page's Directions tab: formula axes, and what removing a direction (gender, or any
expression) does to analogies and neighbours — with the debiased table usable on every page."""
from __future__ import annotations

import numpy as np
import streamlit as st

from embviz import Embeddings
from embviz.app import common, text
from embviz.directions import GENDER_PAIRS, compare_analogies, compare_neighbours, remove_direction

P = "analogies"
MAP_SIZE = 3_000


def render(emb: Embeddings, map_subset) -> None:
    st.markdown(
        "**Formula axes.** Place every word by its cosine with two directions you write as "
        "expressions — the axes mean something, unlike PCA, t-SNE or UMAP."
    )
    c = st.columns([1, 1, 1])
    x = c[0].text_input("x axis", "woman - man", key=f"{P}_axis_x")
    y = c[1].text_input("y axis", "big - small", key=f"{P}_axis_y")
    pins = c[2].text_input(
        "Highlight words", "king, queen, giant, tiny, actress, actor", key=f"{P}_axis_pins"
    )
    words = [w.strip() for w in pins.split(",") if w.strip()]
    sub = map_subset(emb, tuple(w for w in words if w in emb))
    try:
        proj = common.cached_projection(sub, "axes", 2, x=x, y=y)
        from embviz.figures.scatter import scatter

        missing = [w for w in words if w not in sub.key_to_index]  # not in the vocabulary at all
        rows = [sub.key_to_index[w] for w in words if w in sub.key_to_index]
        ends = np.unique(
            np.concatenate([np.argsort(proj.coords[:, i])[[0, 1, 2, 3, -4, -3, -2, -1]] for i in (0, 1)])
        )
        fig = scatter(
            proj.coords,
            sub.keys,
            hover=common.hover_text(sub),
            labels=ends,
            highlight=rows,
            axis_titles=[x, y],
            title=f"The {MAP_SIZE:,} most frequent words (and yours) on formula axes",
            height=520,
        )
        st.plotly_chart(fig, key=f"{P}_axes_chart", width="stretch")
        if missing:
            st.warning(text.md("Not in the vocabulary: " + ", ".join(missing)))
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)
    st.divider()
    st.markdown(
        "**Remove a direction.** Project a direction (for example gender) out of every vector "
        "and see which analogies and neighbourhoods depended on it."
    )
    c = st.columns([1.4, 1.6, 1.6])
    spec = c[0].text_input(
        "Direction",
        "gender (10 word pairs)",
        key=f"{P}_remove",
        help="'gender (10 word pairs)' averages woman−man, she−he, … ; or write an expression.",
    )
    queries = c[1].text_area(
        "Analogies",
        "king - man + woman\nfather - man + woman\nactor - he + she\nparis - france + italy",
        key=f"{P}_remove_queries",
        height=110,
    )
    words = c[2].text_input("Neighbours of", "queen, nurse, doctor, engineer", key=f"{P}_remove_words")
    try:
        flat = _removed(emb, spec.strip())
        qs = [q.strip() for q in queries.splitlines() if q.strip()]
        st.dataframe(
            compare_analogies(emb, flat, qs), hide_index=True, width="stretch", key=f"{P}_remove_analogies"
        )
        ws = [w.strip() for w in words.split(",") if w.strip()]
        st.dataframe(
            compare_neighbours(emb, flat, ws, topn=10),
            hide_index=True,
            width="stretch",
            key=f"{P}_remove_neighbours",
            column_config={
                "kept": st.column_config.ProgressColumn("kept", min_value=0, max_value=1, format="percent")
            },
        )
        label = f"{emb.name or 'table'} without {spec.strip()[:40]}"
        st.button("Use the table without this direction on every page", key=f"{P}_use_removed",
                  icon=":material/public:", on_click=common.use_everywhere, args=(flat, "debiased", label),
                  help="Adds it to the sidebar ('Made in this session') and makes it the data of "
                       "every page, so its map, clusters and benchmarks can be compared.")
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=common.HASH)
def _removed(emb: Embeddings, spec: str) -> Embeddings:
    return remove_direction(emb, GENDER_PAIRS if spec.startswith("gender") else spec)
