"""Tables: CSV vector tables, the projector's ``metadata.tsv``, and metadata files.

A vector table holds a key column (named ``key``/``word``/``token``/``text``…, else the first
non-numeric column), the vectors — numeric columns, or one list column — and metadata (every
other column). When some columns are named like ``v0, v1…``/``dim_0…``/``0, 1…`` only those are
vectors and other numeric columns stay metadata (that is how :func:`write_csv` writes them).

The first line of a CSV is its header — as pandas, R and spreadsheets write it — unless every
field on it is a number (``np.savetxt(..., delimiter=",")``). A header of the column numbers
``0,1,2…`` (pandas' ``DataFrame(array).to_csv(index=False)``) is still a header. A first column
with an empty name is pandas' index (``df.to_csv()``): it gives the keys. A file with no header
has no keys either: every column is a dimension and the rows are named by number. Column names
must be unique (pandas would rename a repeated ``v0`` to ``v0.1`` and a dimension would be lost).

>>> from .source import Source
>>> parts = read_csv(Source.of(("t.csv", b",0,1\\nking,0.5,1\\nqueen,0.25,2\\n")))
>>> parts.keys, parts.vectors.tolist()
(['king', 'queen'], [[0.5, 1.0], [0.25, 2.0]])
"""
from __future__ import annotations

import csv
import io
import re
from collections import Counter
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import EmbeddingFormatError
from .lines import LineChunks, LineGuard, read_text_lines
from .rows import Parts, check_rows, is_number
from .source import Source

KEY_COLUMNS = ("key", "word", "token", "text", "term", "label", "name", "id")
VECTOR_COLUMN = re.compile(r"^(v|d|dim|e|emb|embedding|f|x|c|col|component)?[_-]?\d+$", re.IGNORECASE)
LIST_COLUMNS = ("vector", "vectors", "embedding", "embeddings", "emb")
EXTRA_COLUMNS = 256  # a table may hold max_dim vector columns and this many others


# -- reading vector tables ------------------------------------------------------------------------
def read_csv(src: Source, limit: int | None = None, sep: str | None = None) -> Parts:
    """Keys (or ``None``), vectors and metadata from a CSV (or TSV) table."""
    lines = _first_lines(src)
    if sep is None:
        first = lines[0] if lines else ""
        sep = "\t" if src.suffix in (".tsv", ".tab") or ("\t" in first and "," not in first) else ","
    fields = [_fields(line, sep) for line in lines[:2]]
    if not fields:
        raise EmbeddingFormatError("the file is empty; expected a table with a header row",
                                   path=src.label)
    check_columns(len(fields[0]), src)
    header, warnings = has_header(fields[0], fields[1] if len(fields) > 1 else None)
    if header:
        check_names(fields[0], src.label)
    rows = src.limits.max_rows + 1 if limit is None else min(limit, src.limits.max_rows + 1)
    df = _pandas_csv(src, sep, rows, header=0 if header else None)
    check_rows(len(df), src.limits, src.label)
    if not header:
        df.columns = [f"c{i}" for i in range(df.shape[1])]
        parts = split_table(df, src.label, first_line=1, key_col=False)
    else:
        index = df.columns[0] if fields[0][0].strip() == "" else None  # pandas' index column
        parts = split_table(df, src.label, first_line=2, key_col=index)
    parts.warnings[:0] = warnings
    return parts


def _first_lines(src: Source) -> list[str]:
    """The first two non-empty lines (bounded by the line-length limit), decoded."""
    out: list[str] = []
    with src.open() as f:
        chunks = LineChunks(f, src.label, src.limits.max_line)
        while len(out) < 2 and (lines := chunks.next()) is not None:
            for raw in lines:
                if not out:
                    raw = raw.removeprefix(b"\xef\xbb\xbf")
                if raw.strip():
                    try:
                        out.append(raw.decode("utf-8").rstrip("\r\n"))
                    except UnicodeDecodeError as exc:
                        raise EmbeddingFormatError(
                            f"the file is not valid UTF-8 text ({exc.reason} at byte {exc.start} of "
                            "the line)", path=src.label) from None
                if len(out) == 2:
                    break
    return out


def _fields(line: str, sep: str) -> list[str]:
    try:
        return next(csv.reader([line], delimiter=sep), [])
    except csv.Error:
        return line.split(sep)


def check_columns(count: int, src: Source) -> None:
    most = src.limits.max_dim + EXTRA_COLUMNS
    if count > most:
        raise EmbeddingFormatError(
            f"{count:,} columns, more than the column limit of {most:,} (the max_dim limit "
            f"{src.limits.max_dim:,} plus {EXTRA_COLUMNS} for keys and metadata); "
            f"{src.limits.how_to_raise('max_dim')}", path=src.label, line=1)


