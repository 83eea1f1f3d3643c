"""The sidebar every page shares: which data set is active, and presentation mode.

Sources: the bundled demo tables, the file the server was started with (``embviz serve FILE``),
files inside operator-configured folders (``EMBVIZ_DATA_DIRS``), an upload, or the set trained on
the Train page. A load that fails shows the message and keeps the previous data.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import streamlit as st

import embviz
from embviz import Embeddings
from embviz.errors import EmbvizWarning, InputError
from embviz.io import registry
from embviz.app import common, present, security, sources, state, text

SOURCES = {
    "demo": "Bundled demo",
    "file": "Server file",
    "folder": "Data folder",
    "upload": "Upload",
    "session": "Made in this session",
}


# -- loading (cached per file content; uploads are per session) ----------------------------------
@st.cache_resource(show_spinner=False, max_entries=8)
def _load_path(path: str, mtime: float, size: int) -> tuple[Embeddings, list[str]]:
    emb, notes = with_notes(embviz.load, path)
    emb.vectors.flags.writeable = False
    return emb, notes


def load_path(path: Path) -> Embeddings:
    st_ = path.stat()
    emb, notes = _load_path(str(path), st_.st_mtime, st_.st_size)
    _NOTES.set(notes)
    return emb


class _Notes:
    """What the last load in this script run had to say (LoadWarnings: values float32 changes,
    keys made from row numbers …), handed from the loader to the source that activates it."""

    def set(self, notes: list[str]) -> None:
        st.session_state["sidebar_last_notes"] = list(notes)

    def take(self) -> list[str]:
        return st.session_state.pop("sidebar_last_notes", [])


_NOTES = _Notes()


def with_notes(load, *args, **kwargs):
    """``(load(*args, **kwargs), [warning messages])`` — embviz's warnings are caught for the page."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", EmbvizWarning)
        emb = load(*args, **kwargs)
    return emb, [str(w.message) for w in caught if issubclass(w.category, EmbvizWarning)]


def bundled() -> dict[str, object]:
    from embviz.datasets import DATASETS

    return {k: d for k, d in DATASETS.items() if d.kind == "embeddings" and d.available}


def load_uploads(files: list) -> Embeddings:
    """Embeddings from uploaded files: one file in any format, or a projector vectors + metadata pair."""
    if not files:
        raise InputError("no file uploaded")
    for f in files:
        security.check_upload(f.name, f.size)
    if len(files) == 1:
        emb, notes = with_notes(embviz.load, files[0])
        _NOTES.set(notes)
        return emb
    if len(files) == 2:
        meta = [f for f in files if "meta" in f.name.lower()]
        arrays = [f for f in files if f.name.lower().endswith(".npy")]
        if len(meta) == 1:
            vectors = next(f for f in files if f is not meta[0])
            emb, notes = with_notes(embviz.load, vectors, metadata=meta[0])
            _NOTES.set(notes)
            return emb
        if len(arrays) == 1:  # a .npy and its keys, one per line (what <stem>.keys.txt beside it holds)
            keys = next(f for f in files if f is not arrays[0])
            emb, notes = with_notes(embviz.load, arrays[0], keys=keys)
            _NOTES.set(notes)
            return emb
    names = ", ".join(f.name for f in files)
    raise InputError(f"uploaded {len(files)} files ({names}); upload one file, a TF-projector pair "
                     "(vectors.tsv and a metadata file whose name contains 'metadata'), or a .npy with a "
                     "text file of its keys, one per line")


def _on_upload() -> None:
    files = st.session_state.get("sidebar_upload") or []
    if not isinstance(files, list):
        files = [files]
    if not files:
        return
    try:
        emb = load_uploads(files)
    except Exception as exc:  # noqa: BLE001 — shown to the user, previous data kept
        st.session_state["sidebar_error"] = _message(exc, ", ".join(f.name for f in files))
        return
    activate_upload(emb, files)
    st.session_state.pop("sidebar_error", None)


def activate_upload(emb: Embeddings, files: list) -> str:
    """Register an uploaded table as a session source, make it active, keep its load warnings."""
    emb.name = emb.name or files[0].name
    sid = common.set_active(emb, "upload", emb.name)
    _remember_notes(sid)
    return sid


def _message(exc: BaseException, what: str) -> str:
    """The sidebar's load error, Markdown-escaped (file names and messages quote the user's data)."""
    if isinstance(exc, ImportError) and not isinstance(exc, embviz.EmbvizError):
        return text.md(f"Cannot read {what}: a reader is missing ({exc}).")
    said = common.error_text(exc, f"loading {what}")
    if what and text.md(what) not in said:
        said = f"{text.md(what)}: {said}"
    end = "" if said.endswith((".", "\\.")) else "."
    return f"Could not load {said}{end} Still showing the previous data."


def _activate(source_id: str, loader) -> None:
    """Load and activate ``source_id`` unless it is already active; on failure keep the old data."""
    if common.active_source() == source_id and "active_embeddings" in st.session_state:
        return
    try:
        emb = loader()
    except Exception as exc:  # noqa: BLE001
        st.session_state["sidebar_error"] = _message(exc, source_id.split(":", 1)[-1])
        return
    st.session_state["active_embeddings"] = emb
    st.session_state["active_source"] = source_id
    st.session_state.pop("sidebar_error", None)
    _remember_notes(source_id)


def _remember_notes(source_id: str) -> None:
    notes = _NOTES.take()
    store = st.session_state.setdefault("sidebar_notes", {})
    if notes:
        store[source_id] = notes
    else:
        store.pop(source_id, None)


