"""Models: two tables side by side (the bundled one, the sidebar's, every table made in this session
and a trained model's epoch snapshots) — the shared words, both maps facing the same way, word by
word what moved, and the same questions to both. The work is done by :mod:`embviz.models`."""
from __future__ import annotations

from functools import partial

import streamlit as st

from embviz import Embeddings
from embviz.app import common, controls, sources, text
from embviz.app.shared import SharedStore
from embviz.figures.models import benchmark_bars, hover_text, model_map, morph, overlap_histogram
from embviz.figures.scatter import selected_rows, trace_rows
from embviz.models import CASES, analogy_both, compare_models, model_maps, same_questions

P = "models"
MAX_STORED = 12
TABLE_ROWS = 200
CASE_LABELS = {"exact": "exactly", "lower": "ignoring case"}
MAP_METHODS = ("pca", "tsne", "umap")


def render() -> None:
    st.title("Compare models")
    st.caption("Put two embedding tables side by side: which words both know, how each one arranges "
               "them, and word by word how much their neighbourhoods agree. **Overlap@k** is the share of "
               "a word's k nearest neighbours (among the shared words) that both models have; "
               "**rank change** is how far those neighbours moved in rank (0 = same order).")
    options = _options()
    request = _form(options)
    if request is None:
        st.info("Pick two tables and press **Compare**.", icon=":material/difference:")
        return
    if request["a"] not in options or request["b"] not in options:
        st.warning("A table of this comparison is no longer in this session; pick again.")
        return
    a, b = (options[request[side]][1]() for side in "ab")
    key = ("compare", a.fingerprint(), b.fingerprint(), request["k"], request["case"])
    try:
        cmp = _remembered(key, lambda: common.run_with_progress(
            "Finding every shared word's neighbours in both models", compare_models, a, b,
            k=request["k"], case=request["case"]))
    except Exception as exc:  # noqa: BLE001 — too few shared words, bad k: say so, keep the page
        common.show_error(exc)
        return
    names = (options[request["a"]][0], options[request["b"]][0])
    _summary(cmp, names)
    _maps(cmp, key, request)
    _changed(cmp)
    _questions(cmp, key)
    _analogy(cmp)


# -- choosing ------------------------------------------------------------------------------------
def _options() -> dict[str, tuple[str, object]]:
    """Table id -> (label, loader) for every table this session can compare."""
    demo = common.demo_table()
    out = {"demo": (f"Bundled: {demo.name} ({len(demo):,} × {demo.dim})", common.demo_table)}
    active = common.active_source()
    if not active.startswith("demo:") and sources.get(active) is None:  # a server or folder file
        emb = common.active_embeddings()
        out["active"] = (f"Open in the sidebar: {emb.name or active} ({len(emb):,} × {emb.dim})", lambda: emb)
    for src in sources.listed():
        out[src.id] = (src.describe(), lambda src=src: src.emb)
        model = src.extra.get("model")
        for epoch, snap in enumerate(getattr(model, "snapshots", None) or []):
            when = "random start" if epoch == 0 else f"after epoch {epoch}"
            out[f"{src.id}@{epoch}"] = (f"{src.label}: {when} ({len(snap):,} × {snap.shape[1]})",
                                        lambda m=model, e=epoch, name=f"{src.label}, epoch {epoch}":
                                        Embeddings(m.snapshot_keys, m.snapshots[e], name=name))
    return out