def has_header(first: list[str], second: list[str] | None) -> tuple[bool, list[str]]:
    """The module's header rule; also the warning when the choice is a close call."""
    values = [f.strip() for f in first]
    if not all(is_number(v) for v in values):
        return True, []
    if all(v.isdigit() and v.isascii() for v in values):
        numbers = [int(v) for v in values]
        start = numbers[0] if numbers else 0
        if start in (0, 1) and numbers == list(range(start, start + len(numbers))):
            warn = []
            if second is not None and all(f.strip().isdigit() for f in second):
                warn.append(f"line 1 ({', '.join(values[:3])}, …) was read as a header of column "
                            "numbers, although line 2 is all integers too; if it is data, write a "
                            "header row")
            return True, warn
    return False, []


def check_names(names: list[str], label: str) -> None:
    counts = Counter(n for i, n in enumerate(names) if i or n.strip())
    dups = [n for n, c in counts.items() if c > 1]
    if dups:
        where = [i + 1 for i, n in enumerate(names) if n == dups[0]]
        shown = "an empty name" if not dups[0].strip() else f"the name {dups[0]!r}"
        raise EmbeddingFormatError(
            f"columns {where[0]} and {where[1]} have {shown}; expected unique column names (a "
            "repeated name would be renamed and a dimension lost to metadata)", path=label, line=1)


def _pandas_csv(src: Source, sep: str, limit: int | None, header) -> pd.DataFrame:
    try:
        with src.open() as raw, LineGuard(raw, src.label, src.limits.max_line) as f:
            return pd.read_csv(f, sep=sep, nrows=limit, header=header, keep_default_na=False,
                               na_values=[], encoding="utf-8", low_memory=False)
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(f"the file is not valid UTF-8 text ({exc.reason} at byte "
                                   f"{exc.start})", path=src.label) from None
    except pd.errors.EmptyDataError:
        raise EmbeddingFormatError("the file is empty; expected a table with a header row",
                                   path=src.label) from None
    except pd.errors.ParserError as exc:
        raise EmbeddingFormatError(f"not a valid table: {str(exc).strip()}", path=src.label) from None


def split_table(df: pd.DataFrame, label: str, *, first_line: int | None,
                vectors: np.ndarray | None = None, key_col=None) -> Parts:
    """Keys, vectors and metadata from a frame (``vectors`` given when a list column held them).

    ``key_col``: the key column if already known, ``False`` for none, ``None`` to look for it."""
    where = (lambda i: f"line {i + first_line}") if first_line else (lambda i: f"row {i + 1}")
    if key_col is None:
        key_col = find_key_column(df)
    elif key_col is False:
        key_col = None
    if vectors is None:
        vec_cols = _vector_columns(df, key_col)
        if not vec_cols:
            raise EmbeddingFormatError(
                f"found no numeric columns to use as vectors among {list(df.columns)[:10]}",
                path=label)
        vectors = _numeric_matrix(df[vec_cols], label, where)
    else:
        vec_cols = []
    if not np.isfinite(vectors).all():
        r, c = np.argwhere(~np.isfinite(vectors))[0]
        raise EmbeddingFormatError(f"{where(int(r))}: value {c + 1} is NaN or infinity; expected "
                                   "finite numbers", path=label)
    keys = None
    if key_col is not None:
        missing = np.flatnonzero(df[key_col].isna().to_numpy())
        if len(missing):
            raise EmbeddingFormatError(f"{where(int(missing[0]))}: the key (column {key_col!r}) is "
                                       "missing (null); expected a key on every row", path=label)
        keys = [str(k) for k in df[key_col].tolist()]
    meta = df.drop(columns=[c for c in [key_col, *vec_cols] if c is not None])
    return Parts(keys, vectors, meta.reset_index(drop=True), where=where)


def find_key_column(df: pd.DataFrame):
    lowered = {str(c).lower(): c for c in df.columns}
    for name in KEY_COLUMNS:
        col = df[lowered[name]] if name in lowered else None
        if col is not None and not _list_like(col) and (not _numeric_kind(col) or col.is_unique):
            return lowered[name]
    for c in df.columns:
        if not _numeric_kind(df[c]) and not _list_like(df[c]):
            return c
    return None


def _vector_columns(df: pd.DataFrame, key_col) -> list:
    named = [c for c in df.columns if c != key_col and VECTOR_COLUMN.match(str(c))]
    if named:
        return named
    return [c for c in df.columns if c != key_col and _numeric_kind(df[c])
            and df[c].dtype.kind != "b" and str(c).lower() not in KEY_COLUMNS]


