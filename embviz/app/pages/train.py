"""Train: learn word vectors from text and watch them learn; embed new text with a transformer.

Training runs in the worker pool (embviz.work) so the page stays responsive: a fragment polls its
progress (epoch, loss, words/s, time left) and offers a Stop button that keeps what was learned so far.
"""
from __future__ import annotations

import hashlib
import io
import tempfile
import time
import zipfile
from pathlib import Path

import pandas as pd
import streamlit as st

import embviz
from embviz import work
from embviz.app import common, jobs, present, slideshow, sources
from embviz.figures.training import accuracy_figure, learning_animation, loss_figure, transfer_figure
from embviz.train import (
    TrainedEmbeddings,
    analogy_answers,
    learning_trajectory,
    snapshot_accuracy,
    train_word2vec,
)

P = "train"
SHIPPED = "Shipped corpus (KJV Bible, WordNet glosses, Jane Austen)"
UPLOAD = "Upload a .txt / .txt.gz file"
WATCH = "king, queen, man, woman, father, mother, son, daughter, god, lord, love, war, sea, land"
VIEW_KEYS = {"words": str}  # what a saved view of this page stores (the trained model is its data)


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
        "here on real text and watch the words travel from random noise into their neighbourhoods.",
    )
    if present.is_on():  # a projector shows the learning animation; the transformer tab stays on the desk
        _train_tab()
        return
    train_tab, embed_tab = st.tabs(["Train word2vec", "Embed text with a transformer"])
    with train_tab:
        _train_tab()
    with embed_tab:
        _embed_tab()


def _corpus_choice() -> tuple[str | bytes, str] | None:
    choice = st.radio("Corpus", [SHIPPED, UPLOAD], key=f"{P}_corpus", horizontal=True)
    if choice == SHIPPED:
        try:
            path = embviz.demo_corpus()
        except FileNotFoundError as exc:
            common.show_error(exc)
            return None
        st.caption("About 3 million words of public-domain and permissively licensed English, one "
                   "sentence per line. Licences: `data/LICENSES.md`.")
        return str(path), "shipped corpus"
    upload = st.file_uploader("Text file, one sentence or paragraph per line (UTF-8, optionally gzip)",
                              type=["txt", "gz"], key=f"{P}_upload")
    if upload is None:
        st.info("Upload a plain-text file to train on it. A few hundred thousand words give usable "
                "neighbours; a few thousand are too few to learn much.")
        return None
    return upload.getvalue(), upload.name


def _settings() -> dict:
    with st.expander("Tokenisation — how the text is cut into words", expanded=False):
        c1, c2, c3 = st.columns(3)
        lowercase = c1.checkbox("Lowercase", True, key=f"{P}_lower",
                                help="'King' and 'king' become one word with one vector, learned from "
                                     "more examples.")
        strip = c2.checkbox("Strip punctuation", True, key=f"{P}_strip",
                            help="Keep only letters and digits (inner apostrophes stay: don't). "
                                 "Otherwise 'end.' and 'end' are different words.")
        min_length = c3.number_input("Minimum word length", 1, 20, 1, key=f"{P}_minlen",
                                     help="Drop tokens shorter than this (1 keeps 'a' and 'I').")
    c1, c2, c3, c4, c5 = st.columns(5)
    algo = c1.selectbox("Algorithm", ["CBOW", "Skip-gram"], key=f"{P}_algo",
                        help="CBOW predicts a word from its neighbours (fast); skip-gram predicts the "
                             "neighbours from the word (slower, better for rare words).")
    dims = c2.number_input("Dimensions", 10, 300, 100, 10, key=f"{P}_dims",
                           help="Length of each learned vector (d).")
    epochs = c3.number_input("Epochs", 1, 30, 5, key=f"{P}_epochs",
                             help="Passes over the corpus; a snapshot is kept after each.")
    window = c4.number_input("Window", 1, 20, 8, key=f"{P}_window",
                             help="How many words either side count as context.")
    min_count = c5.number_input("Minimum count", 1, 1000, 10, key=f"{P}_mincount",
                                help="Words seen fewer times are ignored (they would get poor vectors).")
    return dict(dims=int(dims), epochs=int(epochs), window=int(window), min_count=int(min_count),
                sg=algo == "Skip-gram", lowercase=lowercase, strip_punctuation=strip,
                min_length=int(min_length), seed=0, workers=2)


