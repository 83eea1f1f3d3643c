"""Coordinates tables: the one place that builds, writes, reads and validates ``key, x, y[, z]`` +
metadata tables (the CLI's output, the app's exports and Large maps page, the Dask path's Parquet
partitions, the data folder's test for a coordinates file, the projector's TSV pair and zip).

Every file is written atomically (:mod:`embviz.io.atomic`): to a temporary file in the same folder,
flushed to disk, then renamed; a run killed midway leaves no partial file at the final path, and
the next write to that path removes stray temporaries of processes that are gone (:func:`remove_stale`).

>>> import numpy as np
>>> df = coordinates_frame(np.array([[0, 1], [2, 3]], dtype=np.float32), ["a", "b"])
>>> df.columns.tolist(), df["key"].tolist()
(['key', 'x', 'y'], ['a', 'b'])
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import EmbeddingFormatError, ParameterError
from .io.atomic import pid_alive, atomic_paths, remove_stale_temporaries
from .io.atomic import atomic_write as _atomic_file

AXES = ("x", "y", "z")
SUFFIXES = (".parquet", ".pq", ".csv", ".tsv")
WRITABLE = (".parquet", ".csv", ".tsv")
PARTIAL = ".embviz-partial-"
BATCH = 100_000


# -- atomic files ------------------------------------------------------------------------------------
# Files are written through the one atomic writer (embviz.io.atomic); what is ours here is the
# temporary *folder* the CLI's large path writes partitions into (named with PARTIAL).
def remove_stale(path: str | Path) -> list[Path]:
    """Delete temporaries that writes to ``path`` left behind in processes that no longer run: the
    atomic writer's files and the CLI's partition folders."""
    path = Path(path)
    removed = remove_stale_temporaries(path) if path.parent.is_dir() else []
    if not path.parent.is_dir():
        return removed
    prefix = f".{path.name}{PARTIAL}"
    for entry in path.parent.iterdir():
        if not entry.name.startswith(prefix):
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            try:
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
                removed.append(entry)
            except OSError:
                pass
    return removed


@contextmanager
def atomic_write(path: str | Path, mode: str = "wb") -> Iterator:
    """:func:`embviz.io.atomic.atomic_write` for ``"w"``/``"wb"``; ``"path"`` yields a temporary
    :class:`~pathlib.Path` for libraries that open files themselves (:func:`~embviz.io.atomic.atomic_paths`).
    Either way the file appears at ``path`` whole, or not at all."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale(path)
    if mode == "path":
        with atomic_paths([path]) as (tmp,):
            yield tmp
    else:
        with _atomic_file(path, mode) as fh:
            yield fh


# -- building, checking --------------------------------------------------------------------------------
def coordinates_frame(coords, keys, metadata: pd.DataFrame | None = None) -> pd.DataFrame:
    """A table of ``key``, ``x``, ``y`` [, ``z``] and the metadata columns not named like those."""
    coords = np.asarray(coords)
    if coords.ndim != 2 or coords.shape[1] not in (1, 2, 3) or coords.shape[0] != len(keys):
        raise ParameterError("coordinates_frame", "coords", f"an array of {len(keys)} rows × 1-3 columns",
                             getattr(coords, "shape", None))
    df = pd.DataFrame({"key": [str(k) for k in keys]})
    for j in range(coords.shape[1]):
        df[AXES[j]] = coords[:, j]
    if metadata is not None and len(metadata.columns):
        meta = metadata.reset_index(drop=True)
        for c in meta.columns:
            if c not in df.columns:
                df[c] = meta[c].to_numpy()
    return df


def check_table(table: pd.DataFrame, path: str | Path | None = None) -> pd.DataFrame:
    """``x``/``y`` (and ``z``) present and numeric (float32), ``key`` as text (row numbers if absent)."""
    missing = [a for a in ("x", "y") if a not in table.columns]
    if missing:
        raise EmbeddingFormatError(
            f"expected coordinate columns x and y, found {list(map(str, table.columns))[:10]}", path=path)
    for axis in (a for a in AXES if a in table.columns):
        if not pd.api.types.is_numeric_dtype(table[axis]):
            raise EmbeddingFormatError(f"column {axis!r} must hold numbers, found {table[axis].dtype}", path=path)
        table[axis] = table[axis].astype(np.float32)
    if "key" not in table.columns:
        table.insert(0, "key", [str(i) for i in range(len(table))])
    table["key"] = table["key"].astype(str)
    return table


