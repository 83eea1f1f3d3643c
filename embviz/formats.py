"""Read and write embeddings in the formats people actually have.

:func:`load` takes a path, an upload ``(name, bytes)`` or a file-like object with ``.name``
(Streamlit's ``UploadedFile``), tells the format from the content (:func:`sniff`), reads it —
streaming, so ``limit=`` costs only the rows it keeps — and returns :class:`Embeddings`.
:func:`save` writes one, choosing the format from the extension, atomically (a temporary file
beside it, renamed when complete). Any file may be gzip-compressed. The formats, their
extensions, readers and writers are listed once, in :data:`FORMATS` (:mod:`embviz.io.registry`).

Everything that can go wrong with a file raises :class:`EmbeddingFormatError` naming the file
and, where it applies, the line or record and what was expected; bad arguments raise
:class:`ParameterError`. Pickles are never opened. Reading is bounded (:mod:`embviz.io.limits`:
decompressed size, line length, rows, dimensions). What float32 changes in the values, and keys
made up from row numbers, are reported as :class:`~embviz.errors.LoadWarning`.

>>> import embviz, tempfile, pathlib
>>> emb = embviz.Embeddings(["king", "queen"], [[1.0, 0.0], [0.8, 0.6]])
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> [p.name for p in save(emb, folder / "royals.txt")]
['royals.txt']
>>> sniff(folder / "royals.txt")
'word2vec'
>>> back = load(folder / "royals.txt")
>>> back.keys, bool((back.vectors == emb.vectors).all())
(['king', 'queen'], True)
>>> load(("upload.txt", b"2 2\\nking 1 0\\nqueen 0.8 0.6\\n")).most_similar("king", topn=1)[0][0]
'queen'
"""
from __future__ import annotations

import os
import struct
import warnings
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import EmbeddingFormatError, EmbvizError, LoadWarning, ParameterError
from .io import tables
from .io.limits import Limits
from .io.lines import read_text_lines
from .io.precision import to_float32
from .io.registry import EXTENSIONS, FORMATS, FormatInfo
from .io.rows import Parts, check_dim
from .io.sniff import check_not_pickle, sniff_source
from .io.source import Source
from .io.writers import SIDECAR
from .progress import report

__all__ = ["FORMATS", "FormatInfo", "load", "save", "sniff"]
KEYS_SIBLING = ".keys.txt"  # '<stem>.keys.txt' beside a .npy holds its keys, one per line
UNEXPECTED = (ValueError, KeyError, IndexError, TypeError, RuntimeError, EOFError, struct.error,
              zlib.error, NotImplementedError, UnicodeError, OverflowError)


# -- public API ----------------------------------------------------------------------------------
def sniff(path: object) -> str:
    """The format name of a file (or upload), decided by its content.

    Raises :class:`EmbeddingFormatError` for pickles (refused) and content it cannot place.
    """
    return sniff_source(Source.of(path))


