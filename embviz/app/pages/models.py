"""Models: two tables side by side (the bundled one, the sidebar's, every table made in this session
and a trained model's epoch snapshots) — the shared words, both maps facing the same way, word by
word what moved, and the same questions to both. The work is done by :mod:`embviz.models`."""
from __future__ import annotations

from functools import partial

import streamlit as st

from embviz import Embeddings
from embviz.app import common, controls, modelwork, present, sources, text
from embviz.figures.models import hover_text, model_map, morph, overlap_histogram
from embviz.figures.selection import selected_rows, trace_rows
from embviz.models import CASES, compare_models, model_maps
from embviz.reduce.base import map_methods

P = "models"
TABLE_ROWS = 200
CASE_LABELS = {"exact": "exactly", "lower": "ignoring case"}
FIRST_MAPS = ("pca", "tsne", "umap")  # the maps' order in the menu; every other registered map follows


def render() -> None:
    present.title("Compare models", "Put two embedding tables side by side: which words both know, how each "
                  "one arranges them, and word by word how much their neighbourhoods agree. **Overlap@k** is the "
                  "share of a word's k nearest neighbours (among the shared words) that both models have; "
                  "**rank change** is how far those neighbours moved in rank (0 = same order).")
    options = _options()
    with present.controls():
        request = _form(options)
    if request is None:
        st.info("Pick two tables and press **Compare**" + (" (in the Controls above)." if present.is_on() else "."),
                icon=":material/difference:")
        return
    if request["a"] not in options or request["b"] not in options:
        st.warning("A table of this comparison is no longer in this session; pick again.")
        return
    a, b = (options[request[side]][1]() for side in "ab")
    key = ("compare", a.fingerprint(), b.fingerprint(), request["k"], request["case"])
    try:
        cmp = modelwork.remembered(key, lambda: common.run_with_progress(
            "Finding every shared word's neighbours in both models", compare_models, a, b,
            k=request["k"], case=request["case"]))
    except Exception as exc:  # noqa: BLE001 — too few shared words, bad k: say so, keep the page
        common.show_error(exc)
        return
    names = (options[request["a"]][0], options[request["b"]][0])
    if present.is_on():  # a projector shows one figure: the morph from A's map to B's
        _present_morph(cmp, key, request)
        return
    _summary(cmp, names)
    _maps(cmp, key, request)
    _changed(cmp)
    modelwork.questions(cmp, key)
    modelwork.analogy(cmp)


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
    if st.session_state.get(f"{P}_newest", newest) != newest:  # a table made or uploaded since: B is it
        st.session_state[f"{P}_b"] = newest
    st.session_state[f"{P}_newest"] = newest
    with st.form(f"{P}_form", border=True):
        left, right = st.columns(2)
        left.selectbox("Model A", ids, format_func=lambda i: options[i][0], key=f"{P}_a")
        right.selectbox("Model B", ids, format_func=lambda i: options[i][0], key=f"{P}_b")
        c1, c2, c3, c4, c5 = st.columns([1, 1.2, 1.2, 1.2, 1.4], vertical_alignment="bottom")
        k = c1.number_input("Neighbours k", 1, 100, 10, key=f"{P}_k")
        case = c2.selectbox("Words match", list(CASES), format_func=CASE_LABELS.get, key=f"{P}_case",
                            help="Ignoring case, the first spelling in each table (the most frequent in "
                                 "frequency-ordered files) stands for a word.")
        method = c3.selectbox("Maps", map_methods(FIRST_MAPS), format_func=controls.method_label, key=f"{P}_method")
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


def _model_maps(cmp, key: tuple, r: dict):
    """Both maps (kept), their words' overlap and hover texts; ``None`` after saying what went wrong."""
    try:
        maps = modelwork.remembered(key + ("maps", r["method"], r["n"]),
                                    lambda: model_maps(cmp, r["method"], n=r["n"], project=common.projection))
    except Exception as exc:  # noqa: BLE001
        common.show_error(exc)
        return None
    overlap = cmp.at(maps.rows)
    return maps, overlap, hover_text(maps.words, overlap, cmp.at(maps.rows, "rank_change"), cmp.k)


def _maps(cmp, key: tuple, r: dict) -> None:
    st.subheader("Both maps, facing the same way")
    if (drawn := _model_maps(cmp, key, r)) is None:
        return
    maps, overlap, hover = drawn
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


def _present_morph(cmp, key: tuple, r: dict) -> None:
    if (drawn := _model_maps(cmp, key, r)) is None:
        return
    maps, overlap, hover = drawn
    present.chart(morph(maps.a, maps.b, maps.words, overlap, k=cmp.k, names=("A", "B"), hover=hover),
                  f"{P}_morph_present")


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
