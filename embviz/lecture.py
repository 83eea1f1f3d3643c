"""The Learn lecture: seven steps on a real table, each built as a :class:`embviz.slides.Content`.

1 one-hot versus dense · 2 the lookup table · 3 neighbours · 4 clusters · 5 the analogy
parallelogram · 6 why pretrained tables transfer · 7 what a 2-D map keeps and loses. Each step is a
pure function of the table, its frequency order and a few settings (the word shown, the number of
groups, the analogy), so the dashboard caches it per table and the offline talk reuses it.

>>> [t for t, _ in STEPS][:2]
['One-hot versus dense', 'A learned lookup table']
"""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from embviz.errors import EmbvizError, ParameterError
from embviz.figures.scatter import FONT, scatter
from embviz.figures.text import escape
from embviz.layout import plan_map
from embviz.slides import Content

SMALL = 2_000  # the most frequent words used by the heavier steps


def _style(fig: go.Figure, height: int, present: bool) -> go.Figure:
    fig.update_layout(template="plotly_white", height=int(height * (1.35 if present else 1)),
                      font={"family": FONT, "size": 20 if present else 13}, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return fig


def word_or_default(emb, word: str, default: str) -> tuple[str, str]:
    """``word`` if the table has it, else a fallback and the reason (plain text)."""
    fallback = default if default in emb else emb.keys[min(len(emb) - 1, 50)]
    word = (word or "").strip() or fallback
    if word in emb:
        return word, ""
    try:
        emb.index(word)
    except KeyError as exc:
        return fallback, f"{str(exc).strip(chr(34) + chr(39))} — showing {fallback!r}."
    return fallback, ""


def small(emb, order: np.ndarray):
    """The :data:`SMALL` most frequent words."""
    return emb.take(np.asarray(order)[:SMALL])


# -- 1 -----------------------------------------------------------------------------------------------
def onehot_step(emb, order, settings, trained, present) -> Content:
    from embviz import onehot

    v, d = len(emb), emb.dim
    hot, dense = onehot.similarity_histograms(emb, n=1000, seed=0)
    fig = go.Figure()
    fig.add_histogram(x=dense, nbinsx=80, name=f"dense ({d} numbers)", marker_color="#4C78A8", opacity=0.85)
    fig.add_histogram(x=hot, nbinsx=80, name=f"one-hot ({v:,} numbers)", marker_color="#E4572E", opacity=0.85)
    fig.update_layout(barmode="overlay", title="Cosine similarity of 1,000 random words, pair by pair",
                      xaxis_title="cosine similarity", yaxis_title="pairs", yaxis_type="log",
                      legend={"x": 0.99, "xanchor": "right", "y": 0.99})
    mem = onehot.memory_comparison(v, d)[["representation", "shape", "size"]]
    return Content(
        "One-hot versus dense",
        f"A computer can name each of the **{v:,}** words by its position: a *one-hot* vector of {v:,} numbers, "
        f"all 0 except a single 1. It says nothing about meaning — every pair of words is equally unrelated "
        f"(cosine 0). A *dense* embedding uses {d} numbers per word, learned so that related words point the "
        "same way.",
        figure=_style(fig, 380, present), table=mem, table_first=True, figure_share=1.5,
        caption=f"All {len(hot):,} one-hot pairs score exactly {float(hot.max()):.0f}; the dense pairs spread "
                f"from {float(dense.min()):.2f} to {float(dense.max()):.2f}.")


# -- 2 -----------------------------------------------------------------------------------------------
def lookup_step(emb, order, settings, trained, present) -> Content:
    from embviz import onehot

    word, warning = word_or_default(emb, settings.get("word", ""), "king")
    r = onehot.lookup_identity(emb, word)
    fig = go.Figure(go.Heatmap(z=np.vstack([r["product"], r["row"]]), y=["one_hot @ W", f"W[{r['index']}]"],
                               colorscale="RdBu", zmid=0, showscale=False))
    fig.update_layout(title=escape(f"The {emb.dim} numbers for {word!r}, computed both ways"),
                      xaxis_title="dimension")
    return Content(
        "A learned lookup table",
        f"An embedding layer is a table **W** with one row per word ({len(emb):,} × {emb.dim}). It is a "
        "function f: ℝⁿ → ℝᵈ — multiply a one-hot vector by W and you get exactly one row. A network "
        "*learns* the numbers in W; \"looking up\" a word and \"multiplying its one-hot vector\" are the same.",
        figure=_style(fig, 240, present), warning=warning,
        metrics=[("index of " + repr(word), f"{r['index']:,}"), ("non-zeros in one-hot", str(r["nonzero"])),
                 ("one_hot @ W == W[row]", "yes, bit for bit" if r["equal"] else "no"),
                 ("largest difference", f"{r['max_abs_difference']:.1g}")])


# -- 3 -----------------------------------------------------------------------------------------------
def local_map(emb, keys: list[str], order, extra: int = 60):
    """A PCA map of ``keys`` plus the most frequent other words (context), as (subset, coords)."""
    import embviz

    context = [emb.keys[i] for i in np.asarray(order)[: extra * 3] if emb.keys[i] not in keys][:extra]
    sub = emb.subset(list(keys) + context)
    return sub, embviz.project(sub, "pca", 2).coords


def neighbours_step(emb, order, settings, trained, present) -> Content:
    word, warning = word_or_default(emb, settings.get("word", ""), "coffee")
    nbrs = emb.most_similar(word, topn=12)
    keys = [word] + [w for w, _ in nbrs]
    # on a projector the PCA is of the word and its neighbours alone: they spread over the screen
    # and their labels do not collide (with 60 frequent words as context they sit in one corner)
    sub, coords = local_map(emb, keys, order, extra=0 if present else 60)
    title = f"{word!r} and its neighbours (local PCA)"  # scatter escapes it
    query, neighbors = sub.index(word), sub.indices(keys[1:])
    # the labels placed as on Explore: the word, its neighbours, then context words, none overlapping
    plan = plan_map(coords, sub.keys, title=title, present=present, height=460, query=query, neighbors=neighbors,
                    n_words=0 if present else len(sub))
    fig = scatter(coords, sub.keys, query=query, neighbors=neighbors, title=title, present=present, height=460,
                  plan=plan)
    return Content(
        "Neighbours: similar meanings, close vectors",
        "Words used in similar contexts get similar vectors, so a word's nearest vectors are its "
        "relatives in meaning. These are measured in all dimensions at once (cosine similarity).",
        figure=fig, table=pd.DataFrame(nbrs, columns=["word", "cosine"]), formats={"cosine": "%.3f"},
        table_first=True, warning=warning)


# -- 4 -----------------------------------------------------------------------------------------------
def clusters_step(emb, order, settings, trained, present) -> Content:
    import embviz
    from embviz.clustering import cluster

    k = settings.get("k", 8)
    if not isinstance(k, int) or isinstance(k, bool) or not 3 <= k <= 15:
        k = 8
    few = small(emb, order)
    c = cluster(few, "kmeans", k=k)
    proj = embviz.project(few, "pca", 2)
    names = dict(c.names)
    lab = np.array([names.get(int(x), str(x)) for x in np.asarray(c.labels)], dtype=object)
    labels = np.arange(min(40, len(few)))
    if present and c.centrality is not None:  # each group's most central word (40 frequent ones collide)
        cent, ids = np.asarray(c.centrality), np.asarray(c.labels)
        labels = np.array([np.flatnonzero(ids == g)[np.argmax(cent[ids == g])] for g in np.unique(ids) if g >= 0])
    fig = scatter(proj.coords, few.keys, color=lab, color_name="cluster", labels=labels,
                  title=f"{len(few):,} frequent words in {k} k-means groups (PCA map)", present=present)
    return Content(
        "Clusters: groups nobody labelled",
        f"Group the {len(few):,} most frequent words by their vectors alone (k-means on cosine): the groups "
        "come out as topics and word classes nobody labelled. The names are each group's most central words.",
        figure=fig)


# -- 5 -----------------------------------------------------------------------------------------------
def analogy_step(emb, order, settings, trained, present) -> Content:
    from embviz.analogies import solve
    from embviz.figures.analogy import analogy_figure
    from embviz.reduce.pca import analogy_view

    expr = (settings.get("expr") or "").strip() or "king - man + woman"
    content = Content(
        "The analogy parallelogram: directions carry meaning",
        "Directions carry meaning: the step from *man* to *king* is roughly the step from *woman* to "
        "*queen*. So king − man + woman lands near queen — the parallelogram below is drawn from the "
        "real vectors (a PCA of just these words).")
    try:
        result = solve(emb, expr, topn=5)
        fig = analogy_figure(analogy_view(emb, result), result)
    except (EmbvizError, KeyError, ValueError) as exc:  # unknown words, bad syntax: say so
        content.error = str(exc).strip("'\"")
        return content
    content.figure = _style(fig, 520, present)
    content.table = pd.DataFrame(result.results, columns=["answer", "cosine"])
    content.formats = {"cosine": "%.3f"}
    return content


# -- 6 -----------------------------------------------------------------------------------------------
def transfer_step(emb, order, settings, trained, present) -> Content:
    from embviz import onehot
    from embviz.figures.training import transfer_figure

    content = Content(
        "Why pretrained embeddings transfer",
        "A table learned once from a huge amount of text carries over: the same analogy questions, "
        "answered by the pretrained table and by a small word2vec trained here on a few million words.")
    if trained is None:  # the pretrained half of the comparison (the offline talk, a session without a model)
        table = pretrained_accuracy(emb)
        row = table[table["section"] == "all"].iloc[0]
        content.metrics = [("questions it can answer", f"{int(row['questions']):,}"),
                           ("pretrained accuracy", f"{row['pretrained']:.0%}")]
        content.figure = _style(transfer_figure(table[table["section"] != "all"]), 360, present)
        content.caption = ("The pretrained table alone, on every Google analogy question its vocabulary covers. "
                           "Train a small word2vec on the Train page (about half a minute) to set it beside "
                           "this one, on the words both know.")
        return content
    table = onehot.transfer_table(emb, trained)
    shared = table.attrs.get("shared_vocabulary", 0)
    row = table[table["section"] == "all"].iloc[0]
    content.metrics = [("questions both can answer", f"{int(row['questions']):,}"),
                       ("pretrained accuracy", f"{row['pretrained']:.0%}"),
                       (f"trained here ({trained.name})", f"{row['trained']:.0%}")]
    content.table = table.drop(columns=[c for c in table.columns if c not in
                                        ("section", "questions", "pretrained", "trained")])
    content.formats = {"pretrained": "progress", "trained": "progress"}
    content.table_on_projector = False
    content.figure = _style(transfer_figure(table[table["section"] != "all"]), 360, present)
    content.caption = f"Both tables restricted to the {shared:,} words they share, so they answer the same questions."
    return content


_PRETRAINED: dict[str, pd.DataFrame] = {}
_PRETRAINED_LOCK = threading.Lock()


def pretrained_accuracy(emb) -> pd.DataFrame:
    """Analogy accuracy (3CosAdd) of ``emb`` alone per Google section, then ``"all"``: columns
    ``section``, ``questions``, ``pretrained`` (what :func:`embviz.onehot.transfer_table` gives
    without a trained table). Kept per table (a few seconds on 20,000 words)."""
    key = emb.fingerprint()
    with _PRETRAINED_LOCK:  # sessions building their decks at once wait for one computation
        return _pretrained(emb, key)


def _pretrained(emb, key: str) -> pd.DataFrame:
    from embviz.train import analogy_accuracy

    if key not in _PRETRAINED:
        correct, sections = analogy_accuracy(emb.vectors, list(emb.keys))
        frame = pd.DataFrame({"section": sections, "pretrained": correct.astype(float)})
        table = frame.groupby("section", sort=False).agg(questions=("pretrained", "size"),
                                                           pretrained=("pretrained", "mean")).reset_index()
        total = pd.DataFrame([{"section": "all", "questions": len(frame),
                               "pretrained": frame["pretrained"].mean() if len(frame) else float("nan")}])
        _PRETRAINED.clear()
        _PRETRAINED[key] = pd.concat([table, total], ignore_index=True)
    return _PRETRAINED[key]


# -- 7 -----------------------------------------------------------------------------------------------
def map_step(emb, order, settings, trained, present) -> Content:
    import embviz

    few = small(emb, order)
    proj = embviz.project(few, "pca", 2)
    q = dict(embviz.quality(few, proj))
    per = np.asarray(embviz.per_point_quality(few, proj, k=10), dtype=np.float32)
    # the frequent words sit together: on a projector their labels would only collide
    fig = scatter(proj.coords, few.keys, color=per, color_name="neighbours kept",
                  labels=() if present else np.arange(min(30, len(few))), present=present,
                  title="What the map keeps (bright) and loses (dark)")
    nan = float("nan")
    return Content(
        "What a 2-D map keeps and loses",
        f"A 2-D map cannot keep every distance of {emb.dim} dimensions. Here PCA of the {len(few):,} "
        "most frequent words, each point coloured by the share of its 10 true neighbours that stay "
        "among its 10 nearest on the map: dark points are where the picture lies.",
        figure=fig,
        metrics=[("trustworthiness@10", f"{q.get('trustworthiness@10', nan):.3f}"),
                 ("continuity@10", f"{q.get('continuity@10', nan):.3f}"),
                 ("neighbours kept@10", f"{q.get('knn_recall@10', nan):.0%}"),
                 ("distance rank correlation", f"{q.get('spearman', nan):.2f}")],
        caption="t-SNE and UMAP keep far more neighbours but tear apart the global layout: compare them on "
                "the Compare page.")


STEPS = [
    ("One-hot versus dense", onehot_step),
    ("A learned lookup table", lookup_step),
    ("Neighbours: similar meanings, close vectors", neighbours_step),
    ("Clusters: groups nobody labelled", clusters_step),
    ("The analogy parallelogram: directions carry meaning", analogy_step),
    ("Why pretrained embeddings transfer", transfer_step),
    ("What a 2-D map keeps and loses", map_step),
]
# what each step can be told (the Learn page's controls), and a speaker note for each
SETTINGS = {1: ("word",), 2: ("word",), 3: ("k",), 4: ("expr",)}
NOTES = [
    "Ask the room how they would give a computer the word 'king'. Then show that one-hot says nothing.",
    "The lookup is a matrix product: a network can learn W by gradient descent like any other layer.",
    "Pick a word from the audience. The neighbours are computed in all dimensions, not on the map.",
    "Nobody told k-means what a topic is. Point out a group that surprised you.",
    "The parallelogram is approximate: the answer is the nearest word, not an exact hit.",
    "Small corpora learn grammar and family relations, not world knowledge: that is why we reuse tables.",
    "Every flat picture lies somewhere; the colours show where. Then open Compare.",
]


def step(i: int, emb, order, settings: dict | None = None, *, trained=None, present: bool = False) -> Content:
    """The content of step ``i`` (0-based) on ``emb`` (``order``: its rows, most frequent first)."""
    if not 0 <= i < len(STEPS):
        raise ParameterError("lecture.step", "i", f"a step from 0 to {len(STEPS) - 1}", i)
    return STEPS[i][1](emb, np.asarray(order), dict(settings or {}), trained, present)