def load(
    source: object,
    format: str = "auto",
    limit: int | None = None,
    metadata: object = None,
    *,
    keys: object = None,
    progress: Callable | None = None,
    name: str | None = None,
    limits: object = None,
) -> Embeddings:
    """Read embeddings from ``source``.

    source: a path (a folder means the projector's vectors.tsv + metadata.tsv), ``(name, bytes)``
        or a binary file-like object (its ``.name``, or ``name=``, hints at the format).
    format: ``"auto"`` (or ``None``: sniff the content) or a name in :data:`FORMATS`.
    limit: read only the first ``limit`` rows (streaming: the rest is never parsed).
    metadata: a table with one row per vector — a DataFrame, a path or an upload (TSV in the
        projector's layout, CSV or Parquet). Its key column gives the keys when the file has none.
    keys: the keys, for files without any (``.npy``, projector without metadata): a list, or a
        text file with one key per line. A ``.npy`` file's keys are otherwise read from
        ``<stem>.keys.txt`` beside it (that exact name only), else rows are named 0, 1, … with a
        :class:`LoadWarning`.
    progress: ``progress(done, total, message)``; returning ``True`` stops reading and returns
        the rows read so far.
    name: the file name when ``source`` is bare bytes or a stream without ``.name``.
    limits: bounds on what the file may ask for — a dict such as ``{"max_rows": 20_000_000}``
        or an :class:`embviz.io.limits.Limits`; defaults and ``EMBVIZ_MAX_*`` variables there.

    Raises :class:`EmbeddingFormatError` (naming the file, line or record, and what was expected)
    for anything wrong with the input, including pickles, which are refused unopened, and
    :class:`ParameterError` for arguments of the wrong kind.
    """
    _check_params(format, limit, metadata, keys, progress, name)
    lim = Limits.resolve(limits)
    src = Source.of(source, name, limits=lim)
    check_not_pickle(src)
    fmt = sniff_source(src) if format in (None, "auto") else _check_format(format, "readable")
    try:
        parts = FORMATS[fmt].reader(src, limit, progress, sidecar=metadata is None)
        parts = _attach_keys_and_metadata(parts, src, keys, metadata, limit)
        emb = _finish(parts, src, fmt)
    except MemoryError:
        raise EmbeddingFormatError("not enough memory to hold these vectors; pass limit= to read "
                                   "fewer rows", path=src.label) from None
    except EmbvizError:
        raise
    except OSError as exc:
        raise EmbeddingFormatError(f"could not be read ({exc.strerror or exc})", path=src.label) from None
    except UNEXPECTED as exc:  # a damaged file that got past every check: still named, never raw
        raise EmbeddingFormatError(f"could not be read as {FORMATS[fmt].label} ({type(exc).__name__}: "
                                   f"{str(exc)[:200]})", path=src.label) from None
    report(progress, 1, 1, f"loaded {len(emb):,} vectors")
    return emb


def save(emb: Embeddings, path: str | os.PathLike, format: str | None = None) -> list[Path]:
    """Write ``emb`` to ``path``; returns the files written.

    The format follows the extension unless given (``.txt``/``.w2v`` word2vec text, ``.glove``
    GloVe, ``.bin`` binary, ``.vec`` fastText, ``.tsv`` projector pair ``<stem>.tsv`` +
    ``<stem>_metadata.tsv`` — or ``vectors.tsv`` + ``metadata.tsv`` when ``path`` is a folder —,
    ``.npz``, ``.csv``, ``.parquet``/``.pq``, ``.npy`` + ``<stem>.keys.txt``). A trailing ``.gz``
    compresses. Formats that cannot hold metadata get a ``<stem>.metadata.tsv`` beside them,
    which :func:`load` reads. Every file is written to a temporary name and renamed once all are
    complete: a failure leaves no partial file at any final path.
    """
    if not isinstance(emb, Embeddings):
        raise ParameterError("save", "emb", "an Embeddings", type(emb).__name__)
    if not isinstance(path, (str, os.PathLike)):
        raise ParameterError("save", "path", "a path", type(path).__name__)
    path = Path(path).expanduser()
    gz = path.name.lower().endswith(".gz")
    base = path.with_name(path.name[:-3]) if gz else path
    if format is None:
        if path.is_dir() or not base.suffix:
            format = "projector"  # a folder: vectors.tsv + metadata.tsv
        else:
            format = EXTENSIONS.get(base.suffix.lower())
            if format is None:
                raise EmbeddingFormatError(
                    f"cannot tell the format from the extension {base.suffix!r}; pass format= "
                    f"one of {', '.join(FORMATS)}", path=path)
    else:
        format = _check_format(format, "writable")
    if not len(emb) or not emb.dim:
        raise EmbeddingFormatError(f"nothing to write: the table is {len(emb)} × {emb.dim}; expected "
                                   "at least one row and one dimension", path=path)
    try:
        return FORMATS[format].writer(emb, base, gz)
    except OSError as exc:
        raise EmbeddingFormatError(f"could not be written ({exc.strerror or exc})", path=path) from None


BINARY = ("npz", "parquet", "npy")  # formats compressed already: never gzipped again


