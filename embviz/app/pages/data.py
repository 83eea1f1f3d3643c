"""Data: load or upload a table, see its shape, metadata and problems, convert and download it."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

import embviz
from embviz import Embeddings
from embviz.app import common, present, sidebar, text
from embviz.formats import BINARY, to_bytes
from embviz.io import registry

P = "data"
_HASH = common.HASH
OVERVIEW = 100  # px: the row of numbers above the table when presenting


def render() -> None:
    present.title(
        "Data",
        "An embedding table is a list of words, each with a vector of numbers, and optionally a few "
        "facts per word (frequency, part of speech…). Pick a table in the sidebar or upload one here; "
        "check it for problems; download it in another format.",
    )
    controls_box = present.controls()
    with controls_box:
        _upload()
    emb = common.active_embeddings()
    _overview(emb)
    if present.is_on():  # a projector shows the numbers and the words, large
        with controls_box:
            q = st.text_input("Filter words", key=f"{P}_filter", placeholder="type to filter, e.g. ing")
        table, _ = _table(emb, q)
        present.table(table, formats={"norm": "%.3f"}, rows=present.rows(above=OVERVIEW))
        return
    left, right = st.columns([3, 2], gap="large")
    with left:
        _preview(emb)
    with right:
        _checks(emb)
        _convert(emb)


def _on_upload() -> None:
    files = st.session_state.get(f"{P}_upload") or []
    if not files:
        return
    try:
        emb = sidebar.load_uploads(files)
    except Exception as exc:  # noqa: BLE001 — shown on the page; the previous data stays
        st.session_state[f"{P}_error"] = sidebar._message(exc, ", ".join(f.name for f in files))
        return
    sidebar.activate_upload(emb, files)
    st.session_state.pop(f"{P}_error", None)


def _upload() -> None:
    with st.expander("Upload a table", icon=":material/upload_file:",
                     expanded=not common.active_source().startswith("upload:") and f"{P}_error" in st.session_state):
        st.file_uploader(
            "Embeddings file (or a TF-projector pair: vectors.tsv + metadata.tsv)", accept_multiple_files=True,
            key=f"{P}_upload", on_change=_on_upload, type=registry.upload_types(), help=registry.upload_help())
        st.caption("Files are read in memory, never executed or unpickled.")
    if msg := st.session_state.get(f"{P}_error"):
        st.error(msg, icon=":material/error:")


def _overview(emb: Embeddings) -> None:
    cols = st.columns(4)
    cols[0].metric("Words", f"{len(emb):,}")
    cols[1].metric("Dimensions", f"{emb.dim:,}")
    cols[2].metric("Metadata columns", len(emb.metadata.columns))
    cols[3].metric("Size in memory", _human(emb.vectors.nbytes))
    src = emb.source or common.active_source()
    st.caption(f"**{text.md(emb.name or 'Embeddings')}** · from {text.md(Path(src).name if '/' in src else src)}")


def _human(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return ""


def _table(emb: Embeddings, q: str) -> tuple[pd.DataFrame, int]:
    """The first 500 words (matching ``q``) with their metadata and vector length; how many match."""
    idx = np.arange(len(emb))
    if q:
        idx = np.array([i for i, k in enumerate(emb.keys) if q.lower() in k.lower()], dtype=np.int64)
    shown = idx[:500]
    table = emb.metadata.iloc[shown].reset_index(drop=True) if len(shown) else emb.metadata.iloc[:0]
    table.insert(0, "word", [emb.keys[i] for i in shown])
    table["norm"] = np.linalg.norm(emb.vectors[shown], axis=1) if len(shown) else np.array([])
    return table, len(idx)


def _preview(emb: Embeddings) -> None:
    st.subheader("Words and metadata")
    q = st.text_input("Filter words", key=f"{P}_filter", placeholder="type to filter, e.g. ing")
    table, n = _table(emb, q)
    st.dataframe(table, hide_index=True, width="stretch", height=420,
                 column_config={"norm": st.column_config.NumberColumn("‖v‖", format="%.3f")})
    st.caption(f"{n:,} words{' match' if q else ''}; showing the first {len(table):,}.")


@st.cache_data(show_spinner=False, max_entries=8, hash_funcs=_HASH)
def _problems(emb: Embeddings) -> dict:
    norms = np.linalg.norm(emb.vectors, axis=1)
    return dict(duplicates=emb.duplicate_vectors(), zeros=emb.zero_vectors(),
                norm_min=float(norms.min()), norm_median=float(np.median(norms)), norm_max=float(norms.max()))


def _checks(emb: Embeddings) -> None:
    st.subheader("Checks")
    with st.spinner("Looking for duplicate and zero vectors…"):
        p = _problems(emb)
    dups, zeros = p["duplicates"], p["zeros"]
    if not dups and not zeros:
        st.success("No duplicate vectors and no zero vectors.", icon=":material/check_circle:")
    if dups:
        n = sum(len(g) for g in dups)
        st.warning(f"{len(dups):,} groups of identical vectors ({n:,} words) — often a sign of a broken "
                   "export or of words the model never learned.", icon=":material/content_copy:")
        st.dataframe(pd.DataFrame({"identical vectors": [", ".join(g[:8]) + (" …" if len(g) > 8 else "")
                                                          for g in dups[:200]]}),
                     hide_index=True, width="stretch", height=min(38 + 35 * len(dups), 220))
    if zeros:
        st.warning(f"{len(zeros):,} zero vectors (no direction, so no cosine neighbours): "
                   + ", ".join(zeros[:10]) + (" …" if len(zeros) > 10 else ""), icon=":material/block:")
    st.caption(f"Vector lengths: min {p['norm_min']:.3g}, median {p['norm_median']:.3g}, max {p['norm_max']:.3g}. "
               "Cosine similarity ignores length; euclidean distance does not.")


def _convert(emb: Embeddings) -> None:
    st.subheader("Convert and download")
    formats = {k: f for k, f in embviz.FORMATS.items() if f.writable}
    fmt = st.selectbox("Format", list(formats), key=f"{P}_format",
                       format_func=lambda k: f"{formats[k].label} ({', '.join(formats[k].extensions)})")
    gz = st.toggle("gzip", key=f"{P}_gzip", help="Compress text formats (.gz); every reader opens them.",
                   disabled=fmt in BINARY)
    base = (emb.name or "embeddings").replace(" ", "_").replace("/", "_")[:60]
    ext = formats[fmt].extensions[0] + (".gz" if gz else "")
    name, mime = f"{base}{ext}", "application/octet-stream"
    if _writes_several(fmt, len(emb.metadata.columns) > 0):
        name, mime = f"{base}_{fmt}.zip", "application/zip"
    st.download_button(f"Download as {formats[fmt].label}", lambda: convert(emb, fmt, gz), name, mime,
                       key=f"{P}_download", icon=":material/download:", on_click="ignore", width="stretch")
    st.caption("Formats that write several files (projector TSV pair, .npy + keys) come as a zip.")


@st.cache_data(show_spinner=False)
def _writes_several(fmt: str, with_metadata: bool) -> bool:
    """Whether ``fmt`` writes more than one file (e.g. a metadata sidecar); tried once on a tiny table."""
    meta = pd.DataFrame({"n": [1, 2, 3]}) if with_metadata else None
    tiny = Embeddings(["a", "b", "c"], np.eye(3, dtype=np.float32), meta)
    return convert(tiny, fmt)[:2] == b"PK" and fmt != "npz"


def convert(emb: Embeddings, fmt: str, gz: bool = False) -> bytes:
    """The table written by ``embviz.save`` in ``fmt``: one file's bytes, or a zip of several."""
    return to_bytes(emb, fmt, gz=gz, stem="embeddings" if fmt != "projector" else "vectors")[1]