def coordinates_arrow(keys, coords, metadata: pd.DataFrame | None = None, extra: dict | None = None):
    """:func:`coordinates_frame` as a pyarrow table (the Parquet the large path writes a partition
    at a time): ``key``, the axes, then ``extra`` columns (``{"in_sample": bools}``), then the
    metadata columns not named like those."""
    import pyarrow as pa

    coords = np.asarray(coords, dtype=np.float32)
    columns = {"key": pa.array([str(k) for k in keys], type=pa.string())}
    columns.update({AXES[d]: pa.array(coords[:, d]) for d in range(coords.shape[1])})
    columns.update({name: pa.array(values) for name, values in (extra or {}).items()})
    table = pa.table(columns)
    if metadata is not None:
        for name in metadata.columns:
            if str(name) not in columns:
                table = table.append_column(str(name), pa.array(metadata[name].to_numpy()))
    return table


def is_coordinates_table(path: str | Path) -> bool:
    """True if ``path`` is a Parquet/CSV table with ``x`` and ``y`` columns (what ``embviz project``
    writes) rather than vectors. Reads only the schema or the header line; never raises."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            names = set(pq.read_schema(path).names)
        elif suffix == ".csv":
            with open(path, encoding="utf-8", errors="replace") as fh:
                names = {c.strip().strip('"') for c in fh.readline().split(",")}
        else:
            return False
    except Exception:  # noqa: BLE001 — unreadable: not a coordinates table; the loader will say why
        return False
    return {"x", "y"} <= names


# -- reading -------------------------------------------------------------------------------------------
def read_coordinates(path: str | Path) -> pd.DataFrame:
    """Coordinates from Parquet, CSV or the projector TSV pair (``<name>_metadata.tsv`` beside it),
    as :func:`write_coordinates` and ``embviz project`` write them — or any table with ``x``, ``y``.

    Raises :class:`EmbeddingFormatError` naming the file and the columns it found when ``x``/``y``
    are missing or not numeric.
    """
    path = Path(path)
    if not path.is_file():
        raise EmbeddingFormatError("no such file" if not path.exists() else "is not a file", path=path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            table = pd.read_parquet(path)
        elif suffix == ".csv":
            table = pd.read_csv(path, keep_default_na=False, na_values=[""])
        elif suffix == ".tsv":
            table = _read_projector_pair(path)
        else:
            raise EmbeddingFormatError("expected coordinates as .parquet, .csv or .tsv", path=path)
    except (ValueError, OSError) as exc:
        if isinstance(exc, EmbeddingFormatError):
            raise
        raise EmbeddingFormatError(f"not a readable table ({exc})", path=path) from exc
    return check_table(table, path)


def coordinate_array(path: str | Path) -> np.ndarray:
    """Only the coordinate columns of a coordinates file, as an N × dims float32 array."""
    table = read_coordinates(path)
    return table[[a for a in AXES if a in table.columns]].to_numpy(np.float32)


def _read_projector_pair(path: Path) -> pd.DataFrame:
    coords = pd.read_csv(path, sep="\t", header=None, dtype=np.float32)
    table = pd.DataFrame({AXES[d]: coords[d] for d in range(min(3, coords.shape[1]))})
    meta_path = projector_metadata_path(path)
    if meta_path.exists():
        meta = pd.read_csv(meta_path, sep="\t", keep_default_na=False, dtype=str, quoting=csv.QUOTE_NONE)
        if len(meta) != len(table):
            raise EmbeddingFormatError(f"has {len(meta)} rows but {path.name} has {len(table)}", path=meta_path)
        meta = meta.rename(columns={meta.columns[0]: "key"})
        table = pd.concat([meta, table], axis=1)
    return table


def projector_metadata_path(path: Path) -> Path:
    return path.with_name(path.stem + "_metadata.tsv")


# -- writing -------------------------------------------------------------------------------------------
def check_output(path: str | Path, owner: str = "write_coordinates", allowed=WRITABLE) -> Path:
    path = Path(path)
    if path.suffix.lower() not in allowed:
        raise ParameterError(owner, "output", "a file ending in " + ", ".join(allowed), str(path))
    return path


def write_coordinates(path: str | Path, keys, coords, metadata: pd.DataFrame | None = None) -> list[Path]:
    """Coordinates to Parquet or CSV (``key, x, y[, z]`` + metadata) or the projector TSV pair;
    atomically (see the module). Returns the files written."""
    path = check_output(path)
    table = coordinates_frame(coords, keys, metadata)
    return write_table(table, path)


def write_table(table: pd.DataFrame, path: Path) -> list[Path]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        with atomic_write(path, "path") as tmp:
            table.to_parquet(tmp, index=False)
        return [path]
    if suffix == ".csv":
        with atomic_write(path, "w") as fh:
            table.to_csv(fh, index=False)
        return [path]
    axes = [a for a in AXES if a in table.columns]
    meta_cols = ["key"] + [c for c in table.columns if c not in (*AXES, "key")]
    meta_path = projector_metadata_path(path)
    with atomic_write(path, "w") as coords, atomic_write(meta_path, "w") as meta:
        _projector_rows(table, axes, meta_cols, coords, meta, header=True)
    return [path, meta_path]


def _tsv_cell(frame: pd.DataFrame) -> pd.DataFrame:
    """Cells as text with tabs and line breaks made spaces (the projector splits on both)."""
    return frame.astype(str).replace({r"[\t\r\n]": " "}, regex=True)


def _projector_rows(frame, axes, meta_cols, coords_fh, meta_fh, header: bool) -> None:
    """The projector's two files, a batch of rows at a time: coordinates without a header, and
    key + metadata with a header row; cells raw (the projector splits on tabs and never unquotes)."""
    frame[axes].to_csv(coords_fh, sep="\t", header=False, index=False, float_format="%.6g",
                       lineterminator="\n")
    meta = _tsv_cell(frame[meta_cols])
    if header:
        meta.columns = _tsv_cell(pd.DataFrame([list(map(str, meta_cols))])).iloc[0].tolist()
    meta.to_csv(meta_fh, sep="\t", header=header, index=False, quoting=csv.QUOTE_NONE, lineterminator="\n")


def projector_files(table: pd.DataFrame) -> tuple[str, str]:
    """The TF projector's pair for a coordinates table, as text: ``tensors.tsv`` (coordinates) and
    ``metadata.tsv`` (key + metadata, header row) — what :func:`write_coordinates` writes to ``.tsv``.

    >>> t, m = projector_files(coordinates_frame(np.array([[0.5, 1], [2, 3]]), ["a", 'b"c']))
    >>> t.splitlines(), m.splitlines()
    (['0.5\\t1', '2\\t3'], ['key', 'a', 'b"c'])
    """
    axes = [a for a in AXES if a in table.columns]
    meta_cols = ["key"] + [c for c in table.columns if c not in (*AXES, "key")]
    coords, meta = io.StringIO(), io.StringIO()
    _projector_rows(table, axes, meta_cols, coords, meta, header=True)
    return coords.getvalue(), meta.getvalue()


def projector_zip(table: pd.DataFrame) -> bytes:
    """A zip of :func:`projector_files` (``tensors.tsv``, ``metadata.tsv``), which
    https://projector.tensorflow.org loads with "Load"."""
    tensors, metadata = projector_files(table)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("tensors.tsv", tensors)
        z.writestr("metadata.tsv", metadata)
    return buf.getvalue()


