"""Parquet vector tables: a key column, the vectors (one list column, or numeric columns) and
metadata; what :func:`write_parquet` writes is ``key``, the metadata columns, then ``vector`` (a
fixed-size list of float32).

Before any page is decoded the footer is checked against the limits: rows, columns, and the
decoded size (8 bytes per stored value, or the pages' own uncompressed size if larger) against
``max_decompressed`` — a small file of run-length-encoded zeros can decode to gigabytes.
"""
from __future__ import annotations

import io
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import EmbeddingFormatError
from .limits import size_text
from .rows import Parts, check_rows
from .source import GuardedGzip, Source
from .tables import LIST_COLUMNS, check_columns, split_table

ERRORS_NOTE = "not a readable Parquet file"


def read_parquet(src: Source, limit: int | None = None) -> Parts:
    return _guarded(src, lambda: _read_parquet(src, limit))


def read_parquet_frame(src: Source, limit: int | None = None) -> pd.DataFrame:
    """A Parquet file (its first ``limit`` rows) as a frame (metadata files), under the same checks."""
    return _guarded(src, lambda: _table(src, limit).to_pandas())


def _guarded(src: Source, fn):
    import pyarrow as pa

    try:
        return fn()
    except EmbeddingFormatError:
        raise
    except (pa.ArrowException, OSError, ValueError, KeyError, TypeError, IndexError) as exc:
        # damaged files fail deep inside pyarrow (bad pages, bad JSON in the schema metadata)
        raise EmbeddingFormatError(f"{ERRORS_NOTE} ({type(exc).__name__}: {str(exc)[:200]})",
                                   path=src.label) from None


def _table(src: Source, limit: int | None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    with src.open() as f:
        raw = io.BytesIO(f.read()) if isinstance(f, GuardedGzip) else f
        direct = src.path is not None and raw is f
        pf = pq.ParquetFile(str(src.path) if direct else raw, memory_map=direct)
        _check_footer(pf, src, limit)
        batches, got = [], 0
        for batch in pf.iter_batches(batch_size=65_536):
            batches.append(batch)
            got += batch.num_rows
            if limit is not None and got >= limit:
                break
        table = pa.Table.from_batches(batches, schema=pf.schema_arrow)
    return table.slice(0, limit) if limit is not None else table


def _check_footer(pf, src: Source, limit: int | None) -> None:
    meta = pf.metadata
    rows = min(meta.num_rows, limit or meta.num_rows)
    check_rows(rows, src.limits, src.label)
    check_columns(len(pf.schema_arrow.names), src)
    decoded = 0
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        for j in range(group.num_columns):
            col = group.column(j)
            decoded += max(8 * col.num_values, col.total_uncompressed_size)
    if meta.num_rows:
        decoded = decoded * rows // meta.num_rows  # limit= decodes only the first row groups
    budget = src.limits.decompressed_limit(src.raw_size)
    if decoded > budget:
        raise EmbeddingFormatError(
            f"its pages decode to about {size_text(decoded)}, beyond the max_decompressed limit "
            f"({size_text(budget)} for this {size_text(src.raw_size)} file); "
            f"{src.limits.how_to_raise('max_decompressed')}", path=src.label)


def _read_parquet(src: Source, limit: int | None) -> Parts:
    table = _table(src, limit)
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
    """An N×D matrix from a list column, chunk by chunk (one copy of the values, native dtype:
    float32 comes later, with its warnings)."""
    import pyarrow.compute as pc

    if column.null_count:
        row = int(np.flatnonzero(column.is_null().to_numpy(zero_copy_only=False))[0])
        raise EmbeddingFormatError(f"row {row + 1}: list column {name!r} has a missing (null) "
                                   "vector; expected one on every row", path=label)
    parts, dim, row0 = [], None, 0
    for chunk in column.chunks:
        lengths = pc.list_value_length(chunk).to_numpy(zero_copy_only=False)
        dim = int(lengths[0]) if dim is None and len(lengths) else dim
        if len(lengths) and (lengths != dim).any():
            row = int(np.flatnonzero(lengths != dim)[0])
            raise EmbeddingFormatError(
                f"row {row0 + row + 1} of list column {name!r} has {lengths[row]} values, expected "
                f"{dim} like row 1", path=label)
        values = chunk.flatten()
        if values.null_count:
            raise EmbeddingFormatError(f"list column {name!r} holds missing (null) values; expected "
                                       "numbers", path=label)
        flat = values.to_numpy(zero_copy_only=False)
        if flat.dtype.kind not in "fiu":
            raise EmbeddingFormatError(f"list column {name!r} holds {flat.dtype}, expected numbers",
                                       path=label)
        parts.append(flat.reshape(len(chunk), dim or 0))
        row0 += len(chunk)
    if not parts:
        return np.empty((0, dim or 0), np.float32)
    out = np.concatenate(parts) if len(parts) > 1 else parts[0]
    return np.ascontiguousarray(out)


def write_parquet(f: BinaryIO, keys, vectors: np.ndarray, metadata: pd.DataFrame, label: str = "") -> None:
    """``key``, the metadata columns, ``vector``; with or without metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = [str(c) for c in metadata.columns]
    if "key" in names or "vector" in names:
        raise EmbeddingFormatError("metadata columns named 'key' or 'vector' clash with the table "
                                   "layout; rename them", path=label)
    columns = {"key": pa.array(list(keys), pa.string())}
    if names:
        frame = metadata.reset_index(drop=True)
        frame.columns = names
        meta = pa.Table.from_pandas(frame, preserve_index=False)
        columns.update(zip(meta.column_names, meta.columns))
    flat = pa.array(np.ascontiguousarray(vectors, np.float32).ravel())
    columns["vector"] = pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])
    table = pa.table(columns)
    if names:  # keep pandas' dtypes (categories, nullable ints) for the metadata
        table = table.replace_schema_metadata(meta.schema.metadata)
    pq.write_table(table, f)
