"""Read and write embeddings in the formats people actually have.

:func:`load` takes a path, an upload ``(name, bytes)`` or a file-like object with ``.name``
(Streamlit's ``UploadedFile``), tells the format from the content (:func:`sniff`), reads it —
streaming, so ``limit=`` costs only the rows it keeps — and returns :class:`Embeddings`.
:func:`save` writes one, choosing the format from the extension. Any file may be gzip-compressed.

Everything that can go wrong with a file raises :class:`EmbeddingFormatError` naming the file
and, where it applies, the line or record and what was expected. Pickles are never opened.

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

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import EmbeddingFormatError, ParameterError
from .io import arrays, binary, tables, text
from .io.sniff import EXTENSIONS, check_not_pickle, sniff_source
from .io.source import Source
from .progress import report

__all__ = ["FORMATS", "FormatInfo", "load", "save", "sniff"]


@dataclass(frozen=True)
class FormatInfo:
    """What the dashboard and the command line show about a format."""

    name: str
    label: str
    extensions: tuple[str, ...]
    readable: bool
    writable: bool
    description: str


FORMATS: dict[str, FormatInfo] = {f.name: f for f in (
    FormatInfo("word2vec", "word2vec text", (".txt",), True, True,
               "A header 'count dimensions', then one 'key v1 v2 …' line per vector."),
    FormatInfo("word2vec-bin", "word2vec binary", (".bin",), True, True,
               "word2vec's binary layout (as gensim and the C tool write it): header line, then "
               "'key ' + float32 values per vector."),
    FormatInfo("glove", "GloVe text", (".txt",), True, True,
               "One 'key v1 v2 …' line per vector, no header (Stanford GloVe)."),
    FormatInfo("fasttext", "fastText .vec", (".vec",), True, True,
               "fastText's text vectors: word2vec text with a header."),
    FormatInfo("projector", "TF Embedding Projector TSV", (".tsv",), True, True,
               "vectors.tsv (tab-separated numbers) with metadata.tsv beside it (keys first)."),
    FormatInfo("npy", "NumPy .npy", (".npy",), True, True,
               "One N×D array; keys from keys=, '<name>.keys.txt' or metadata=."),
    FormatInfo("npz", "NumPy .npz", (".npz",), True, True,
               "Arrays 'vectors', 'keys' and 'meta:<column>' (embviz's own table format)."),
    FormatInfo("csv", "CSV table", (".csv",), True, True,
               "A key column, vector columns (v0, v1 … or all numeric) and metadata columns."),
    FormatInfo("parquet", "Parquet table", (".parquet", ".pq"), True, True,
               "A key column, a list column of vectors (or numeric columns) and metadata."),
)}

SIDECAR = ".metadata.tsv"  # metadata beside formats that cannot hold it


@dataclass
class _Parts:
    keys: list[str] | None
    vectors: np.ndarray
    metadata: pd.DataFrame | None = None
    stopped: bool = False
    meta_has_keys: bool = False  # metadata's first (or key) column holds the keys


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
) -> Embeddings:
    """Read embeddings from ``source``.

    source: a path (a folder means the projector's vectors.tsv + metadata.tsv), ``(name, bytes)``
        or a binary file-like object (its ``.name``, or ``name=``, hints at the format).
    format: ``"auto"`` (sniff the content) or a name in :data:`FORMATS`.
    limit: read only the first ``limit`` rows (streaming: the rest is never parsed).
    metadata: a table with one row per vector — a DataFrame, a path or an upload (TSV in the
        projector's layout, CSV or Parquet). Its key column gives the keys when the file has none.
    keys: the keys, for files without any (``.npy``, projector without metadata): a list, or a
        text file with one key per line.
    progress: ``progress(done, total, message)``; returning ``True`` stops reading and returns
        the rows read so far.
    name: the file name when ``source`` is bare bytes or a stream without ``.name``.

    Raises :class:`EmbeddingFormatError` (naming the file, line or record, and what was expected)
    for anything wrong with the input, including pickles, which are refused unopened.
    """
    if limit is not None and (not isinstance(limit, (int, np.integer)) or limit < 1):
        raise ParameterError("load", "limit", "a positive integer or None", limit)
    src = Source.of(source, name)
    check_not_pickle(src)
    fmt = sniff_source(src) if format in (None, "auto") else _check_format(format, "readable")
    reader = _READERS[fmt]
    try:
        parts = reader(src, limit, progress, sidecar=metadata is None)
    except MemoryError:
        raise EmbeddingFormatError("not enough memory to hold these vectors; pass limit= to read "
                                   "fewer rows", path=src.label) from None
    parts = _attach_keys_and_metadata(parts, src, keys, metadata, limit)
    if parts.keys is None:
        parts.keys = [str(i) for i in range(len(parts.vectors))]
    report(progress, 1, 1, f"loaded {len(parts.vectors):,} vectors")
    try:
        return Embeddings(parts.keys, parts.vectors, parts.metadata, name=src.stem, source=src.label)
    except EmbeddingFormatError as exc:
        raise EmbeddingFormatError(exc.reason, path=src.label) from None


def save(emb: Embeddings, path: str | os.PathLike, format: str | None = None) -> list[Path]:
    """Write ``emb`` to ``path``; returns the files written.

    The format follows the extension unless given (``.txt`` word2vec text, ``.bin`` binary,
    ``.vec`` fastText, ``.tsv`` projector pair ``<stem>.tsv`` + ``<stem>_metadata.tsv`` — or
    ``vectors.tsv`` + ``metadata.tsv`` when ``path`` is a folder —, ``.npz``, ``.csv``,
    ``.parquet``, ``.npy`` + ``<stem>.keys.txt``). A trailing ``.gz`` compresses. Formats that
    cannot hold metadata get a ``<stem>.metadata.tsv`` beside them, which :func:`load` reads.
    """
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
    return _WRITERS[format](emb, base, gz)


# -- helpers ---------------------------------------------------------------------------------------
def _check_format(name: str, ability: str) -> str:
    info = FORMATS.get(name)
    if info is None or not getattr(info, ability):
        valid = [n for n, f in FORMATS.items() if getattr(f, ability)]
        raise EmbeddingFormatError(
            f"unknown format {name!r}; expected 'auto' or one of: {', '.join(valid)}")
    return name


def _attach_keys_and_metadata(parts: _Parts, src: Source, keys, metadata, limit) -> _Parts:
    n = len(parts.vectors)
    if parts.stopped:
        limit = n  # stopped early: keys and metadata are cut like a limit
    if metadata is not None:
        table, label = _metadata_table(metadata)
        parts.metadata, parts.meta_has_keys = _fit_rows(table, n, label, src, limit), True
    elif parts.metadata is None:
        parts = _sidecar_metadata(parts, src, limit)
    if keys is not None:
        parts.keys = _explicit_keys(keys, n, src, limit)
    elif parts.keys is None and src.suffix == ".npy":
        parts.keys = _sibling_keys(src, n, limit)
    if parts.meta_has_keys and parts.metadata is not None and len(parts.metadata.columns):
        parts.keys, parts.metadata = _split_key_column(parts.metadata, parts.keys)
    return parts


def _metadata_table(metadata) -> tuple[pd.DataFrame, str]:
    if isinstance(metadata, pd.DataFrame):
        return metadata.reset_index(drop=True), "metadata"
    msrc = Source.of(metadata)
    check_not_pickle(msrc)
    return tables.read_metadata_table(msrc), msrc.label


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
        ksrc = Source.of(keys)
        values, label = tables.read_text_lines(ksrc), ksrc.label
    else:
        values, label = [str(k) for k in keys], "keys"
    if len(values) == n or (limit is not None and n == limit and len(values) > n):
        return values[:n]
    raise EmbeddingFormatError(f"{len(values)} keys for {n} vectors in {src.name!r}; expected one "
                               "key per vector", path=label)


def _sibling_keys(src: Source, n: int, limit) -> list[str] | None:
    for suffix in (".keys.txt", ".txt"):
        sib = src.sibling(src.stem + suffix)
        if sib is not None:
            return _explicit_keys(sib, n, src, limit)
    return None


def _sidecar_metadata(parts: _Parts, src: Source, limit) -> _Parts:
    sib = src.sibling(src.stem + SIDECAR)
    if sib is not None:
        table = tables.read_projector_metadata(sib)
        parts.metadata = _fit_rows(table, len(parts.vectors), sib.label, src, limit)
        parts.meta_has_keys = True
        if parts.keys is not None:
            first = parts.metadata.iloc[:, 0].astype(str).tolist()
            if first != parts.keys:
                raise EmbeddingFormatError(
                    f"the keys in its first column do not match {src.name!r} row by row; "
                    "expected the same keys in the same order", path=sib.label)
    return parts


# -- readers ---------------------------------------------------------------------------------------
def _read_word2vec(src, limit, progress, sidecar=True):
    keys, vectors, stopped = text.read_text(src, header=True, limit=limit, progress=progress)
    return _Parts(keys, vectors, stopped=stopped)


def _read_glove(src, limit, progress, sidecar=True):
    keys, vectors, stopped = text.read_text(src, header=False, limit=limit, progress=progress)
    return _Parts(keys, vectors, stopped=stopped)


def _read_binary(src, limit, progress, sidecar=True):
    keys, vectors, stopped = binary.read_word2vec_binary(src, limit=limit, progress=progress)
    return _Parts(keys, vectors, stopped=stopped)


def _read_projector(src, limit, progress, sidecar=True):
    folder = src.is_dir()
    vsrc = Source(label=str(src.path / "vectors.tsv"), path=src.path / "vectors.tsv") if folder else src
    _, vectors, stopped = text.read_text(vsrc, header=False, keyed=False, limit=limit,
                                         progress=progress)
    parts = _Parts(None, vectors, stopped=stopped, meta_has_keys=True)
    names = ["metadata.tsv"] if folder else [f"{src.stem}_metadata.tsv", f"{src.stem}.metadata.tsv",
                                             "metadata.tsv"]
    if not sidecar:
        names = []
    for candidate in names:
        msrc = vsrc.sibling(candidate)
        if msrc is not None:
            table = tables.read_projector_metadata(msrc)
            parts.metadata = _fit_rows(table, len(vectors), msrc.label, vsrc, limit)
            break
    return parts


def _read_npy(src, limit, progress, sidecar=True):
    return _Parts(None, arrays.read_npy(src, limit))


def _read_npz(src, limit, progress, sidecar=True):
    keys, vectors, meta = arrays.read_npz(src, limit)
    return _Parts(keys, vectors, meta)


def _read_csv(src, limit, progress, sidecar=True):
    keys, vectors, meta = tables.read_csv(src, limit)
    return _Parts(keys, vectors, meta)


def _read_parquet(src, limit, progress, sidecar=True):
    keys, vectors, meta = tables.read_parquet(src, limit)
    return _Parts(keys, vectors, meta)


_READERS = {
    "word2vec": _read_word2vec, "fasttext": _read_word2vec, "glove": _read_glove,
    "word2vec-bin": _read_binary, "projector": _read_projector, "npy": _read_npy,
    "npz": _read_npz, "csv": _read_csv, "parquet": _read_parquet,
}


# -- writers ---------------------------------------------------------------------------------------
def _target(path: Path, gz: bool) -> Path:
    return path.with_name(path.name + ".gz") if gz else path


class _Output:
    """Write to a temporary name, then rename: a failed save leaves no half-written file."""

    def __init__(self, path: Path, gz: bool):
        self.path = _target(path, gz)
        self.tmp = self.path.with_name(f".{self.path.name}.part")
        self.gz = gz

    def __enter__(self) -> BinaryIO:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.raw = open(self.tmp, "wb")
        self.f = gzip.GzipFile(fileobj=self.raw, mode="wb", mtime=0) if self.gz else self.raw
        return self.f

    def __exit__(self, kind, exc, tb) -> None:
        if self.f is not self.raw:
            self.f.close()
        self.raw.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            self.tmp.unlink(missing_ok=True)


def _with_sidecar(emb: Embeddings, path: Path, gz: bool, written: list[Path]) -> list[Path]:
    if len(emb.metadata.columns):
        with _Output(path.with_name(path.stem + SIDECAR), gz) as f:
            tables.write_projector_metadata(f, emb.keys, emb.metadata, label=str(path))
        written.append(_target(path.with_name(path.stem + SIDECAR), gz))
    return written


def _text_writer(header: bool):
    def write(emb: Embeddings, path: Path, gz: bool) -> list[Path]:
        with _Output(path, gz) as f:
            text.write_text(f, emb.keys, emb.vectors, header=header, label=str(path))
        return _with_sidecar(emb, path, gz, [_target(path, gz)])
    return write


def _write_binary(emb: Embeddings, path: Path, gz: bool) -> list[Path]:
    with _Output(path, gz) as f:
        binary.write_word2vec_binary(f, emb.keys, emb.vectors, label=str(path))
    return _with_sidecar(emb, path, gz, [_target(path, gz)])


def _write_projector(emb: Embeddings, path: Path, gz: bool) -> list[Path]:
    if path.is_dir() or not path.suffix:
        vec, meta = path / "vectors.tsv", path / "metadata.tsv"
    else:
        vec, meta = path, path.with_name(path.stem + "_metadata.tsv")
    with _Output(meta, gz) as f:  # first: it refuses keys the TSV cannot hold
        tables.write_projector_metadata(f, emb.keys, emb.metadata, label=str(meta))
    with _Output(vec, gz) as f:
        text.write_text(f, None, emb.vectors, header=False, sep="\t", label=str(vec))
    return [_target(vec, gz), _target(meta, gz)]


def _write_npy(emb: Embeddings, path: Path, gz: bool) -> list[Path]:
    text.check_keys_for_text(emb.keys, str(path), forbidden="\r\n")
    with _Output(path, gz) as f:
        np.lib.format.write_array(f, emb.vectors, allow_pickle=False)
    keys_path = path.with_name(path.stem + ".keys.txt")
    with _Output(keys_path, gz) as f:
        f.write(("\n".join(emb.keys) + "\n").encode("utf-8"))
    return _with_sidecar(emb, path, gz, [_target(path, gz), _target(keys_path, gz)])


def _table_writer(write_fn):
    def write(emb: Embeddings, path: Path, gz: bool) -> list[Path]:
        with _Output(path, gz) as f:
            write_fn(f, emb.keys, emb.vectors, emb.metadata, label=str(path))
        return [_target(path, gz)]
    return write


_WRITERS = {
    "word2vec": _text_writer(True), "fasttext": _text_writer(True), "glove": _text_writer(False),
    "word2vec-bin": _write_binary, "projector": _write_projector, "npy": _write_npy,
    "npz": _table_writer(arrays.write_npz), "csv": _table_writer(tables.write_csv),
    "parquet": _table_writer(tables.write_parquet),
}