def _train_tab() -> None:
    ss = st.session_state
    controls_box = present.controls()
    with controls_box:
        source = _corpus_choice()
        settings = _settings()
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
    _download(emb, a2, a3)
    _analogy(emb)
    st.subheader("Watch it learn")
    if not emb.snapshots:
        st.info("No snapshots were kept for this run.")
        return
    words_text = st.text_input("Words to follow (comma-separated)", WATCH, key=f"{P}_words",
                               help="Shown in red; the grey points are the 300 most frequent words.")
    words = [w.strip().lower() for w in words_text.split(",") if w.strip()]
    left, right = st.columns([3, 2])
    with left:
        traj = _trajectory(emb, tuple(words))
        shown = [w for w in words if w in traj.keys]
        missing = [w for w in words if w not in traj.keys]
        st.plotly_chart(learning_animation(traj.coords, traj.keys, highlight=shown),
                        key=f"{P}_animation", width="stretch")
        cap = ("Each snapshot is projected with PCA and turned (orthogonal Procrustes) to face like the "
               "final one, so motion is learning, not rotation. Press ▶ or drag the slider.")
        unknown = [w for w in missing if w not in emb]
        rare = [w for w in missing if w in emb]
        if unknown:
            cap += f" Not in the vocabulary: {', '.join(unknown)}."
        if rare:
            cap += (f" Not among the {len(emb.snapshot_keys):,} most frequent words that snapshots "
                    f"keep: {', '.join(rare)}.")
        st.caption(cap)
        _save_view(emb)
    with right:
        st.plotly_chart(loss_figure(emb.loss), key=f"{P}_loss", width="stretch")
        st.plotly_chart(accuracy_figure(_accuracy(emb)), key=f"{P}_accuracy", width="stretch")
    _transfer(emb)


def _present_results(emb: TrainedEmbeddings, controls_box) -> None:
    """On a projector: the learning animation alone, full width."""
    with controls_box:
        words_text = st.text_input("Words to follow (comma-separated)", WATCH, key=f"{P}_words")
        _save_view(emb)
    if not emb.snapshots:
        st.info("No snapshots were kept for this run.")
        return
    words = [w.strip().lower() for w in words_text.split(",") if w.strip()]
    traj = _trajectory(emb, tuple(words))
    shown = [w for w in words if w in traj.keys]
    present.chart(learning_animation(traj.coords, traj.keys, highlight=shown), f"{P}_animation")


def _save_view(emb: TrainedEmbeddings) -> None:
    """Save the animation as a slide: its data is the trained model (kept in this session)."""
    made = next((s for s in sources.listed() if s.kind == "trained" and s.extra.get("model") is emb), None)
    view = slideshow.page_view(P, VIEW_KEYS)
    if made is not None:
        view.data = made.id
    present.save_view_button(P, view)


def _trajectory(emb: TrainedEmbeddings, words: tuple[str, ...]):
    cache = st.session_state.setdefault(f"{P}_traj", {})
    key = (id(emb), words)
    if key not in cache:
        cache.clear()
        cache[key] = learning_trajectory(emb, list(words), n=300)
    return cache[key]


def _accuracy(emb: TrainedEmbeddings) -> pd.DataFrame:
    cache = st.session_state.setdefault(f"{P}_acc", {})
    if id(emb) not in cache:
        cache.clear()
        cache[id(emb)] = snapshot_accuracy(emb)
    return cache[id(emb)]


def _analogy(emb: TrainedEmbeddings) -> None:
    st.subheader("Meaning arithmetic on what was just learned")
    c1, c2, c3, c4 = st.columns([1, 1, 1, 3], vertical_alignment="bottom")
    b = c1.text_input("Start from", "king", key=f"{P}_an_b")
    a = c2.text_input("minus", "man", key=f"{P}_an_a")
    c = c3.text_input("plus", "woman", key=f"{P}_an_c")
    try:
        answers = analogy_answers(emb, a.strip().lower(), b.strip().lower(), c.strip().lower(), topn=5)
    except (KeyError, ValueError) as exc:
        common.show_error(exc)
        return
    text = ", ".join(f"**{w}** ({s:.2f})" if i == 0 else f"{w} ({s:.2f})" for i, (w, s) in enumerate(answers))
    c4.markdown(f"{b} − {a} + {c} → {text}")


def _download(emb: TrainedEmbeddings, col, button_col) -> None:
    formats = {name: info for name, info in embviz.FORMATS.items() if info.writable}
    with col:
        name = st.selectbox("Save as", list(formats), index=list(formats).index("npz") if "npz" in formats else 0,
                            format_func=lambda n: formats[n].label, key=f"{P}_format",
                            label_visibility="collapsed")
    cache = st.session_state.setdefault(f"{P}_files", {})
    key = (id(emb), name)
    if key not in cache:
        cache.clear()
        try:
            cache[key] = _saved(emb, name, formats[name].extensions[0])
        except (OSError, ValueError) as exc:
            common.show_error(exc)
            return
    filename, data = cache[key]
    button_col.download_button(f"Download {filename}", data, file_name=filename, key=f"{P}_download",
                        icon=":material/download:")