def _form(options: dict) -> dict | None:
    ids = list(options)
    newest = next((i for i in ids if i not in ("demo", "active") and "@" not in i), ids[-1])
    for side, default in (("a", ids[0]), ("b", newest)):
        if st.session_state.get(f"{P}_{side}") not in options:
            st.session_state[f"{P}_{side}"] = default
    with st.form(f"{P}_form", border=True):
        left, right = st.columns(2)
        left.selectbox("Model A", ids, format_func=lambda i: options[i][0], key=f"{P}_a")
        right.selectbox("Model B", ids, format_func=lambda i: options[i][0], key=f"{P}_b")
        c1, c2, c3, c4, c5 = st.columns([1, 1.2, 1.2, 1.2, 1.4], vertical_alignment="bottom")
        k = c1.number_input("Neighbours k", 1, 100, 10, key=f"{P}_k")
        case = c2.selectbox("Words match", list(CASES), format_func=CASE_LABELS.get, key=f"{P}_case",
                            help="Ignoring case, the first spelling in each table (the most frequent in "
                                 "frequency-ordered files) stands for a word.")
        method = c3.selectbox("Maps", MAP_METHODS, format_func=controls.method_label, key=f"{P}_method")
        n = c4.number_input("Words on the maps", 50, 5_000, 2_000, step=250, key=f"{P}_n",
                            help="The first shared words in A's order (the most frequent in the bundled table).")
        go = c5.form_submit_button("Compare", type="primary", key=f"{P}_go", icon=":material/difference:",
                                   width="stretch")
    if len(ids) == 1:
        st.caption("Only the bundled table is here: train a model on **Train**, upload a table in the "
                   "sidebar or remove a direction on **Analogies**, then compare it with this one.")
    if go:
        st.session_state[f"{P}_request"] = {"a": st.session_state[f"{P}_a"], "b": st.session_state[f"{P}_b"],
                                            "k": int(k), "case": case, "method": method, "n": int(n)}
        st.session_state[f"{P}_selected"] = []
    return st.session_state.get(f"{P}_request")


# -- computing (one store per process, keyed by content) -----------------------------------------
@st.cache_resource(show_spinner=False)
def _store() -> SharedStore:
    return SharedStore(MAX_STORED)


def _remembered(key: tuple, make=None):
    """The stored value for ``key``; else ``make()`` (kept unless it was stopped), or None."""
    return _store().get(key) if make is None else _store().get_or_make(key, make)


# -- showing ----------------------------------------------------------------------------------------
def _summary(cmp, names: tuple[str, str]) -> None:
    s = cmp.summary
    st.markdown(f"**A** — {text.md(names[0])}  \n**B** — {text.md(names[1])}")
    shown = [("Shared words", f"{s['shared']:,}", None), (f"Mean overlap@{cmp.k}", f"{s['mean_overlap']:.0%}", None),
             ("Median overlap", f"{s['median_overlap']:.0%}", None),
             ("Share no neighbour", f"{s['zero_overlap']:.0%}", None),
             ("Mean rank change", f"{s['mean_rank_change']:.2f}", f"0 = same order, {(cmp.k + 1) / 2:g} = nothing shared")]
    if cmp.residual is not None:
        shown.append(("Procrustes residual", f"{cmp.residual:.3f}", "||B R − A|| / ||A|| on the unit vectors"))
    for col, (label, value, help_) in zip(st.columns(6), shown):
        col.metric(label, value, help=help_)
    st.caption(text.md(f"Shared vocabulary: {cmp.vocab.describe()}. Alignment: {cmp.alignment_text}.")
               + (" **Stopped early**: only the first words were compared." if cmp.stopped else ""))


def _select(side: str) -> None:
    """A selection in either map: remember the words, highlighted in both."""
    event = st.session_state.get(f"{P}_map_{side}") or {}
    selection = event.get("selection") if isinstance(event, dict) else event.selection
    rows = st.session_state.get(f"{P}_rows_{side}") or []
    words = st.session_state.get(f"{P}_words") or []
    st.session_state[f"{P}_selected"] = [words[j] for j in selected_rows(selection or {}, rows) if j < len(words)]


