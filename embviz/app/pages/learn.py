"""Learn: the ideas of embeddings as a guided sequence of live views on the real data.

Seven steps, each computed from the active table (small, cached work), with previous / next
buttons; presentation mode walks through the same steps full screen.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import embviz
from embviz import Embeddings
from embviz.app import common, present, sources, text
from embviz.figures.scatter import FONT, scatter

P = "learn"
_HASH = common.HASH
SMALL = 2_000  # the most frequent words used by the heavier steps


def _word(emb: Embeddings, key: str, default: str) -> str:
    fallback = default if default in emb else emb.keys[min(len(emb) - 1, 50)]
    w = st.text_input("Word", key=key, placeholder=fallback).strip() or fallback
    if w not in emb:
        try:
            emb.index(w)
        except KeyError as exc:
            st.warning(f"{exc} — showing {fallback!r}.")
        return fallback
    return w


def _fig_style(fig: go.Figure, height: int = 420) -> go.Figure:
    big = present.is_on()
    fig.update_layout(template="plotly_white", height=int(height * (1.35 if big else 1)),
                      font=dict(family=FONT, size=20 if big else 13), margin=dict(l=10, r=10, t=50, b=10))
    return fig


# -- 1 -----------------------------------------------------------------------------------------------
def step_onehot(emb: Embeddings) -> None:
    from embviz import onehot

    v, d = len(emb), emb.dim
    st.markdown(
        f"A computer can name each of the **{v:,}** words by its position: a *one-hot* vector of {v:,} numbers, "
        f"all 0 except a single 1. It says nothing about meaning — every pair of words is equally unrelated "
        f"(cosine 0). A *dense* embedding uses {d} numbers per word, learned so that related words point the "
        "same way.")
    left, right = st.columns([2, 3], gap="large")
    with left:
        mem = onehot.memory_comparison(v, d)
        st.dataframe(mem[["representation", "shape", "size"]], hide_index=True, width="stretch")
    with right:
        hot, dense = _histograms(emb)
        fig = go.Figure()
        fig.add_histogram(x=dense, nbinsx=80, name=f"dense ({d} numbers)", marker_color="#4C78A8", opacity=0.85)
        fig.add_histogram(x=hot, nbinsx=80, name=f"one-hot ({v:,} numbers)", marker_color="#E4572E", opacity=0.85)
        fig.update_layout(barmode="overlay", title="Cosine similarity of 1,000 random words, pair by pair",
                          xaxis_title="cosine similarity", yaxis_title="pairs", yaxis_type="log",
                          legend=dict(x=0.99, xanchor="right", y=0.99))
        st.plotly_chart(_fig_style(fig, 380), key=f"{P}_hist", width="stretch")
    st.caption(f"All {len(hot):,} one-hot pairs score exactly {float(hot.max()):.0f}; the dense pairs spread "
               f"from {float(dense.min()):.2f} to {float(dense.max()):.2f}.")


@st.cache_data(show_spinner=False, max_entries=4, hash_funcs=_HASH)
def _histograms(emb: Embeddings):
    from embviz import onehot

    return onehot.similarity_histograms(emb, n=1000, seed=0)


# -- 2 -----------------------------------------------------------------------------------------------
def step_lookup(emb: Embeddings) -> None:
    from embviz import onehot

    st.markdown(
        f"An embedding layer is a table **W** with one row per word ({len(emb):,} × {emb.dim}). It is a "
        "function f: ℝⁿ → ℝᵈ — multiply a one-hot vector by W and you get exactly one row. A network "
        "*learns* the numbers in W; \"looking up\" a word and \"multiplying its one-hot vector\" are the same.")
    word = _word(emb, f"{P}_lookup_word", "king")
    r = onehot.lookup_identity(emb, word)
    cols = st.columns(4)
    cols[0].metric("index of " + repr(word), f"{r['index']:,}")
    cols[1].metric("non-zeros in one-hot", r["nonzero"])
    cols[2].metric("one_hot @ W == W[row]", "yes, bit for bit" if r["equal"] else "no")
    cols[3].metric("largest difference", f"{r['max_abs_difference']:.1g}")
    fig = go.Figure(go.Heatmap(z=np.vstack([r["product"], r["row"]]), y=["one_hot @ W", f"W[{r['index']}]"],
                               colorscale="RdBu", zmid=0, showscale=False))
    fig.update_layout(title=f"The {emb.dim} numbers for {word!r}, computed both ways", xaxis_title="dimension")
    st.plotly_chart(_fig_style(fig, 240), key=f"{P}_lookup", width="stretch")


# -- 3 -----------------------------------------------------------------------------------------------
def step_neighbours(emb: Embeddings) -> None:
    st.markdown("Words used in similar contexts get similar vectors, so a word's nearest vectors are its "
                "relatives in meaning. These are measured in all dimensions at once (cosine similarity).")
    word = _word(emb, f"{P}_nb_word", "coffee")
    nbrs = emb.most_similar(word, topn=12)
    left, right = st.columns([1, 2], gap="large")
    left.dataframe(pd.DataFrame(nbrs, columns=["word", "cosine"]), hide_index=True, width="stretch",
                   column_config={"cosine": st.column_config.NumberColumn(format="%.3f")}, height=460)
    keys = [word] + [w for w, _ in nbrs]
    sub, coords = _local_map(emb, tuple(keys))
    fig = scatter(coords, sub.keys, labels=np.arange(len(sub)), query=sub.index(word),
                  neighbors=sub.indices(keys[1:]), title=f"{word!r} and its neighbours (local PCA)",
                  present=present.is_on(), height=460)
    right.plotly_chart(fig, key=f"{P}_nb_map", width="stretch")


@st.cache_data(show_spinner=False, max_entries=16, hash_funcs=_HASH)
def _local_map(emb: Embeddings, keys: tuple, extra: int = 60):
    """A PCA map of ``keys`` plus the most frequent words (context), as (subset, coords)."""
    order = common.frequency_order(emb)
    context = [emb.keys[i] for i in order[: extra * 3] if emb.keys[i] not in keys][:extra]
    sub = emb.subset(list(keys) + context)
    return sub, embviz.project(sub, "pca", 2).coords


# -- 4 -----------------------------------------------------------------------------------------------
def step_clusters(emb: Embeddings) -> None:
    st.markdown(f"Group the {SMALL:,} most frequent words by their vectors alone (k-means on cosine): the groups "
                "come out as topics and word classes nobody labelled. The names are each group's most "
                "central words.")
    k = st.slider("Groups", 3, 15, 8, key=f"{P}_k")
    small = _small(emb)
    labels, names = _clusters(small, k)
    proj = common.cached_projection(small, "pca", 2)
    lab = np.array([names.get(int(c), str(c)) for c in labels], dtype=object)
    fig = scatter(proj.coords, small.keys, color=lab, color_name="cluster", labels=common.frequency_order(small)[:40],
                  title=f"{SMALL:,} frequent words in {k} k-means groups (PCA map)", present=present.is_on())
    st.plotly_chart(fig, key=f"{P}_clusters", width="stretch")


@st.cache_resource(show_spinner=False, max_entries=4, hash_funcs=_HASH)
def _small(emb: Embeddings) -> Embeddings:
    return emb.take(common.frequency_order(emb)[:SMALL])


@st.cache_data(show_spinner="Clustering…", max_entries=16, hash_funcs=_HASH)
def _clusters(emb: Embeddings, k: int):
    from embviz.clustering import cluster

    c = cluster(emb, "kmeans", k=k)
    return np.asarray(c.labels), dict(c.names)


# -- 5 -----------------------------------------------------------------------------------------------
def step_analogy(emb: Embeddings) -> None:
    from embviz.analogies import solve
    from embviz.figures.analogy import analogy_figure
    from embviz.reduce.pca import analogy_view

    st.markdown("Directions carry meaning: the step from *man* to *king* is roughly the step from *woman* to "
                "*queen*. So king − man + woman lands near queen — the parallelogram below is drawn from the "
                "real vectors (a PCA of just these words).")
    expr = st.text_input("Analogy", key=f"{P}_expr", placeholder="king - man + woman").strip() or "king - man + woman"
    try:
        result = solve(emb, expr, topn=5)
        fig = analogy_figure(analogy_view(emb, result), result)
    except Exception as exc:  # noqa: BLE001 — unknown words, bad syntax: say so
        common.show_error(exc)
        return
    left, right = st.columns([2, 1], gap="large")
    left.plotly_chart(_fig_style(fig, 520), key=f"{P}_analogy", width="stretch")
    right.dataframe(pd.DataFrame(result.results, columns=["answer", "cosine"]), hide_index=True, width="stretch",
                    column_config={"cosine": st.column_config.NumberColumn(format="%.3f")})


# -- 6 -----------------------------------------------------------------------------------------------
def step_transfer(emb: Embeddings) -> None:
    st.markdown("A table learned once from a huge amount of text carries over: the same analogy questions, "
                "answered by the pretrained table and by a small word2vec trained here on a few million words.")
    made = sources.latest("trained")
    trained = made.emb if made is not None else None
    if trained is None:
        st.info("No model trained in this session yet. Train one on the Train page, or train a small one here "
                "on the bundled corpus (about half a minute).", icon=":material/model_training:")
        if st.button("Train a small word2vec now", key=f"{P}_train", icon=":material/play_arrow:"):
            model = _quick_model()
            trained = sources.add(model, "trained", model.name, model=model).emb
        else:
            return
    try:
        table = _transfer(emb, trained)
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)
        return
    shared = table.attrs.get("shared_vocabulary", 0)
    row = table[table["section"] == "all"].iloc[0]
    cols = st.columns(3)
    cols[0].metric("questions both can answer", f"{int(row['questions']):,}")
    cols[1].metric("pretrained accuracy", f"{row['pretrained']:.0%}")
    cols[2].metric(f"trained here ({trained.name})", f"{row['trained']:.0%}")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.ProgressColumn(c, min_value=0, max_value=1, format="%.2f")
                                for c in ("pretrained", "trained")})
    st.caption(f"Both tables restricted to the {shared:,} words they share, so they answer the same questions.")


def _quick_model():
    """One small model per server (shared by every session): 100 dims, 3 epochs, in the worker pool."""
    box = _quick_box()
    if "model" not in box:
        model = common.run_with_progress("Training word2vec on the bundled corpus", embviz.train_word2vec,
                                         embviz.demo_corpus(), dims=100, epochs=3, min_count=5, workers=1)
        if getattr(model, "stopped", False):
            return model
        box["model"] = model
    return box["model"]


@st.cache_resource(show_spinner=False)
def _quick_box() -> dict:
    return {}


@st.cache_data(show_spinner="Answering analogy questions…", max_entries=4, hash_funcs=_HASH)
def _transfer(pretrained: Embeddings, trained: Embeddings) -> pd.DataFrame:
    from embviz import onehot

    table = onehot.transfer_table(pretrained, trained)
    table.attrs = dict(table.attrs)
    return table


# -- 7 -----------------------------------------------------------------------------------------------
def step_map(emb: Embeddings) -> None:
    st.markdown(f"A 2-D map cannot keep every distance of {emb.dim} dimensions. Here PCA of the {SMALL:,} "
                "most frequent words, each point coloured by the share of its 10 true neighbours that stay "
                "among its 10 nearest on the map: dark points are where the picture lies.")
    small = _small(emb)
    proj = common.cached_projection(small, "pca", 2)
    q = common.quality(small, common.projection_id(proj), proj)
    per = common.per_point_quality(small, common.projection_id(proj), proj, k=10)
    cols = st.columns(4)
    cols[0].metric("trustworthiness@10", f"{q.get('trustworthiness@10', float('nan')):.3f}",
                   help="Are the map's neighbours real neighbours? (1 = always)")
    cols[1].metric("continuity@10", f"{q.get('continuity@10', float('nan')):.3f}",
                   help="Do real neighbours stay close on the map? (1 = always)")
    cols[2].metric("neighbours kept@10", f"{q.get('knn_recall@10', float('nan')):.0%}")
    cols[3].metric("distance rank correlation", f"{q.get('spearman', float('nan')):.2f}")
    fig = scatter(proj.coords, small.keys, color=per, color_name="neighbours kept",
                  labels=common.frequency_order(small)[:30], present=present.is_on(),
                  title="What the map keeps (bright) and loses (dark)")
    st.plotly_chart(fig, key=f"{P}_quality", width="stretch")
    st.caption("t-SNE and UMAP keep far more neighbours but tear apart the global layout: compare them on the "
               "Compare page.")


STEPS = [
    ("One-hot versus dense", step_onehot),
    ("A learned lookup table", step_lookup),
    ("Neighbours: similar meanings, close vectors", step_neighbours),
    ("Clusters: groups nobody labelled", step_clusters),
    ("The analogy parallelogram: directions carry meaning", step_analogy),
    ("Why pretrained embeddings transfer", step_transfer),
    ("What a 2-D map keeps and loses", step_map),
]


MIN_WORDS = 300  # fewer words than this cannot tell the story: the steps use the bundled table


def _lecture_table() -> tuple[Embeddings, str]:
    """The active table, or the bundled one when the active table is too small for the lecture."""
    emb = common.active_embeddings()
    if len(emb) >= MIN_WORDS:
        return emb, ""
    return common.demo_table(), (f"The active table ({text.md(emb.name or 'embeddings')}) has only {len(emb):,} "
                                 f"words, fewer than these steps need ({MIN_WORDS}); they use the bundled table.")


def render() -> None:
    emb, note = _lecture_table()
    if "learn_url_read" not in st.session_state:
        st.session_state["learn_url_read"] = True
        step = st.query_params.get("step", "")
        if step.isdigit() and 1 <= int(step) <= len(STEPS):
            st.session_state[f"{P}_step"] = int(step) - 1
        elif step:
            st.warning(f"URL parameter 'step' must be a number from 1 to {len(STEPS)}; got {step!r} — starting at 1.")
    if present.is_on():
        present.exit_button(f"{P}_exit")
    else:
        st.title("Learn")
        st.caption("What embeddings are, in seven live steps on the table chosen in the sidebar "
                   f"({text.md(emb.name or 'embeddings')}, {len(emb):,} words).")
        if note:
            st.caption(note)
    i = present.stepper(len(STEPS), f"{P}_step", [t for t, _ in STEPS])
    title, fn = STEPS[i]
    st.header(f"{i + 1}. {title}")
    try:
        fn(emb)
    except Exception as exc:  # noqa: BLE001 — a step that cannot run on this table says why
        common.show_error(exc, f"learn step {i + 1}")
    st.query_params["step"] = str(i + 1)
    if present.is_on():
        st.query_params["present"] = "1"
