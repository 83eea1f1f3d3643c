"""Train: learn word vectors from text and watch them learn; embed new text with a transformer.

Training runs in the worker pool (embviz.work) so the page stays responsive: a fragment polls its
progress (epoch, loss, words/s, time left) and offers a Stop button that keeps what was learned so far.
"""
from __future__ import annotations

import io
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from embviz import work
from embviz.app import common, jobs, present, slideshow, sources, text, train_panels
from embviz.figures.training import (
    accuracy_figure,
    group_similarity_figure,
    groups_animation,
    learning_animation,
    loss_figure,
)
from embviz.groups import group_similarity, semantic_groups
from embviz.train import (
    TrainedEmbeddings,
    learning_trajectory,
    snapshot_accuracy,
    train_word2vec,
)

P = "train"
WATCH = "king, queen, man, woman, father, mother, son, daughter, god, lord, love, war, sea, land"
GROUPS_SHOWN = 6
VIEW_KEYS = {"groups": list, "words": str}  # what a saved view of this page stores (the model is its data)


# -- the training job (in the worker pool, embviz.work) -----------------------------------------------
def _start(source: tuple[str | bytes, str], settings: dict):
    """Submit the training to the worker pool; identical requests in flight share one job."""
    data, label = source
    corpus = Path(data) if isinstance(data, str) else io.BytesIO(data)
    if isinstance(corpus, io.BytesIO):
        corpus.name = label
    # one gensim thread: a pool worker is one core's worth of work, the server keeps the other
    settings = {**settings, "workers": 1}
    job = work.submit(work.content_key(train_word2vec, data, settings), train_word2vec, corpus, **settings)
    job.label = "Training word2vec"
    return job, job.subscribe(), time.perf_counter()


# -- page --------------------------------------------------------------------------------------------
def render() -> None:
    present.title(
        "Train embeddings",
        "An embedding is *learned*: each word starts as a one-hot vector — a single 1 among tens of "
        "thousands of 0s — and a learned layer maps it to a few hundred numbers. word2vec learns that "
        "layer by predicting words from their neighbours, so words used alike end up close. Train it "
        "here on real text and watch groups of words gather from random noise.",
    )
    if present.is_on():  # a projector shows the learning animation; the transformer tab stays on the desk
        _train_tab()
        return
    train_tab, embed_tab = st.tabs(["Train word2vec", "Embed text with a transformer"])
    with train_tab:
        _train_tab()
    with embed_tab:
        train_panels.embed_tab()


def _train_tab() -> None:
    ss = st.session_state
    controls_box = present.controls()
    with controls_box:
        source = train_panels.corpus_choice()
        settings = train_panels.settings()
    job = ss.get(f"{P}_job")
    running = job is not None and not job[0].done()
    if controls_box.button("Train", key=f"{P}_go", type="primary", disabled=source is None or running,
                           icon=":material/model_training:"):
        job = ss[f"{P}_job"] = _start(source, settings)
        running = True
    if job is not None:
        _watch()
    if ss.get(f"{P}_error"):
        st.error(ss[f"{P}_error"], icon=":material/error:")
    result = ss.get(f"{P}_result")
    if result is not None and not running:
        if present.is_on():
            _present_results(result, controls_box)
        else:
            _results(result)
    elif result is None and job is None and present.is_on():  # nothing to show yet: say how to start
        st.info("Open **Controls** and press **Train**: the words start as random points and gather into "
                "groups, epoch by epoch.", icon=":material/model_training:")


@st.fragment(run_every=0.5)
def _watch() -> None:
    ss = st.session_state
    if ss.get(f"{P}_job") is None:
        return
    job, token, started = ss[f"{P}_job"]
    job.touch(token)  # a closed tab stops touching: the pool cancels the training
    if job.done():
        ss[f"{P}_job"] = None
        ss[f"{P}_error"] = None
        job.unsubscribe(token)
        try:
            ss[f"{P}_result"] = result = job.result()
            sources.add(result, "trained", result.name, model=result)  # listed in the sidebar
            ss[f"{P}_seconds"] = time.perf_counter() - started
        except Exception as exc:  # noqa: BLE001 — shown by the page as st.error
            ss[f"{P}_error"] = common.error_text(exc, "training")
        st.rerun()
    elapsed = time.perf_counter() - started
    with st.status(f"Training… {elapsed:.0f} s", expanded=True, state="running"):
        st.progress(job.progress.fraction, text=jobs.describe(job))
        label = "Stopping after this epoch…" if job.stop_requested else "Stop (keep what was learned)"
        st.button(label, key=f"{P}_stop", disabled=job.stop_requested, icon=":material/stop_circle:",
                  on_click=lambda: job.stop(token))


