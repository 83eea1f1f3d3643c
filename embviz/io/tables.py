"""Tables: CSV and Parquet vector tables, the projector's ``metadata.tsv``, and key lists.

A vector table holds a key column (named ``key``/``word``/``token``/``text``…, else the first
non-numeric column), the vectors — numeric columns, or one list column — and metadata (every
other column). When some columns are named like ``v0, v1…``/``dim_0…``/``0, 1…`` only those are
vectors and other numeric columns stay metadata (that is how :func:`write_csv` writes them).
"""
from __future__ import annotations

import io
import re
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import EmbeddingFormatError
from .source import GuardedGzip, Source

KEY_COLUMNS = ("key", "word", "token", "text", "term", "label", "name", "id")
VECTOR_COLUMN = re.compile(r"^(v|d|dim|e|emb|embedding|f|x|c|col|component)?[_-]?\d+$", re.IGNORECASE)
LIST_COLUMNS = ("vector", "vectors", "embedding", "embeddings", "emb")


# -- reading vector tables ------------------------------------------------------------------------
def read_csv(src: Source, limit: int | None = None, sep: str | None = None):
    """Keys (or ``None``), vectors and metadata from a CSV (or TSV) table."""
    if sep is None:
        first = src.head(1 << 14).split(b"\n", 1)[0]
        sep = "\t" if src.suffix in (".tsv", ".tab") or (b"\t" in first and b"," not in first) else ","
    df = _pandas_csv(src, sep, limit, header="infer")
    if len(df) and sum(_is_number(c) for c in df.columns) > len(df.columns) / 2:
        # no header row: the first line was data
        df = _pandas_csv(src, sep, limit, header=None)
        df.columns = [f"c{i}" for i in range(df.shape[1])]
        return split_table(df, src.label, first_line=1)
    return split_table(df, src.label, first_line=2)


def _pandas_csv(src: Source, sep: str, limit: int | None, header) -> pd.DataFrame:
    try:
        with src.open() as f:
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


def read_parquet(src: Source, limit: int | None = None):
    import pyarrow as pa

    try:
        return _read_parquet(src, limit)
    except EmbeddingFormatError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        # damaged files fail deep inside pyarrow (bad pages, bad JSON in the schema metadata)
        raise EmbeddingFormatError(f"not a readable Parquet file ({type(exc).__name__}: "
                                   f"{str(exc)[:200]})", path=src.label) from None


def _read_parquet(src: Source, limit: int | None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with src.open() as f:
        raw = io.BytesIO(f.read()) if isinstance(f, GuardedGzip) else f
        pf = pq.ParquetFile(str(src.path) if src.path is not None and raw is f else raw,
                            memory_map=src.path is not None and raw is f)
        batches = []
        got = 0
        for batch in pf.iter_batches(batch_size=65_536):
            batches.append(batch)
            got += batch.num_rows
            if limit is not None and got >= limit:
                break
        table = pa.Table.from_batches(batches, schema=pf.schema_arrow)
    if limit is not None:
        table = table.slice(0, limit)
    vectors = None
    for name in table.column_names:
        if _is_list(table.schema.field(name).type) and (vectors is None or name.lower() in LIST_COLUMNS):
            vectors = name
    if vectors is None:
        return split_table(table.to_pandas(), src.label, first_line=None)
    matrix = _list_matrix(table.column(vectors), vectors, src.label)
    rest = table.drop_columns([vectors]).to_pandas()
    return split_table(rest, src.label, first_line=None, vectors=matrix)


def _is_list(t) -> bool:
    import pyarrow as pa

    return pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t)