def to_bytes(emb: Embeddings, format: str, *, gz: bool = False, stem: str = "embeddings") -> tuple[str, bytes]:
    """``emb`` as a download: :func:`save` in ``format`` into a temporary folder, then
    ``(file name, bytes)`` of the one file written, or of a zip of several (the projector pair,
    ``.npy`` + keys, a metadata sidecar). ``gz`` compresses text formats.

    >>> name, data = to_bytes(Embeddings(["a", "b"], np.eye(2)), "word2vec", stem="two")
    >>> name, data.splitlines()[0]
    ('two.txt', b'2 2')
    """
    import io as _io
    import tempfile
    import zipfile

    format = _check_format(format, "writable")
    ext = FORMATS[format].extensions[0] + (".gz" if gz and format not in BINARY else "")
    with tempfile.TemporaryDirectory() as tmp:
        written = save(emb, Path(tmp) / f"{stem}{ext}", format=format)
        if len(written) == 1:
            return Path(written[0]).name, Path(written[0]).read_bytes()
        buf = _io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for path in written:
                z.write(path, Path(path).name)
        return f"{stem}_{format}.zip", buf.getvalue()


# -- checks ---------------------------------------------------------------------------------------
def _check_params(format, limit, metadata, keys, progress, name) -> None:
    if format is not None and not isinstance(format, str):
        raise ParameterError("load", "format", "'auto' or a format name (a str)", format)
    if limit is not None and (isinstance(limit, (bool, np.bool_)) or not isinstance(limit, (int, np.integer))
                              or limit < 1):
        raise ParameterError("load", "limit", "a positive integer or None", limit)
    if progress is not None and not callable(progress):
        raise ParameterError("load", "progress", "a callable progress(done, total, message) or None",
                             progress)
    if name is not None and not isinstance(name, str):
        raise ParameterError("load", "name", "a file name (a str) or None", name)
    if metadata is not None and not isinstance(metadata, (pd.DataFrame, str, os.PathLike, tuple, bytes)) \
            and not hasattr(metadata, "read"):
        raise ParameterError("load", "metadata", "a DataFrame, a path, (name, bytes) or a file object",
                             type(metadata).__name__)
    if keys is not None and (isinstance(keys, (dict, set, int, float, bytes)) or not (
            isinstance(keys, (str, os.PathLike, tuple, list, np.ndarray, pd.Series, pd.Index))
            or hasattr(keys, "read"))):
        raise ParameterError("load", "keys", "a list of keys, or a text file with one key per line",
                             type(keys).__name__)


def _check_format(name: str, ability: str) -> str:
    info = FORMATS.get(name)
    if info is None or not getattr(info, ability):
        valid = [n for n, f in FORMATS.items() if getattr(f, ability)]
        raise EmbeddingFormatError(
            f"unknown format {name!r}; expected 'auto' or one of: {', '.join(valid)}")
    return name


def _finish(parts: Parts, src: Source, fmt: str) -> Embeddings:
    """What every reader's result must satisfy, checked once: rows, dimensions, keys, float32."""
    vectors = parts.vectors
    n = len(vectors)
    if vectors.ndim == 2:
        check_dim(vectors.shape[1], src.limits, src.label)
    if vectors.ndim != 2 or (n and vectors.shape[1] == 0):
        raise EmbeddingFormatError(f"its vectors have shape {vectors.shape}: 0 dimensions; expected "
                                   "at least one number per row", path=src.label)
    if n == 0 and not parts.stopped:
        raise EmbeddingFormatError("it holds no vectors (0 rows); expected at least one row",
                                   path=src.label)
    where = parts.where or (lambda r: f"row {r + 1}")
    notes = list(parts.warnings)
    if parts.keys is None:
        parts.keys = [str(i) for i in range(n)]
        notes.append(f"it holds no keys, so its rows are named 0 … {max(n - 1, 0)}; {_keys_hint(src, fmt)}")
    elif "" in parts.keys:
        raise EmbeddingFormatError(f"{where(parts.keys.index(''))}: the key is empty; expected a "
                                   "non-empty key on every row", path=src.label)
    vectors, changed = to_float32(vectors, src.label, where)
    for note in notes + changed:
        warnings.warn(f"{src.label}: {note}", LoadWarning, stacklevel=3)
    try:
        return Embeddings(parts.keys, vectors, parts.metadata, name=src.stem, source=src.label)
    except EmbeddingFormatError as exc:
        raise EmbeddingFormatError(exc.reason, path=src.label) from None