def _maps(cmp, key: tuple, r: dict) -> None:
    st.subheader("Both maps, facing the same way")
    try:
        maps = _remembered(key + ("maps", r["method"], r["n"]),
                           lambda: model_maps(cmp, r["method"], n=r["n"], project=common.projection))
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)
        return
    overlap = cmp.at(maps.rows)
    hover = hover_text(maps.words, overlap, cmp.at(maps.rows, "rank_change"), cmp.k)
    st.session_state[f"{P}_words"] = maps.words
    index = {w: i for i, w in enumerate(maps.words)}
    selected = [w for w in st.session_state.get(f"{P}_selected", []) if w in index]
    highlight = [index[w] for w in selected]
    note = f"{len(maps.words):,} of {cmp.n:,} shared words"
    for side, col, coords in zip("ab", st.columns(2), (maps.a, maps.b)):
        fig = model_map(coords, maps.words, overlap, k=cmp.k, hover=hover, highlight=highlight,
                        title=f"{side.upper()} · {controls.method_label(r['method'])}", note=note)
        st.session_state[f"{P}_rows_{side}"] = trace_rows(fig)
        col.plotly_chart(fig, key=f"{P}_map_{side}", on_select=partial(_select, side),
                         selection_mode=("points", "box", "lasso"), width="stretch")
    st.caption(text.md(f"How: {maps.how}. Colour: overlap@{cmp.k}, the same scale in both. ")
               + ("Drag a box or lasso on either map to highlight the same words in both."
                  if not selected else text.md(f"{len(selected):,} selected: " + ", ".join(selected[:15])
                                               + (" …" if len(selected) > 15 else ""))))
    left, right = st.columns([3, 2])
    left.plotly_chart(morph(maps.a, maps.b, maps.words, overlap, k=cmp.k, names=("A", "B"), hover=hover),
                      key=f"{P}_morph", width="stretch")
    right.plotly_chart(overlap_histogram(cmp.overlap, cmp.k), key=f"{P}_hist", width="stretch")


def _changed(cmp) -> None:
    st.subheader("What moved: the most and least changed words")
    cols = {"word": "word", "overlap": f"overlap@{cmp.k}", "rank_change": "rank change",
            "aligned_cosine": "cosine after turning", "neighbors_a": "neighbours in A", "neighbors_b": "neighbours in B"}
    num, words = st.column_config.NumberColumn, st.column_config.TextColumn(width=260)
    config = {"word": st.column_config.TextColumn(width=100), "rank change": num(format="%.2f", width=90),
              f"overlap@{cmp.k}": num(format="percent", width=80), "cosine after turning": num(format="%.3f", width=90),
              "neighbours in A": words, "neighbours in B": words}
    for tab, (name, frame) in zip(st.tabs(["Most changed", "Least changed"]),
                                  (("most", cmp.most_changed(TABLE_ROWS)), ("least", cmp.least_changed(TABLE_ROWS)))):
        shown = frame[[c for c in cols if c in frame.columns]].rename(columns=cols)
        for c in ("neighbours in A", "neighbours in B"):
            shown[c] = shown[c].map(", ".join)
        tab.dataframe(shown, hide_index=True, width="stretch", column_config=config, key=f"{P}_{name}")
    st.caption(f"The {TABLE_ROWS} words with the lowest (or highest) overlap, ties broken by rank change and "
               "frequency; click a column header to sort.")
    find = st.text_input("Look up a word", key=f"{P}_find", placeholder="a shared word: its neighbours in both models")
    if find.strip():
        row = cmp.table[cmp.table["word"] == find.strip()]
        if row.empty:
            st.caption(text.md(f"{find.strip()!r} is not among the compared shared words."))
            return
        r = row.iloc[0]
        both = set(r["neighbors_a"]) & set(r["neighbors_b"])
        for col, side in zip(st.columns(2), "ab"):
            listed = "  \n".join(f"{i}. " + (f"**{text.md(w)}**" if w in both else text.md(w))
                                 for i, w in enumerate(r[f"neighbors_{side}"], 1))
            col.markdown(f"**In {side.upper()}** (shared neighbours in bold)  \n{listed}")


def _questions(cmp, key: tuple) -> None:
    st.subheader("The same questions to both")
    st.caption(f"The Google analogy set and WordSim-353 / SimLex-999, asked on the {cmp.n:,} shared words "
               "only: a question counts for both models or for neither.")
    stored = _remembered(key + ("questions",))
    if stored is None and st.button("Ask both the benchmark questions", key=f"{P}_bench", icon=":material/quiz:"):
        try:
            stored = _remembered(key + ("questions",), lambda: common.run_with_progress(
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


def _analogy(cmp) -> None:
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