def convert_coordinates(parquet: str | Path, out: str | Path) -> list[Path]:
    """Stream a coordinates Parquet file to CSV, or to the projector's TSV pair, batch by batch
    (memory stays at one batch), atomically."""
    import pyarrow.parquet as pq

    out = check_output(out)
    reader = pq.ParquetFile(parquet)
    if out.suffix.lower() == ".parquet":
        with atomic_write(out, "path") as tmp:
            shutil.copyfile(parquet, tmp)
        return [out]
    if out.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        with atomic_write(out, "wb") as fh, pacsv.CSVWriter(fh, reader.schema_arrow) as writer:
            for batch in reader.iter_batches(batch_size=BATCH):
                writer.write_batch(batch)
        return [out]
    names = reader.schema_arrow.names
    meta_cols = ["key"] + [c for c in names if c not in (*AXES, "key")]
    meta_path = projector_metadata_path(out)
    with atomic_write(out, "w") as coords, atomic_write(meta_path, "w") as meta:
        first = True
        for batch in reader.iter_batches(batch_size=BATCH):
            frame = batch.to_pandas()
            _projector_rows(frame, [a for a in AXES if a in frame.columns], meta_cols, coords, meta, first)
            first = False
    return [out, meta_path]


class ParquetParts:
    """Write a coordinates Parquet file one partition (row group) at a time; the file appears
    under its name only on :meth:`close` (``ok=False`` or an exception discards it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._ctx = atomic_write(self.path, "path")
        self.tmp = self._ctx.__enter__()
        self.writer = None

    def write(self, table) -> None:
        import pyarrow.parquet as pq

        if self.writer is None:
            self.writer = pq.ParquetWriter(self.tmp, table.schema)
        self.writer.write_table(table)

    def close(self, ok: bool = True, empty_schema=None) -> None:
        import pyarrow.parquet as pq

        if self.writer is None and ok:
            self.writer = pq.ParquetWriter(self.tmp, empty_schema)
        if self.writer is not None:
            self.writer.close()
        if ok:
            self._ctx.__exit__(None, None, None)
        else:
            try:
                self._ctx.__exit__(RuntimeError, RuntimeError("discarded"), None)
            except RuntimeError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if kind is not None:
            self.close(ok=False)
