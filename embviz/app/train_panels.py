"""The Train page's side panels: saving a trained model, the pretrained-vs-trained comparison,
and embedding texts with the transformer (the page is :mod:`embviz.app.pages.train`)."""
from __future__ import annotations

import hashlib
import io

import pandas as pd
import streamlit as st

import embviz
from embviz.formats import to_bytes
from embviz.app import common
from embviz.figures.training import transfer_figure
from embviz.train import TrainedEmbeddings, analogy_answers

P = "train"
SHIPPED = "Shipped corpus (KJV Bible, WordNet glosses, Jane Austen)"
UPLOAD = "Upload a .txt / .txt.gz file"


def corpus_choice() -> tuple[str | bytes, str] | None:
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


def settings() -> dict:
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


def analogy(emb: TrainedEmbeddings) -> None:
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


def download(emb: TrainedEmbeddings, col, button_col) -> None:
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
            cache[key] = _saved(emb, name)
        except (OSError, ValueError) as exc:
            common.show_error(exc)
            return
    filename, data = cache[key]
    button_col.download_button(f"Download {filename}", data, file_name=filename, key=f"{P}_download",
                        icon=":material/download:")


def _saved(emb, fmt: str) -> tuple[str, bytes]:
    """The trained table as a download in ``fmt`` (:func:`embviz.formats.to_bytes`)."""
    return to_bytes(emb, fmt, stem="word2vec_" + hashlib.sha1(emb.fingerprint().encode()).hexdigest()[:6])


def transfer(emb: TrainedEmbeddings) -> None:
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
def embed_tab() -> None:
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
