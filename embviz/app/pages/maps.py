"""Large maps: precomputed coordinates of up to millions of points, as a density image plus points.

``embviz project big.npy --sample 20000 -o coords.parquet`` maps a million vectors in batch (on
Dask); this page opens what it wrote. The whole set is drawn as a 2-D histogram (log colour, so
sparse regions stay visible); on top, interactive markers for a random sample. Drag a box to zoom:
the histogram is recomputed for the window and the markers become the points inside it, so zooming
adds detail instead of magnifying pixels.

Sources: the coordinates file the server was started with (``embviz serve coords.parquet``),
coordinate tables in the operator's data folders, an upload, or the 2-D PCA map of the data chosen
in the sidebar (so the page shows something on the demo).
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from embviz import mapview
from embviz.errors import InputError

from embviz.app import common, present, security
from embviz.coords import read_coordinates as load_coordinates
from embviz.figures.density import density_figure, window_mask

P = "maps"
SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")
MAX_COLOUR_VALUES = 24
SOURCES = {
    "server": "File the server opened",
    "active": "Map of the sidebar's data (PCA)",
    "folder": "Data folder",
    "upload": "Upload coordinates",
}


def render() -> None:
    present.title(
        "Large maps",
        "A million points cannot be drawn one by one in a browser, and would hide each other if they "
        "were. Here the whole set is a **density image** (how many points fall in each cell, on a log "
        "scale) and a **sample** is drawn as real points you can hover. Drag a box on the map to zoom "
        "in: the image and the points are recomputed for that window. Coordinates come from "
        "`embviz project big.npy --sample 20000 -o coords.parquet` (see the README).",
    )
    controls_box = present.controls()
    with controls_box:
        table = _choose_table()
    if table is None:
        return
    _show(table, controls_box)


# -- choosing the coordinates --------------------------------------------------------------------------
def _sources() -> list[str]:
    out = ["server"] if security.server_coordinates() else []
    out.append("active")
    if _folder_files():
        out.append("folder")
    return out + ["upload"]


def _folder_files() -> list[tuple[int, str]]:
    files = []
    for i, folder in enumerate(security.data_dirs()):
        files += [(i, name) for name in security.list_files(folder) if name.lower().endswith(SUFFIXES)]
    return files


@st.cache_resource(show_spinner=False, max_entries=4)
def _load_file(path: str, mtime: float, size: int) -> pd.DataFrame:
    return load_coordinates(path)


def _load_path(path: Path) -> pd.DataFrame:
    info = path.stat()
    return _load_file(str(path), info.st_mtime, info.st_size)


def _load_upload(upload) -> pd.DataFrame:
    """An uploaded table, loaded once per upload (its file id) and kept for the session."""
    cached = st.session_state.get(f"{P}_upload_table")
    if cached is not None and cached[0] == upload.file_id:
        return cached[1]
    security.check_upload(upload.name, upload.size)
    suffix = Path(upload.name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{upload.name}: expected coordinates as .parquet, .csv or .tsv, got '{suffix or 'no suffix'}'")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload{suffix}"
        path.write_bytes(upload.getvalue())
        try:
            table = load_coordinates(path)
        except ValueError as exc:  # name the user's file, not the temporary copy
            raise InputError(str(exc).replace(str(path), upload.name)) from None
    st.session_state[f"{P}_upload_table"] = (upload.file_id, table)
    return table


def _active_map() -> pd.DataFrame:
    emb = common.active_embeddings()
    proj = common.projection(emb, "pca", 2)
    table = pd.DataFrame({"key": emb.keys, "x": proj.coords[:, 0], "y": proj.coords[:, 1]})
    for col in emb.metadata.columns:
        table[str(col)] = emb.metadata[col].to_numpy()
    return table


def _choose_table() -> pd.DataFrame | None:
    sources = _sources()
    source = st.radio("Coordinates", sources, format_func=SOURCES.get, horizontal=True, key=f"{P}_source")
    try:
        if source == "server":
            path = security.server_coordinates()
            st.caption(f"`{path.name}`, opened by the operator with `embviz serve`.")
            return _load_path(path)
        if source == "folder":
            dirs, files = security.data_dirs(), _folder_files()
            choice = st.selectbox("File", range(len(files)), key=f"{P}_file",
                                  format_func=lambda j: f"{dirs[files[j][0]].name}/{files[j][1]}")
            i, name = files[choice]
            return _load_path(security.resolve_inside(dirs[i], name))
        if source == "upload":
            upload = st.file_uploader(
                "Coordinates table", type=[s.lstrip(".") for s in SUFFIXES], key=f"{P}_upload",
                help="Columns x and y (z is ignored here), optionally key and metadata columns: what "
                     f"`embviz project` writes. Up to {security.max_upload_bytes() / 1024**2:,.0f} MB.")
            if upload is None:
                st.info("Upload a coordinates table, or pick another source above.", icon=":material/upload:")
                return None
            return _load_upload(upload)
        return _active_map()
    except Exception as exc:  # noqa: BLE001 — any bad file is a message, never a traceback
        common.show_error(exc)
        return None


# -- drawing -------------------------------------------------------------------------------------------
def _colour_columns(table: pd.DataFrame) -> list[str]:
    """Metadata columns with few enough distinct values to colour points by (numbers too: cluster ids)."""
    return mapview.categorical_columns(table, MAX_COLOUR_VALUES, numbers=True, skip=("key", "x", "y", "z"))


def _on_select() -> None:
    """A box drawn on the map becomes the zoom window."""
    event = st.session_state.get(f"{P}_chart") or {}
    selection = event.get("selection") if isinstance(event, dict) else getattr(event, "selection", None)
    boxes = (selection or {}).get("box") or []
    if boxes:
        box = boxes[-1]
        xs, ys = sorted(map(float, box["x"][:2])), sorted(map(float, box["y"][:2]))
        if xs[0] < xs[1] and ys[0] < ys[1]:
            st.session_state[f"{P}_window"] = (tuple(xs), tuple(ys))


def _show(table: pd.DataFrame, controls_box) -> None:
    xy = table[["x", "y"]].to_numpy(np.float64)
    finite = np.isfinite(xy).all(axis=1)
    if not finite.any():
        st.error("Every row of this table has a missing or infinite x or y; there is nothing to draw.")
        return
    a, b, c, d = controls_box.columns([2, 2, 2, 1.4])
    colour_opts = ["none"] + _colour_columns(table)
    colour = a.selectbox("Colour points by", colour_opts, key=f"{P}_colour")
    sample = b.select_slider("Points drawn as markers", [0, 1_000, 2_000, 5_000, 10_000, 20_000], value=5_000,
                             key=f"{P}_sample", help="A random sample of the points in view; the density image counts all.")
    bins = c.select_slider("Density cells per axis", [64, 128, 256, 512], value=256, key=f"{P}_bins")
    window = st.session_state.get(f"{P}_window")
    if d.button("Reset zoom", key=f"{P}_reset", disabled=window is None, width="stretch"):
        st.session_state.pop(f"{P}_window", None)
        window = None
        st.rerun()
    x_range, y_range = window if window else (None, None)
    labels = None if colour == "none" else table[colour].to_numpy()
    fig = density_figure(table, labels, sample=int(sample), bins=int(bins), x_range=x_range, y_range=y_range)
    fig.update_layout(height=640, dragmode="select")
    present.chart(fig, f"{P}_chart", on_select=_on_select, selection_mode=("box",))
    inside = window_mask(xy, x_range, y_range)
    if present.is_on():
        return
    bad = int((~finite).sum())
    st.caption(
        f"{len(table):,} points in the file; {int(inside.sum()):,} in view"
        + (f"; {bad:,} rows without finite coordinates are left out" if bad else "")
        + ". Drag a box to zoom in with detail; **Reset zoom** shows the whole map again."
    )
    with st.expander(f"Points in view ({min(int(inside.sum()), 1000):,} of {int(inside.sum()):,} listed)"):
        st.dataframe(table.loc[inside].head(1000), hide_index=True, width="stretch")
