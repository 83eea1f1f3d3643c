"""Explore's "Place new points on this map": words of another table of this session, an uploaded
file or texts embedded with the transformer, placed on the map on screen.

The choice is made in an expander below the map; pressing *Place* keeps the chosen points (at
most :data:`embviz.mapplace.MAX_POINTS`) in the session, and every run places them on whatever
map is drawn (:func:`current`, cached by content) — so a new method or sample moves them too.
The rows, the placement and the layer are the package's (:mod:`embviz.mapplace`); this module lays
out widgets. Placed points are kept per session only: not in saved views or links.
"""
from __future__ import annotations

import numpy as np
import streamlit as st

from embviz import Embeddings, mapplace
from embviz.app import common, sources, text
from embviz.errors import EmbvizError, InputError
from embviz.io import registry

P = "explore_place"
TABLE, UPLOAD, TEXTS = "A table of this session", "An uploaded file", "Texts (transformer)"


# -- the overlay of this run -------------------------------------------------------------------
def current(full: Embeddings, proj) -> mapplace.Overlay | None:
    """The points asked for, placed on ``proj`` (a map of rows of ``full``), or ``None``."""
    ss = st.session_state
    ss.pop(f"{P}_problem", None)
    new = ss.get(f"{P}_request")
    if new is None:
        return None
    try:
        return _overlay(full, common.projection_id(proj), _coords_key(proj), new, proj)
    except EmbvizError as exc:
        ss[f"{P}_problem"] = common.error_text(exc)
        return None


def key(overlay: mapplace.Overlay | None) -> str:
    """What a drawing's content key needs of the overlay (the placed vectors and coordinates)."""
    return "" if overlay is None else overlay.fingerprint


def _coords_key(proj) -> str:
    import hashlib

    return hashlib.blake2b(np.ascontiguousarray(proj.coords).tobytes(), digest_size=12).hexdigest()


@st.cache_resource(show_spinner="Placing the new points…", max_entries=16, hash_funcs=common.HASH)
def _overlay(full: Embeddings, pid: str, coords: str, new: Embeddings, _proj) -> mapplace.Overlay:
    return mapplace.overlay(_proj, full, new)


# -- below the map -----------------------------------------------------------------------------
def panel(full: Embeddings, overlay: mapplace.Overlay | None) -> None:
    """The caption of the placed points, any problem, and the controls (in an expander)."""
    ss = st.session_state
    if overlay is not None:
        st.caption(text.md(overlay.caption))
    for note in ss.get(f"{P}_notes", []):
        st.caption(text.md(note))
    problem = ss.get(f"{P}_problem") or ss.pop(f"{P}_problem_once", None)
    if problem:
        st.warning(problem, icon=":material/warning:")
    with st.expander("Place new points on this map", icon=":material/add_location_alt:",
                     expanded=overlay is not None or bool(problem)):
        _controls(full)


def _controls(full: Embeddings) -> None:
    st.caption(f"Words of another table, a file or texts of the same dimension as this table ({full.dim}), "
               f"up to {mapplace.MAX_POINTS} at a time, placed where the map would put them; their nearest "
               "original words and how far they sit from the map are measured in the original space.")
    kind = st.radio("From", [TABLE, UPLOAD, TEXTS], key=f"{P}_from", horizontal=True)
    table = None
    if kind == TABLE:
        table = _session_table(full)
    elif kind == UPLOAD:
        table = _uploaded()
    else:
        _texts(full)
        return
    if table is None:
        return
    if table.dim != full.dim:
        st.info(text.md(f"{table.name or 'This table'} has vectors of {table.dim} dimensions; this map's table "
                        f"{full.name or ''} has {full.dim}. Only vectors of the same dimension can be placed on "
                        "it."), icon=":material/straighten:")
        return
    box = f"{P}_words_{table.fingerprint()[:10]}"
    if box not in st.session_state:
        st.session_state[box] = ", ".join(table.keys[: mapplace.DEFAULT_WORDS])
    st.text_input("Words, comma-separated", key=box,
                  help=f"Empty: the first {mapplace.DEFAULT_WORDS} words of the table; at most "
                       f"{mapplace.MAX_POINTS} are placed.")
    _buttons(lambda: mapplace.choose(table, st.session_state.get(box, "")))


