"""Analogies: meaning arithmetic (king − man + woman ≈ queen), seen and checked.

Three tabs: *Solve* (an expression → ranked answers and the parallelogram), *Benchmark* (the Google
analogy set, WordSim-353 and SimLex-999, with the same figures gensim gives) and *Directions*
(formula axes, and what removing a direction does to analogies and neighbours).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import streamlit as st

from embviz import Embeddings
from embviz.analogies import METHODS, solve, triple_of
from embviz.app import benchmark_tab, common, controls, directions_tab, present, text
from embviz.faithfulness import neighbour_comparison
from embviz.figures.analogy import analogy_figure, neighbour_map, parallelogram
from embviz.reduce.base import map_methods
from embviz.reduce.pca import analogy_view

P = "analogies"
EXAMPLES = [
    "king - man + woman",
    "paris - france + italy",
    "walking - walk + swim",
    "man : king :: woman : ?",
    "bigger - big + small",
    "0.5*happy + 0.5*glad",
]
METHOD_LABELS = benchmark_tab.METHOD_LABELS
LOCAL, GLOBAL = "Local PCA", "Frequent-words map"
MAP_SIZE = 3_000
FIRST_MAPS = ("pca", "umap", "tsne")  # the projections' order in the menu; every other registered map follows
# what a saved view of this page stores: widget name -> kind (type, choices or (low, high))
VIEW_KEYS = {"expr": str, "method": tuple(METHODS), "topn": (1, 50), "show_inputs": bool,
             "view": (LOCAL, GLOBAL), "dims": ("2-D", "3-D"), "nn": (0, 30),
             "map_method": tuple(map_methods(FIRST_MAPS))}


def render() -> None:
    present.title(
        "Analogies",
        "Words as vectors let you do arithmetic with meaning: **king − man + woman** lands near "
        "**queen**. Write an expression, see the answers ranked by similarity and the parallelogram "
        "they form, then check on a benchmark how often such arithmetic really works.",
    )
    emb = common.active_embeddings()
    if present.is_on():  # a projector shows the parallelogram; the benchmark stays on the desk
        _solve(emb)
        return
    # only the open tab runs (a visitor who opens the page pays for the answers, not the benchmark)
    solve_tab, bench_tab, dir_tab = st.tabs(["Solve", "Benchmark", "Directions"], key=f"{P}_tab", on_change="rerun")
    if solve_tab.open:
        with solve_tab:
            _solve(emb)
    if bench_tab.open:
        with bench_tab:
            benchmark_tab.render(emb)
    if dir_tab.open:
        with dir_tab:
            directions_tab.render(emb, _map_subset)


# -- solve -----------------------------------------------------------------------------------------
def _set_expr(text: str) -> None:
    st.session_state[f"{P}_expr"] = text


def _solve(emb: Embeddings) -> None:
    ss = st.session_state
    ss.setdefault(f"{P}_expr", EXAMPLES[0])
    with present.controls():
        cols = st.columns(len(EXAMPLES))
        for i, (col, ex) in enumerate(zip(cols, EXAMPLES)):
            col.button(
                ex.replace("*", r"\*"),
                key=f"{P}_ex{i}",
                on_click=_set_expr,
                args=(ex,),
                width="stretch",
                type="tertiary",
            )
        row = st.columns([2.8, 1.5, 1.0, 1.1], vertical_alignment="bottom")
        expr = row[0].text_input(
            "Expression",
            key=f"{P}_expr",
            placeholder="king - man + woman",
            help="Words, + and -, weights (0.5*big), parentheses, avg(a, b, c), quoted keys "
            '("new york"), or the classic form a : b :: c : ? (a : b :: c : d checks d).',
        )
        method = row[1].segmented_control(
            "Method",
            list(METHODS),
            format_func=METHOD_LABELS.get,
            key=f"{P}_method",
            default="3cosadd",
            required=True,
            help="3CosAdd ranks by cosine to b − a + c. 3CosMul (Levy & Goldberg "
            "2014) multiplies similarities, so no single term dominates.",
        )
        topn = row[2].number_input("Answers", 1, 50, 10, key=f"{P}_topn")
        show_inputs = row[3].toggle(
            "Show inputs",
            key=f"{P}_show_inputs",
            help="Input words are left out by default: king itself is usually the "
            "closest word to king − man + woman.",
        )
        picture = _picture_options()
        present.save_view_button(P)
    try:
        result = solve(emb, expr, int(topn), method or "3cosadd", exclude_inputs=not show_inputs)
    except Exception as exc:  # noqa: BLE001 — bad input: a message, and the page keeps working
        common.show_error(exc)
        return
    if present.is_on():
        _picture(emb, result, picture)
        answers = " · ".join(f"{w} {score:.2f}" for w, score in result.results[:5])
        st.caption(text.md(f"{result.expression} → {answers}"))
        return
    left, right = st.columns([1, 2.3], gap="medium")
    with left:
        _results_table(result)
    with right:
        _picture(emb, result, picture)


def _results_table(result) -> None:
    st.markdown(f"#### {result.expression}")
    inputs = set(result.inputs)
    df = pd.DataFrame(result.results, columns=["word", "score"])
    df.insert(0, "rank", np.arange(1, len(df) + 1))
    df["note"] = [
        "input word" if w in inputs else ("expected" if w == result.expected else "") for w in df["word"]
    ]
    hi = float(df["score"].max()) if len(df) else 1.0
    st.dataframe(
        df,
        hide_index=True,
        width="stretch",
        height=min(38 + 35 * len(df), 460),
        key=f"{P}_results",
        column_config={
            "score": st.column_config.ProgressColumn(
                "cosine" if result.method == "3cosadd" else "3CosMul",
                min_value=0.0,
                max_value=max(hi, 1e-9),
                format="%.3f",
            )
        },
    )
    if result.expected:
        if result.expected_rank is None:
            st.info(f"The expected answer {result.expected!r} is one of the input words (left out).")
        elif result.expected_rank == 1:
            st.success(f"**{result.expected}** is the top answer.")
        else:
            st.warning(
                f"**{result.expected}** ranks {result.expected_rank:,} (score {result.expected_score:.3f})."
            )
    st.caption(
        f"{METHOD_LABELS[result.method]} over {len(common.active_embeddings()):,} words; "
        + ("input words shown." if any(w in inputs for w in df["word"]) else "input words left out.")
    )


def _picture_options() -> dict:
    c = st.columns([2.2, 1, 1], vertical_alignment="bottom")
    view = c[0].segmented_control(
        "Picture",
        [LOCAL, GLOBAL],
        key=f"{P}_view",
        default=LOCAL,
        required=True,
        help="Local PCA: fitted to the analogy's words and their neighbours only. Frequent-words map: "
        f"a projection of the {MAP_SIZE:,} most frequent words (plus the analogy's).",
    )
    dims = 3 if c[1].segmented_control("View", ["2-D", "3-D"], key=f"{P}_dims", default="2-D",
                                       required=True) == "3-D" else 2
    if view == LOCAL:
        k = c[2].number_input("Neighbours", 0, 30, 6, key=f"{P}_nn", help="Neighbours of each word fitted with them.")
        return {"view": view, "dims": dims, "k": int(k)}
    methods = map_methods(FIRST_MAPS)
    VIEW_KEYS["map_method"] = tuple(methods)  # a method registered since the import is saved too
    return {"view": view, "dims": dims, "method": c[2].selectbox("Projection", methods, key=f"{P}_map_method",
                                                                 format_func=controls.method_label)}


def _picture(emb: Embeddings, result, options: dict) -> None:
    view, dims = options["view"], options["dims"]
    below = present.CAPTION if present.is_on() else 0  # the answers under the figure
    try:
        if view == LOCAL:
            fig = analogy_figure(analogy_view(emb, result, n_neighbors=options["k"], dims=dims), result)
            present.chart(fig, f"{P}_chart", below=below)
            if not present.is_on():
                st.caption(
                    "PCA fitted only to the words of the analogy and their nearest neighbours "
                    f"({fig.layout.meta['explained_variance']} of their variance): the view where the "
                    "parallelogram of the word2vec papers shows best. Blue arrow: a → b; red: c → answer."
                )
            return
        method = options["method"]
        sub = _map_subset(emb, tuple(_involved(result)))
        proj = common.projection(sub, method, dims)
        triple = triple_of(result.expression)
        fig = parallelogram(
            proj.coords,
            sub.keys,
            triple,
            result.top,
            expected=result.expected,
            inputs=result.inputs,
            label_others=0,
            title=f"{result.expression} on {method.upper()} of {len(sub):,} frequent words",
        )
        present.chart(fig, f"{P}_chart", below=below)
        if result.top and dims == 2 and not present.is_on():
            with st.expander(f"Neighbours of “{result.top}”: in the space vs on this map", expanded=False):
                table = neighbour_comparison(sub, proj.coords, sub.keys, result.top, k=10)
                st.plotly_chart(
                    neighbour_map(proj.coords, sub.keys, result.top, table), key=f"{P}_nbmap", width="stretch"
                )
                st.dataframe(table, hide_index=True, width="stretch")
                kept = (table["status"] == "kept").sum()
                st.caption(
                    f"The map keeps {kept} of the 10 true neighbours; the rest are lost, and "
                    "the map shows invented ones in their place."
                )
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)


def _involved(result) -> list[str]:
    words = list(result.inputs) + [k for k, _ in result.results[:3]]
    if result.expected:
        words.append(result.expected)
    return list(dict.fromkeys(words))


@st.cache_resource(show_spinner=False, max_entries=16, hash_funcs=common.HASH)
def _map_subset(emb: Embeddings, words: tuple) -> Embeddings:
    order = common.frequency_order(emb)[:MAP_SIZE]
    rows = list(dict.fromkeys([*order.tolist(), *emb.indices(words).tolist()]))
    return emb.take(np.array(sorted(rows)))