def _keys_hint(src: Source, fmt: str) -> str:
    if fmt == "npy":
        return (f"pass keys= (a list, or a text file with one key per line) or put them, one per "
                f"line, in {src.stem + KEYS_SIBLING!r} beside it")
    if fmt == "projector":
        return "put metadata.tsv (keys in its first column) beside it, or pass metadata="
    if fmt == "npz":
        return "add a 'keys' array of strings to the archive, or pass keys="
    return "give the file a key column (with a header row naming it), or pass keys="


# -- keys and metadata from beside the file -------------------------------------------------------
def _attach_keys_and_metadata(parts: Parts, src: Source, keys, metadata, limit) -> Parts:
    n = len(parts.vectors)
    if parts.stopped:
        limit = n  # stopped early: keys and metadata are cut like a limit
    if metadata is not None:
        table, label = _metadata_table(metadata, src.limits, limit)
        parts.metadata, parts.meta_has_keys = _fit_rows(table, n, label, src, limit), True
    elif parts.metadata_label is not None:
        parts.metadata = _fit_rows(parts.metadata, n, parts.metadata_label, src, limit)
    elif parts.metadata is None:
        parts = _sidecar_metadata(parts, src, limit)
    if keys is not None:
        parts.keys = _explicit_keys(keys, n, src, limit)
    elif parts.keys is None and src.suffix == ".npy":
        sib = src.sibling(src.stem + KEYS_SIBLING)
        if sib is not None:
            parts.keys = _explicit_keys(sib, n, src, limit)
    if parts.meta_has_keys and parts.metadata is not None and len(parts.metadata.columns):
        parts.keys, parts.metadata = _split_key_column(parts.metadata, parts.keys)
    return parts


def _metadata_table(metadata, limits: Limits, limit) -> tuple[pd.DataFrame, str]:
    if isinstance(metadata, pd.DataFrame):
        return metadata.reset_index(drop=True), "metadata"
    msrc = Source.of(metadata, limits=limits, folder=False, param="metadata")
    check_not_pickle(msrc)
    return tables.read_metadata_table(msrc, limit), msrc.label


def _fit_rows(table: pd.DataFrame, n: int, label: str, src: Source, limit) -> pd.DataFrame:
    if len(table) == n or (limit is not None and n == limit and len(table) > n):
        return table.iloc[:n].reset_index(drop=True)
    raise EmbeddingFormatError(
        f"the metadata {label!r} has {len(table)} rows (not counting a header) but "
        f"{src.name!r} has {n} vectors; expected one metadata row per vector", path=label)


def _split_key_column(meta: pd.DataFrame, keys: list[str] | None):
    lowered = {str(c).lower(): c for c in meta.columns}
    col = next((lowered[k] for k in tables.KEY_COLUMNS if k in lowered), meta.columns[0])
    values = ["" if pd.isna(v) else str(v) for v in meta[col].tolist()]
    if keys is None:
        return values, meta.drop(columns=[col]).reset_index(drop=True)
    if values == keys:  # the same keys again: not metadata
        return keys, meta.drop(columns=[col]).reset_index(drop=True)
    return keys, meta


def _explicit_keys(keys, n: int, src: Source, limit) -> list[str]:
    if isinstance(keys, (str, os.PathLike, tuple, Source)) or hasattr(keys, "read"):
        ksrc = Source.of(keys, limits=src.limits, folder=False, param="keys")
        values, label = read_text_lines(ksrc, "keys file", stop=limit), ksrc.label
    else:
        values, label = [str(k) for k in keys], "keys"
    if len(values) == n or (limit is not None and n == limit and len(values) > n):
        return values[:n]
    raise EmbeddingFormatError(f"{len(values)} keys for {n} vectors in {src.name!r}; expected one "
                               "key per vector", path=label)


def _sidecar_metadata(parts: Parts, src: Source, limit) -> Parts:
    sib = src.sibling(src.stem + SIDECAR)
    if sib is not None:
        table = tables.read_projector_metadata(sib, limit)
        parts.metadata = _fit_rows(table, len(parts.vectors), sib.label, src, limit)
        parts.meta_has_keys = True
        if parts.keys is not None:
            first = parts.metadata.iloc[:, 0].astype(str).tolist()
            if first != parts.keys:
                raise EmbeddingFormatError(
                    f"the keys in its first column do not match {src.name!r} row by row; "
                    "expected the same keys in the same order", path=sib.label)
    return parts