def _saved(emb, fmt: str, ext: str) -> tuple[str, bytes]:
    """Write with embviz.save into a temporary folder; several files come back as one zip."""
    stem = "word2vec_" + hashlib.sha1(emb.fingerprint().encode()).hexdigest()[:6]
    with tempfile.TemporaryDirectory() as tmp:
        files = embviz.save(emb, Path(tmp) / f"{stem}{ext}", format=fmt)
        if len(files) == 1:
            return files[0].name, files[0].read_bytes()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in files:
                zf.write(f, f.name)
        return f"{stem}_{fmt}.zip", buf.getvalue()


def _transfer(emb: TrainedEmbeddings) -> None:
    with st.expander("Why reuse pretrained embeddings? The same questions, two models"):
        st.caption("The pretrained MiniLM word table (learned from billions of words) against the model "
                   "trained here, both cut to the words they share and asked the same Google analogy "
                   "questions. A small corpus teaches some relations (family, grammar) but not "
                   "world knowledge (capitals, currencies) — that is why pretrained tables pay.")
        from embviz.onehot import transfer_table

        cache = st.session_state.setdefault(f"{P}_transfer", {})
        if id(emb) not in cache:
            cache.clear()
            try:
                cache[id(emb)] = transfer_table(embviz.demo(), emb)
            except (OSError, ValueError) as exc:
                common.show_error(exc)
                return
        table = cache[id(emb)]
        st.plotly_chart(transfer_figure(table), key=f"{P}_transfer_chart", width="stretch")
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"pretrained": st.column_config.NumberColumn(format="percent"),
                                    "trained": st.column_config.NumberColumn(format="percent")})
        st.caption(f"{table.attrs.get('shared_vocabulary', 0):,} shared words.")


# -- embed text ----------------------------------------------------------------------------------------
def _embed_tab() -> None:
    from embviz import encode

    st.caption("Embed your own words, sentences or a CSV text column with the pretrained transformer "
               "all-MiniLM-L6-v2 (384 dimensions), offline, then explore them on every page.")
    missing = encode.missing_extra()
    if missing:
        st.info(missing, icon=":material/extension:")
        st.code(encode.INSTALL, language="bash")
        return
    mode = st.radio("Input", ["Words or sentences", "A CSV column"], key=f"{P}_embed_mode", horizontal=True)
    run = None
    if mode == "Words or sentences":
        text = st.text_area("One text per line", "a cat sat on the mat\na kitten slept on the rug\n"
                            "the stock market fell sharply\nshares dropped in early trading\nking\nqueen",
                            key=f"{P}_embed_text", height=180)
        lines = [t for t in text.splitlines() if t.strip()]
        if st.button(f"Embed {len(lines)} texts", key=f"{P}_embed_go", disabled=not lines):
            run = (encode.embed_texts, dict(texts=lines))
    else:
        upload = st.file_uploader("CSV file", type=["csv"], key=f"{P}_embed_csv")
        if upload is not None:
            try:
                columns = list(pd.read_csv(io.BytesIO(upload.getvalue()), nrows=5, dtype=str).columns)
            except (ValueError, UnicodeDecodeError) as exc:
                common.show_error(ValueError(f"{upload.name} is not a readable CSV: {exc}"))
                return
            column = st.selectbox("Text column", columns, key=f"{P}_embed_column")
            if st.button("Embed the column", key=f"{P}_embed_go_csv"):
                run = (encode.embed_csv, dict(file=io.BytesIO(upload.getvalue()), column=column))
    if run is not None:
        try:
            emb = common.run_with_progress("Embedding with all-MiniLM-L6-v2", run[0], **run[1])
        except Exception as exc:
            common.show_error(exc)
            return
        st.session_state[f"{P}_embedded"] = emb
        common.set_active(emb, "texts", emb.name or f"{len(emb):,} texts")
    emb = st.session_state.get(f"{P}_embedded")
    if emb is not None and len(emb) > 1:
        st.success(f"Embedded {len(emb):,} texts × {emb.dim}; they are now the data on every page.",
                   icon=":material/check_circle:")
        query = st.selectbox("Nearest neighbours of", emb.keys, key=f"{P}_embed_query")
        st.dataframe(pd.DataFrame(emb.most_similar(query, topn=min(10, len(emb) - 1)),
                                  columns=["text", "cosine"]), hide_index=True, width="stretch")