# -- results -----------------------------------------------------------------------------------------
def _results(emb: TrainedEmbeddings) -> None:
    ss = st.session_state
    stats = emb.corpus_stats
    seconds = ss.get(f"{P}_seconds", 0.0)
    note = " (stopped early: these are the vectors after the last finished epoch)" if emb.stopped else ""
    st.success(f"Trained **{emb.name}** on {stats['tokens']:,} tokens: {len(emb):,} words × {emb.dim} "
               f"in {seconds:.0f} s{note}.", icon=":material/check_circle:")
    a1, a2, a3 = st.columns([1.2, 1, 1], vertical_alignment="bottom")
    a1.button("Use this model on every page", key=f"{P}_use", icon=":material/public:",
              on_click=common.use_everywhere, args=(emb, "trained", emb.name), kwargs={"model": emb},
              help="Makes it the data of every page; it stays listed in the sidebar under "
                   "'Made in this session'.")
    train_panels.download(emb, a2, a3)
    train_panels.analogy(emb)
    _watch_it_learn(emb)
    train_panels.transfer(emb)


def _watch_it_learn(emb: TrainedEmbeddings) -> None:
    """Semantic groups of the corpus start scattered and converge; their similarity per epoch."""
    st.subheader("Watch it learn")
    if not emb.snapshots:
        st.info("No snapshots were kept for this run.")
        return
    groups = _groups(emb)
    left, right = st.columns([3, 2])
    with left:
        st.plotly_chart(_animation(emb, groups), key=f"{P}_animation", width="stretch")
        _save_view(emb)
        st.caption("Each snapshot is projected with PCA and turned (orthogonal Procrustes) to face like the final "
                   "one, so motion is learning, not rotation. Press ▶ or drag the slider: at the start every word "
                   "is noise; epoch by epoch the words of a group gather.")
    with right:
        if len(groups) >= 2:
            table = _similarity(emb, tuple((g, tuple(ws)) for g, ws in groups.items()))
            st.plotly_chart(group_similarity_figure(table), key=f"{P}_groups_curve", width="stretch")
            last = table.iloc[-1]
            st.caption(f"Mean cosine similarity of words in the same group against words of different groups, "
                       f"centred. After epoch {int(last['epoch'])}: {last['within']:.2f} within, "
                       f"{last['between']:.2f} between — learning, measured.")
        else:
            st.info("Choose at least two groups to measure within- against between-group similarity.")
        st.plotly_chart(loss_figure(emb.loss), key=f"{P}_loss", width="stretch")
        st.plotly_chart(accuracy_figure(_accuracy(emb)), key=f"{P}_accuracy", width="stretch")
    if st.toggle("Follow your own words", key=f"{P}_own_words"):
        words_text = st.text_input("Words to follow (comma-separated)", WATCH, key=f"{P}_words")
        words = [w.strip().lower() for w in words_text.split(",") if w.strip()]
        traj = _trajectory(emb, tuple(words))
        st.plotly_chart(learning_animation(traj.coords, traj.keys, highlight=[w for w in words if w in traj.keys]),
                        key=f"{P}_own_animation", width="stretch")
        missing = [w for w in words if w not in traj.keys]
        if missing:
            st.caption(text.md(f"Not among the {len(emb.snapshot_keys):,} words the snapshots keep: "
                               f"{', '.join(missing)}."))


def _groups(emb: TrainedEmbeddings) -> dict[str, list[str]]:
    found = semantic_groups(emb.snapshot_keys)
    chosen = st.multiselect("Groups of words to follow", list(found), default=list(found)[:GROUPS_SHOWN],
                            key=f"{P}_groups", help="Kinds of words the corpus has (numbers, family, colours, "
                            "body, days …): each in its colour; the grey points are the 300 most frequent words.")
    return {g: found[g] for g in chosen}


def _animation(emb: TrainedEmbeddings, groups: dict):
    traj = _trajectory(emb, tuple(w for ws in groups.values() for w in ws))
    return groups_animation(traj.coords, traj.keys, groups)


def _present_results(emb: TrainedEmbeddings, controls_box) -> None:
    """On a projector: the groups gathering, full width."""
    if not emb.snapshots:
        st.info("No snapshots were kept for this run.")
        return
    with controls_box:
        groups = _groups(emb)
        _save_view(emb)
    present.chart(_animation(emb, groups), f"{P}_animation")


def _save_view(emb: TrainedEmbeddings) -> None:
    """Save the animation as a slide: its data is the trained model (kept in this session)."""
    made = next((s for s in sources.listed() if s.kind == "trained" and s.extra.get("model") is emb), None)
    view = slideshow.page_view(P, VIEW_KEYS)
    if made is not None:
        view.data = made.id
    present.save_view_button(P, view)


def _similarity(emb: TrainedEmbeddings, groups: tuple) -> pd.DataFrame:
    cache = st.session_state.setdefault(f"{P}_group_sim", {})
    key = (id(emb), groups)
    if key not in cache:
        cache.clear()
        cache[key] = group_similarity(emb, dict(groups))
    return cache[key]


def _trajectory(emb: TrainedEmbeddings, words: tuple[str, ...]):
    cache = st.session_state.setdefault(f"{P}_traj", {})
    key = (id(emb), words)
    if key not in cache:
        if len(cache) > 2:
            cache.clear()
        cache[key] = learning_trajectory(emb, list(words), n=300)
    return cache[key]


def _accuracy(emb: TrainedEmbeddings) -> pd.DataFrame:
    cache = st.session_state.setdefault(f"{P}_acc", {})
    if id(emb) not in cache:
        cache.clear()
        cache[id(emb)] = snapshot_accuracy(emb)
    return cache[id(emb)]
