"""What a browser user may open: uploads, and files inside folders the operator configured.

There is no free path box. The operator lists folders in ``EMBVIZ_DATA_DIRS`` (separated by
``os.pathsep``); the app lists the readable files inside them and opens a file only after checking
that its resolved path (symlinks followed) is still inside the folder. ``EMBVIZ_FILE`` (set by
``embviz serve FILE``) is the one file opened at start. Uploads are size-limited here as well as by
``server.maxUploadSize``, so the message is ours and clear.

>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = (root / "v.txt").write_text("2 2\\na 1 0\\nb 0 1\\n")
>>> resolve_inside(root, "v.txt") == (root / "v.txt").resolve()
True
>>> resolve_inside(root, "../../etc/passwd")
Traceback (most recent call last):
...
PermissionError: '../../etc/passwd' is not a file inside the configured data folder
"""
from __future__ import annotations

import os
from pathlib import Path

from embviz.coords import is_coordinates_table  # noqa: F401  (the app's callers look here)
from embviz.errors import InputError
from embviz.io.registry import UPLOAD_SUFFIXES

DATA_DIRS_ENV = "EMBVIZ_DATA_DIRS"
FILE_ENV = "EMBVIZ_FILE"
MAX_UPLOAD_ENV = "EMBVIZ_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 200        # keep equal to server.maxUploadSize in .streamlit/config.toml
MAX_LISTED = 500
SUFFIXES = UPLOAD_SUFFIXES  # the format table's extensions, each also with .gz


def data_dirs() -> list[Path]:
    """The operator's folders (existing directories only), in the order given."""
    raw = os.environ.get(DATA_DIRS_ENV, "")
    out = []
    for part in raw.split(os.pathsep):
        if part.strip():
            p = Path(part.strip()).expanduser().resolve()
            if p.is_dir() and p not in out:
                out.append(p)
    return out


def list_files(folder: Path) -> list[str]:
    """Names (relative, ``/``-separated) of loadable files inside ``folder``, at most two levels deep."""
    folder = Path(folder).resolve()
    names = []
    for path in sorted(folder.rglob("*")):
        if len(names) >= MAX_LISTED:
            break
        rel = path.relative_to(folder)
        if len(rel.parts) > 2 or any(part.startswith(".") for part in rel.parts):
            continue
        if path.is_file() and path.name.lower().endswith(SUFFIXES):
            try:
                resolve_inside(folder, rel.as_posix())
            except PermissionError:
                continue
            names.append(rel.as_posix())
    return names


def resolve_inside(folder: Path, name: str) -> Path:
    """The file ``name`` inside ``folder``; ``PermissionError`` if it resolves anywhere else."""
    root = Path(folder).resolve()
    target = (root / name).resolve()
    if not target.is_relative_to(root) or not target.is_file():
        raise PermissionError(f"{name!r} is not a file inside the configured data folder")
    return target


def server_file() -> Path | None:
    """The file named by ``EMBVIZ_FILE`` (``embviz serve FILE``), if set and present."""
    raw = os.environ.get(FILE_ENV, "").strip()
    if not raw:
        return None
    path = Path(raw).expanduser().resolve()
    return path if path.is_file() else None


def server_coordinates() -> Path | None:
    """The server file if it holds coordinates (``embviz serve coords.parquet``), else None."""
    path = server_file()
    return path if path is not None and is_coordinates_table(path) else None


def max_upload_bytes() -> int:
    try:
        mb = float(os.environ.get(MAX_UPLOAD_ENV, DEFAULT_MAX_UPLOAD_MB))
    except ValueError:
        mb = DEFAULT_MAX_UPLOAD_MB
    return int(mb * 1024 * 1024)


def check_upload(name: str, size: int) -> None:
    """:class:`InputError` naming the file if it is larger than the upload limit."""
    limit = max_upload_bytes()
    if size > limit:
        raise InputError(
            f"{name} is {size / 1024**2:,.1f} MB; uploads are limited to {limit / 1024**2:,.0f} MB. "
            f"Ask the operator to put the file in a data folder ({DATA_DIRS_ENV}) instead."
        )