def _numeric_matrix(frame: pd.DataFrame, label: str, where) -> np.ndarray:
    for c in frame.columns:
        if not _numeric_kind(frame[c]):
            values = pd.to_numeric(frame[c], errors="coerce")
            bad_rows = np.flatnonzero(values.isna().to_numpy())
            if not len(bad_rows):
                frame = frame.copy()
                frame[c] = values
                continue
            bad = int(bad_rows[0])
            raise EmbeddingFormatError(
                f"{where(bad)}: column {c!r} holds {str(frame[c].iloc[bad])[:40]!r}, expected a "
                "number", path=label)
    kinds = {frame[c].dtype.kind for c in frame.columns}
    dtype = np.int64 if kinds <= {"i", "u"} else np.float64  # float32 comes later, with its warnings
    return frame.to_numpy(dtype=dtype)  # often column-major: to_float32 casts it in one pass


def _numeric_kind(s: pd.Series) -> bool:
    return s.dtype.kind in "biuf"


def _list_like(s: pd.Series) -> bool:
    return len(s) > 0 and isinstance(s.iloc[0], (list, np.ndarray))


# -- metadata and key files ------------------------------------------------------------------------
def read_projector_metadata(src: Source, limit: int | None = None) -> pd.DataFrame:
    """The projector's rules: one column has no header; several columns have a header row.
    ``limit``: only the first ``limit`` rows are read."""
    lines = read_text_lines(src, "metadata file", stop=None if limit is None else limit + 1)
    if not lines:
        raise EmbeddingFormatError("the metadata file is empty", path=src.label)
    if "\t" not in lines[0]:
        return pd.DataFrame({"key": lines[:limit] if limit is not None else lines})
    header = lines[0].split("\t")
    check_columns(len(header), src)
    rows = []
    for i, line in enumerate(lines[1:], start=2):
        fields = line.split("\t")
        if len(fields) != len(header):
            raise EmbeddingFormatError(
                f"expected {len(header)} tab-separated fields like the header, found {len(fields)}",
                path=src.label, line=i)
        rows.append(fields)
    df = pd.DataFrame(rows, columns=header)
    return infer_types(df)


def infer_types(df: pd.DataFrame) -> pd.DataFrame:
    """Columns whose every value is a number become numeric (ints stay ints)."""
    out = {}
    for c in df.columns:
        col = df[c]
        try:
            num = pd.to_numeric(col)
        except (ValueError, TypeError):
            out[c] = col
            continue
        out[c] = num if len(col) else col
    return pd.DataFrame(out)


def read_metadata_table(src: Source, limit: int | None = None) -> pd.DataFrame:
    """A metadata file: CSV, Parquet or the projector's TSV (its first ``limit`` rows)."""
    if src.suffix == ".csv":
        lines = _first_lines(src)
        if lines:
            names = _fields(lines[0], ",")
            check_columns(len(names), src)
            check_names(names, src.label)
        rows = src.limits.max_rows + 1 if limit is None else min(limit, src.limits.max_rows + 1)
        df = _pandas_csv(src, ",", rows, header=0)
        check_rows(len(df), src.limits, src.label)
        return df
    if src.suffix in (".parquet", ".pq"):
        from .parquet import read_parquet_frame

        return read_parquet_frame(src, limit)
    return read_projector_metadata(src, limit)


# -- writing -------------------------------------------------------------------------------------------
def vector_column_names(dim: int) -> list[str]:
    return [f"v{i}" for i in range(dim)]


def write_csv(f: BinaryIO, keys, vectors: np.ndarray, metadata: pd.DataFrame, label: str = "") -> None:
    clash = [c for c in metadata.columns if str(c) == "key" or VECTOR_COLUMN.match(str(c))]
    if clash:
        raise EmbeddingFormatError(
            f"metadata column(s) {clash} would be read back as keys or vector columns; rename them",
            path=label)
    vec = pd.DataFrame(np.asarray(vectors, np.float32), columns=vector_column_names(vectors.shape[1]))
    df = pd.concat([pd.DataFrame({"key": keys}), metadata.reset_index(drop=True), vec], axis=1)
    text = io.TextIOWrapper(f, encoding="utf-8", newline="")
    df.to_csv(text, index=False, lineterminator="\n")
    text.flush()
    text.detach()


def write_projector_metadata(f: BinaryIO, keys, metadata: pd.DataFrame, label: str = "") -> None:
    """One column and no header without metadata; a header row with it (the projector's rule)."""
    columns = [("key", list(keys))] + [(str(c), metadata[c].tolist()) for c in metadata.columns]
    for name, values in columns:
        for i, v in enumerate([name, *values] if len(columns) > 1 else values):
            s = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            if "\t" in s or "\n" in s or "\r" in s:
                raise EmbeddingFormatError(
                    f"value {s[:40]!r} in column {name!r} (row {i}) contains a tab or line break, "
                    "which metadata.tsv cannot store", path=label)
    lines = []
    if len(columns) > 1:
        lines.append("\t".join(name for name, _ in columns))
    for row in zip(*(values for _, values in columns)):
        lines.append("\t".join("" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
                               for v in row))
    f.write(("\n".join(lines) + "\n").encode("utf-8"))
