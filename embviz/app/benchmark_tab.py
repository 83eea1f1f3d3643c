"""The Analogies page's Benchmark tab: the Google analogy set, WordSim-353 and SimLex-999 on the
active table, with gensim's figures, the accuracy per section and the failures to browse."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from embviz import Embeddings
from embviz.analogies import METHODS
from embviz.app import common
from embviz.evaluate import evaluate_analogies, evaluate_similarity
from embviz.figures.benchmarks import section_accuracy

P = "analogies"
METHOD_LABELS = {"3cosadd": "3CosAdd", "3cosmul": "3CosMul"}


def render(emb: Embeddings) -> None:
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
            with tempfile.TemporaryDirectory(prefix="embviz_bench_") as folder:  # gone after the run
                path = _uploaded(upload, Path(folder)) if upload else None
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


def _uploaded(upload, folder: Path) -> Path:
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
    sec = rep.sections[rep.sections["total"] > 0]
    fig = section_accuracy(rep.sections)
    st.plotly_chart(fig, key=f"{P}_bench_chart", width="stretch")
    st.markdown(f"#### Failures · {rep.total - rep.correct:,}")
    f = st.columns([2, 1])
    text = f[0].text_input("Filter failures", key=f"{P}_fail_filter", placeholder="a word, e.g. berlin")
    sections = f[1].selectbox("Section", ["all", *sec["section"].tolist()], key=f"{P}_fail_section")
    fails = rep.failures_matching(text, None if sections == "all" else sections)
    st.dataframe(fails, hide_index=True, width="stretch", height=320, key=f"{P}_failures")
    st.caption(f"{len(fails):,} shown. 'got' is the top answer with the three input words left out.")
