"""Analogies: meaning arithmetic (king − man + woman ≈ queen), seen and checked.

Three tabs: *Solve* (an expression → ranked answers and the parallelogram), *Benchmark* (the Google
analogy set, WordSim-353 and SimLex-999, with the same figures gensim gives) and *Directions*
(formula axes, and what removing a direction does to analogies and neighbours).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from embviz import Embeddings
from embviz.analogies import METHODS, solve, triple_of
from embviz.app import common, present, text
from embviz.directions import GENDER_PAIRS, compare_analogies, compare_neighbours, remove_direction
from embviz.evaluate import evaluate_analogies, evaluate_similarity
from embviz.faithfulness import neighbour_comparison
from embviz.figures.analogy import analogy_figure, neighbour_map, parallelogram
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
METHOD_LABELS = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}
LOCAL, GLOBAL = "Local PCA", "Frequent-words map"
MAP_SIZE = 3_000
# what a saved view of this page stores: widget name -> kind (type, choices or (low, high))
VIEW_KEYS = {"expr": str, "method": ("3cosadd", "3cosmul"), "topn": (1, 50), "show_inputs": bool,
             "view": (LOCAL, GLOBAL), "dims": ("2-D", "3-D"), "nn": (0, 30), "map_method": ("pca", "umap", "tsne")}


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
    solve_tab, bench_tab, dir_tab = st.tabs(["Solve", "Benchmark", "Directions"])
    with solve_tab:
        _solve(emb)
    with bench_tab:
        _benchmark(emb)
    with dir_tab:
        _directions(emb)


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
    methods = [m for m in ("pca", "umap", "tsne") if m in embviz_reducers()]
    return {"view": view, "dims": dims, "method": c[2].selectbox("Projection", methods, key=f"{P}_map_method")}


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


def embviz_reducers() -> dict:
    import embviz

    return embviz.REDUCERS


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


# -- benchmark ---------------------------------------------------------------------------------------
def _benchmark(emb: Embeddings) -> None:
    st.markdown(
        "Does the arithmetic hold beyond a few good examples? The **Google analogy set** "
        "(19,544 questions in 14 sections, from the word2vec paper) asks *a : b :: c : ?* and "
        "counts the top answer (inputs excluded). Figures equal gensim's "
        "`evaluate_word_analogies` on the same vectors."
    )
    row = st.columns([1, 1, 2, 1], vertical_alignment="bottom")
    method = row[0].selectbox("Method", list(METHODS), format_func=METHOD_LABELS.get, key=f"{P}_bench_method")
    restrict = row[1].number_input(
        "Vocabulary",
        1,
        1_000_000,
        min(len(emb), 300_000),
        step=1000,
        key=f"{P}_bench_restrict",
        help="Only the first N keys count (gensim's restrict_vocab); files are usually in frequency order.",
    )
    upload = row[2].file_uploader("Your own questions file (optional)", type=["txt"], key=f"{P}_bench_file")
    run = row[3].button(
        "Run benchmark", key=f"{P}_bench_run", type="primary", icon=":material/play_arrow:", width="stretch"
    )
    token = (emb.fingerprint(), method, int(restrict), upload.file_id if upload else None)
    if run:
        try:
            path = _uploaded(upload) if upload else None
            report = common.run_with_progress(
                "Google analogy benchmark",
                evaluate_analogies,
                emb,
                path,
                restrict=int(restrict),
                method=method,
            )
            st.session_state[f"{P}_bench"] = (token, report)
        except Exception as exc:  # noqa: BLE001
            common.show_error(exc)
    stored = st.session_state.get(f"{P}_bench")
    if stored and stored[0] == token:
        _bench_report(stored[1])
    else:
        st.info("Press **Run benchmark** (about a second on the demo table).", icon=":material/speed:")
    st.markdown("#### Word similarity")
    st.caption(
        "Spearman correlation between cosine similarity and human ratings (WordSim-353 rates "
        "relatedness, SimLex-999 strict similarity); equal to gensim's `evaluate_word_pairs`."
    )
    try:
        st.dataframe(_similarity(emb), hide_index=True, width="stretch", key=f"{P}_similarity")
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)


def _uploaded(upload) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="embviz_bench_"))
    path = folder / Path(upload.name).name
    path.write_bytes(upload.getvalue())
    return path


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=common.HASH)
def _similarity(emb: Embeddings) -> pd.DataFrame:
    table = evaluate_similarity(emb).table
    table["oov_ratio"] = table["oov_ratio"] / 100
    return table.rename(
        columns={
            "name": "data set",
            "used": "pairs used",
            "oov_ratio": "unknown words",
            "spearman": "Spearman ρ",
            "pearson": "Pearson r",
        }
    ).drop(columns=["spearman_p", "pearson_p"])


def _bench_report(rep) -> None:
    m = st.columns(4)
    m[0].metric("Accuracy", f"{rep.accuracy:.1%}", help="correct / covered questions")
    m[1].metric("Correct", f"{rep.correct:,} / {rep.total:,}")
    m[2].metric(
        "Coverage", f"{rep.coverage:.1%}", help="questions whose four words are all in the vocabulary"
    )
    m[3].metric("Time", f"{rep.seconds:.2f} s")
    if rep.stopped:
        st.warning("Stopped early: the figures cover the questions answered so far.")
    sec = rep.sections[rep.sections["total"] > 0].sort_values("accuracy")
    fig = go.Figure(
        go.Bar(
            x=sec["accuracy"],
            y=sec["section"],
            orientation="h",
            marker_color="#4C78A8",
            text=[f"{a:.0%} of {t:,}" for a, t in zip(sec["accuracy"], sec["total"])],
            textposition="outside",
            hovertemplate="%{y}: %{x:.1%}<extra></extra>",
        )
    )
    fig.update_layout(
        height=40 + 28 * len(sec),
        margin=dict(l=10, r=40, t=30, b=10),
        template="plotly_white",
        title=dict(text="Accuracy per section", x=0.01),
        xaxis=dict(range=[0, 1.15], tickformat=".0%"),
    )
    st.plotly_chart(fig, key=f"{P}_bench_chart", width="stretch")
    st.markdown(f"#### Failures · {rep.total - rep.correct:,}")
    f = st.columns([2, 1])
    text = f[0].text_input("Filter failures", key=f"{P}_fail_filter", placeholder="a word, e.g. berlin")
    sections = f[1].selectbox("Section", ["all", *sec["section"].tolist()], key=f"{P}_fail_section")
    fails = rep.failures
    if sections != "all":
        fails = fails[fails["section"] == sections]
    if text.strip():
        needle = text.strip().lower()
        hit = np.zeros(len(fails), dtype=bool)
        for col in ("a", "b", "c", "expected", "got"):
            hit |= fails[col].str.lower().str.contains(needle, regex=False).to_numpy()
        fails = fails[hit]
    st.dataframe(fails, hide_index=True, width="stretch", height=320, key=f"{P}_failures")
    st.caption(f"{len(fails):,} shown. 'got' is the top answer with the three input words left out.")


# -- directions --------------------------------------------------------------------------------------
def _directions(emb: Embeddings) -> None:
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
    sub = _map_subset(emb, tuple(w for w in words if w in emb))
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