def _show_notes() -> None:
    """The active table's load warnings, as plain text."""
    notes = st.session_state.get("sidebar_notes", {}).get(common.active_source())
    if notes:
        shown = notes[:4] + ([f"… and {len(notes) - 4} more"] if len(notes) > 4 else [])
        st.warning(text.md("\n".join(shown)), icon=":material/warning:")


# -- URL ----------------------------------------------------------------------------------------
def url_view() -> state.View:
    """The view in the URL this session was opened with (parsed once per session)."""
    if "url_view" not in st.session_state:
        view, problems = state.from_query(st.query_params.to_dict())
        st.session_state["url_view"] = view
        st.session_state["url_problems"] = problems
        st.session_state["url_pending"] = bool(st.query_params)
        _apply_data_param(view.data)
    return st.session_state["url_view"]


def _apply_data_param(data: str) -> None:
    if not data:
        return
    kind, _, rest = data.partition(":")
    if kind == "demo" and rest in bundled():
        st.session_state["sidebar_source"] = "demo"
        st.session_state["sidebar_demo"] = rest
    elif kind == "file" and security.server_file() and not security.server_coordinates():
        st.session_state["sidebar_source"] = "file"
    elif kind == "folder" and security.data_dirs():
        st.session_state["sidebar_source"] = "folder"
        st.session_state["sidebar_folder_file"] = rest
    else:
        st.session_state.setdefault("url_problems", []).append(
            f"URL parameter 'data' names {data!r}, which cannot be opened from a link here "
            "(uploads and trained sets stay in the browser session that made them) — showing the demo.")


# -- the sidebar --------------------------------------------------------------------------------
def menu(pages: list) -> None:
    """The page links (the navigation itself is hidden so that page aliases are not listed)."""
    with st.sidebar:
        for page in pages:
            st.page_link(page)
        st.divider()


def render() -> None:
    url_view()
    with st.sidebar:
        st.markdown("### :material/scatter_plot: embviz")
        st.caption("See what embeddings are and how they behave.")
        options = _available_sources()
        if pending := st.session_state.pop("sidebar_pending_source", None):
            st.session_state["sidebar_source"] = pending
        if st.session_state.get("sidebar_source") not in options:
            st.session_state["sidebar_source"] = options[0]
        source = st.radio("Data", options, format_func=SOURCES.get, key="sidebar_source",
                          horizontal=False)
        _source_controls(source)
        if msg := st.session_state.get("sidebar_error"):
            st.error(msg, icon=":material/error:")
        emb = common.active_embeddings()
        _summary(emb)
        _show_notes()
        common.show_pending_toast()
        st.divider()
        present.toggle()


def _available_sources() -> list[str]:
    out = ["demo"]
    if security.server_file() and not security.server_coordinates():  # coordinates open on Large maps
        out.insert(0, "file")
    if security.data_dirs():
        out.append("folder")
    out.append("upload")
    if sources.listed():
        out.append("session")
    return out


def _source_controls(source: str) -> None:
    if source == "demo":
        sets = bundled()
        if not sets:
            st.warning("The bundled demo table is missing (data/minilm_words.npz).")
            return
        name = st.selectbox("Demo table", list(sets), format_func=lambda k: sets[k].label,
                            key="sidebar_demo", label_visibility="collapsed")
        st.caption(sets[name].description)
        _activate(f"demo:{name}", sets[name].load)
    elif source == "file":
        path = security.server_file()
        st.caption(f"`{path.name}` — opened by the operator.")
        _activate("file", lambda: load_path(path))
    elif source == "folder":
        _folder_controls()
    elif source == "upload":
        limit = security.max_upload_bytes() / 1024**2
        st.file_uploader(
            "Embeddings file", accept_multiple_files=True, key="sidebar_upload", on_change=_on_upload,
            type=registry.upload_types(), help=registry.upload_help() + f" Up to {limit:,.0f} MB.",
        )
        st.caption("The file opens as a table of this session (listed under "
                   "'Made in this session'); until it loads, the previous data stays.")
    elif source == "session":
        made = {src.id: src for src in sources.listed()}
        if st.session_state.get("sidebar_session_pick") not in made:
            st.session_state["sidebar_session_pick"] = next(iter(made))
        pick = st.selectbox("Table", list(made), format_func=lambda i: made[i].describe(),
                            key="sidebar_session_pick", label_visibility="collapsed",
                            help="Tables trained, uploaded, embedded or changed in this browser session.")
        if common.active_source() != pick:
            st.session_state["active_embeddings"] = made[pick].emb
            st.session_state["active_source"] = pick


def _folder_controls() -> None:
    dirs = security.data_dirs()
    choices = []
    for i, d in enumerate(dirs):
        choices += [f"{i}/{name}" for name in security.list_files(d)]
    if not choices:
        st.info("The configured data folders hold no embedding files.")
        return
    choice = st.selectbox("File", choices, key="sidebar_folder_file",
                          format_func=lambda c: f"{dirs[int(c.split('/', 1)[0])].name}/{c.split('/', 1)[1]}")
    i, name = choice.split("/", 1)

    def load():
        if not i.isdigit() or int(i) >= len(dirs):
            raise PermissionError(f"{choice!r} is not in a configured data folder")
        return load_path(security.resolve_inside(dirs[int(i)], name))

    _activate(f"folder:{choice}", load)


def _summary(emb: Embeddings) -> None:
    """Name, size and metadata columns — as plain text: names come from files."""
    cols = ", ".join(map(str, emb.metadata.columns)) or "none"
    st.text(f"{emb.name or 'Embeddings'}\n{len(emb):,} words × {emb.dim} dimensions")
    st.caption(text.plain(f"metadata: {cols}"))