def _session_table(full: Embeddings) -> Embeddings | None:
    made = {src.id: src for src in sources.listed() if src.id != common.active_source()}
    if not made:
        st.info("No other table in this session yet: upload one here, train one on Train, or embed texts there.",
                icon=":material/info:")
        return None
    pick = st.selectbox("Table", list(made), format_func=lambda i: made[i].describe(), key=f"{P}_table")
    return made.get(pick).emb if pick in made else None


def _uploaded() -> Embeddings | None:
    """The file uploaded here (read as the sidebar reads uploads: size limit, format table, no pickle)."""
    from embviz.app import security, sidebar

    limit = security.max_upload_bytes() / 1024**2
    f = st.file_uploader("Embeddings file", key=f"{P}_upload", type=registry.upload_types(),
                         help=registry.upload_help() + f" Up to {limit:,.0f} MB.")
    if f is None:
        return None
    loaded = st.session_state.get(f"{P}_loaded")
    if loaded is None or loaded[0] != f.file_id:
        try:
            emb = sidebar.load_uploads([f])
        except Exception as exc:  # noqa: BLE001 — shown, nothing placed
            common.show_error(exc, f"loading {f.name}")
            return None
        emb.name = emb.name or f.name
        loaded = st.session_state[f"{P}_loaded"] = (f.file_id, sources.plain(emb))
    return loaded[1]


def _texts(full: Embeddings) -> None:
    from embviz import encode

    if missing := encode.missing_extra():
        st.info(missing, icon=":material/extension:")
        return
    if full.dim != encode.DIM:
        st.info(f"Texts embedded with {encode.MODEL_NAME} are {encode.DIM}-dimensional sentence vectors (the "
                f"transformer's pooled output); this map's table has {full.dim} dimensions"
                + (" (the model's input token embeddings reduced by PCA — another space)" if full.dim == 128 else "")
                + ", so texts cannot be placed on it. Embed texts on Train and explore that table to place "
                "more texts on its map.", icon=":material/straighten:")
        return
    if full.source != encode.MODEL_NAME:
        st.caption(f"This table has {encode.DIM} dimensions but was not made by {encode.MODEL_NAME}: texts land "
                   "by similarity to vectors of another model.")
    st.text_area("Texts, one per line", key=f"{P}_texts", height=120)

    def embed():
        lines = [t for t in (st.session_state.get(f"{P}_texts") or "").splitlines() if t.strip()]
        if not lines:
            raise InputError("type at least one text to place")
        notes = [f"{len(lines):,} texts given; the first {mapplace.MAX_POINTS:,} are placed"] \
            if len(lines) > mapplace.MAX_POINTS else []
        return encode.embed_texts(lines[: mapplace.MAX_POINTS], name="texts"), notes

    _buttons(embed)


def _buttons(build) -> None:
    cols = st.columns([1, 1, 2])
    cols[0].button("Place on this map", key=f"{P}_go", type="primary", icon=":material/add_location:",
                   on_click=_place, args=(build,))
    if st.session_state.get(f"{P}_request") is not None:
        cols[1].button("Remove placed points", key=f"{P}_clear", on_click=_clear)


def _place(build) -> None:
    ss = st.session_state
    try:
        new, notes = build()
    except Exception as exc:  # noqa: BLE001 — a bad word list or file: said, nothing placed
        ss[f"{P}_notes"], ss[f"{P}_request"] = [], None
        ss[f"{P}_problem_once"] = common.error_text(exc)
        return
    ss[f"{P}_request"], ss[f"{P}_notes"] = sources.plain(new), list(notes)


def _clear() -> None:
    for name in ("request", "notes"):
        st.session_state.pop(f"{P}_{name}", None)


# -- beside the map ----------------------------------------------------------------------------
def table(overlay: mapplace.Overlay | None) -> None:
    """The placed points: key, confidence, distance percentile, nearest original neighbours."""
    if overlay is None:
        return
    st.markdown(f"#### Placed points · {len(overlay.keys):,}")
    cfg = st.column_config
    st.dataframe(overlay.table(), hide_index=True, width="stretch", key=f"{P}_table_view", column_config={
        "key": cfg.TextColumn(width="small"), "confidence": cfg.TextColumn("conf.", width="small"),
        "distance percentile": cfg.NumberColumn(
            "pctl", width="small", format="%.0f",
            help="Distance percentile: the share of the map's own points (in %) that sit closer to their "
                 "nearest neighbour than this point sits to the map — ≤ 90 high, ≤ 99 medium, above: low confidence."),
        "nearest original neighbours": cfg.TextColumn("nearest original neighbours", width="large")})
