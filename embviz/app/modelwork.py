"""The Models page's work and its two question panels: comparisons, maps and benchmark answers kept
per server process (keyed by the two tables' content), and the same questions asked of both."""
from __future__ import annotations

import streamlit as st

from embviz.app import common
from embviz.app.shared import SharedStore
from embviz.figures.models import benchmark_bars
from embviz.models import analogy_both, same_questions

P = "models"
MAX_STORED = 12


@st.cache_resource(show_spinner=False)
def _store() -> SharedStore:
    return SharedStore(MAX_STORED)


def remembered(key: tuple, make=None):
    """The stored value for ``key``; else ``make()`` (kept unless it was stopped), or None."""
    return _store().get(key) if make is None else _store().get_or_make(key, make)


def questions(cmp, key: tuple) -> None:
    st.subheader("The same questions to both")
    st.caption(f"The Google analogy set and WordSim-353 / SimLex-999, asked on the {cmp.n:,} shared words "
               "only: a question counts for both models or for neither.")
    stored = remembered(key + ("questions",))
    if stored is None and st.button("Ask both the benchmark questions", key=f"{P}_bench", icon=":material/quiz:"):
        try:
            stored = remembered(key + ("questions",), lambda: common.run_with_progress(
                "Benchmarks on the shared words", same_questions, cmp))
        except Exception as exc:  # noqa: BLE001
            common.show_error(exc)
    if stored is None:
        return
    sections = stored.analogies.rename(columns={"asked": "questions asked", "accuracy_a": "accuracy A",
                                                "accuracy_b": "accuracy B", "difference": "B − A"})
    pct, three = st.column_config.NumberColumn(format="%.1f%%"), st.column_config.NumberColumn(format="%.3f")
    sections[["accuracy A", "accuracy B", "B − A"]] *= 100
    similarity = stored.similarity.rename(columns={"spearman_a": "Spearman A", "spearman_b": "Spearman B"})
    similarity.insert(1, "pairs used", [f"{u:,.0f} of {p:,.0f}" for u, p in zip(similarity["used"], similarity["pairs"])])
    similarity = similarity.drop(columns=["used", "pairs"])
    left, right = st.columns([3, 2])
    left.dataframe(sections[["section", "questions asked", "accuracy A", "accuracy B", "B − A"]], hide_index=True,
                   width="stretch", key=f"{P}_sections", column_config={"accuracy A": pct, "accuracy B": pct, "B − A": pct})
    right.dataframe(similarity.drop(columns=[] if similarity["note"].any() else ["note"]), hide_index=True,
                    width="stretch", key=f"{P}_similarity", column_config={"Spearman A": three, "Spearman B": three})
    if (stored.analogies["asked"] > 0).any():
        st.plotly_chart(benchmark_bars(stored.analogies, ("A", "B")), key=f"{P}_bars", width="stretch")


def analogy(cmp) -> None:
    st.subheader("Ask both an analogy")
    query = st.text_input("Analogy", "king - man + woman", key=f"{P}_analogy",
                          help="An expression such as king - man + woman, or man : king :: woman : ?")
    if not query.strip():
        return
    try:
        both = analogy_both(cmp, query, topn=10)
    except Exception as exc:  # noqa: BLE001 — unknown or unshared word, bad expression
        common.show_error(exc)
        return
    table = both.table.rename(columns={"a": "A", "score_a": "score A", "b": "B", "score_b": "score B"})
    three = st.column_config.NumberColumn(format="%.3f")
    st.dataframe(table, hide_index=True, width="stretch", key=f"{P}_answers",
                 column_config={"rank": st.column_config.NumberColumn(width="small"), "score A": three, "score B": three})
    st.caption(f"Both answer from the {cmp.n:,} shared words; the input words are left out.")