def _list_matrix(column, name: str, label: str) -> np.ndarray:
    """An N×D float32 matrix from a list column, chunk by chunk (one copy of the values)."""
    import pyarrow.compute as pc

    if column.null_count:
        raise EmbeddingFormatError(f"list column {name!r} has missing vectors", path=label)
    parts, dim, row0 = [], None, 0
    for chunk in column.chunks:
        lengths = pc.list_value_length(chunk).to_numpy(zero_copy_only=False)
        dim = int(lengths[0]) if dim is None and len(lengths) else dim
        if len(lengths) and (lengths != dim).any():
            row = int(np.flatnonzero(lengths != dim)[0])
            raise EmbeddingFormatError(
                f"row {row0 + row + 1} of list column {name!r} has {lengths[row]} values, expected "
                f"{dim} like row 1", path=label)
        flat = chunk.flatten().to_numpy(zero_copy_only=False)
        if flat.dtype.kind not in "fiu":
            raise EmbeddingFormatError(f"list column {name!r} holds {flat.dtype}, expected numbers",
                                       path=label)
        parts.append(flat.reshape(len(chunk), dim or 0))
        row0 += len(chunk)
    if not parts:
        return np.empty((0, 0), np.float32)
    out = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return np.ascontiguousarray(out, dtype=np.float32)


def split_table(df: pd.DataFrame, label: str, *, first_line: int | None,
                vectors: np.ndarray | None = None):
    """Keys, vectors and metadata from a frame (``vectors`` given when a list column held them)."""
    where = (lambda i: f"line {i + first_line}") if first_line else (lambda i: f"row {i + 1}")
    key_col = find_key_column(df)
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
        keys = [str(k) for k in df[key_col].tolist()]
    meta = df.drop(columns=[c for c in [key_col, *vec_cols] if c is not None])
    return keys, vectors, meta.reset_index(drop=True)


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
    return np.ascontiguousarray(frame.to_numpy(dtype=np.float64), dtype=np.float32)


def _numeric_kind(s: pd.Series) -> bool:
    return s.dtype.kind in "biuf"


def _list_like(s: pd.Series) -> bool:
    return len(s) > 0 and isinstance(s.iloc[0], (list, np.ndarray))


def _is_number(x) -> bool:
    try:
        float(x)
    except (TypeError, ValueError):
        return False
    return True


# -- metadata and key files ------------------------------------------------------------------------
def read_text_lines(src: Source) -> list[str]:
    """UTF-8 lines without their line ends; a final empty line is dropped."""
    with src.open() as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise EmbeddingFormatError(
            f"bytes {raw[exc.start:exc.start + 4]!r} at byte offset {exc.start:,} are not valid "
            "UTF-8; expected UTF-8 text", path=src.label, line=line) from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [ln.removesuffix("\r") for ln in lines]


def read_projector_metadata(src: Source) -> pd.DataFrame:
    """The projector's rules: one column has no header; several columns have a header row."""
    lines = read_text_lines(src)
    if not lines:
        raise EmbeddingFormatError("the metadata file is empty", path=src.label)
    if "\t" not in lines[0]:
        return pd.DataFrame({"key": lines})
    header = lines[0].split("\t")
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


def read_metadata_table(src: Source) -> pd.DataFrame:
    """A metadata file: CSV, Parquet or the projector's TSV."""
    if src.suffix == ".csv":
        with src.open() as f:
            return pd.read_csv(f, keep_default_na=False, na_values=[])
    if src.suffix == ".parquet":
        import pyarrow.parquet as pq

        with src.open() as f:
            return pq.read_table(io.BytesIO(f.read())).to_pandas()
    return read_projector_metadata(src)


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


def write_parquet(f: BinaryIO, keys, vectors: np.ndarray, metadata: pd.DataFrame, label: str = "") -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if "key" in metadata.columns or "vector" in metadata.columns:
        raise EmbeddingFormatError("metadata columns named 'key' or 'vector' clash with the table "
                                   "layout; rename them", path=label)
    flat = pa.array(np.ascontiguousarray(vectors, np.float32).ravel())
    table = pa.Table.from_pandas(metadata.reset_index(drop=True), preserve_index=False)
    table = table.add_column(0, "key", pa.array(keys, pa.string()))
    table = table.append_column("vector", pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1]))
    pq.write_table(table, f)


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
