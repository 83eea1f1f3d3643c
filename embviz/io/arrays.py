"""NumPy files: ``.npy`` (one matrix; keys come from elsewhere) and ``.npz`` archives.

Both are parsed from their headers (:mod:`numpy.lib.format`) and read as streams, so ``limit``
reads only the first rows, gzip needs no temporary file, and nothing is ever unpickled: an
object array is refused before a byte of it is read.

The ``.npz`` convention (also the demo table's) is ``vectors``, ``keys`` and ``meta:<column>``;
other common names (``embeddings``, ``words``, ``tokens``…) and a lone 2-D array are accepted too.
"""
from __future__ import annotations

import io
import tokenize
import zipfile
import zlib
from typing import BinaryIO

import numpy as np
import pandas as pd

from ..errors import EmbeddingFormatError
from .limits import Limits, size_text
from .rows import Parts, check_dim, check_rows
from .source import GuardedGzip, Source, refuse_pickle

META_PREFIX = "meta:"
VECTOR_NAMES = ("vectors", "embeddings", "embedding", "vecs", "weights", "matrix", "X", "arr_0")
HEADER_ERRORS = (ValueError, OSError, SyntaxError, TypeError, KeyError, EOFError, MemoryError,
                 NotImplementedError,
                 tokenize.TokenError, zipfile.BadZipFile, zlib.error)
MAX_MEMBERS = 10_000
KEY_NAMES = ("keys", "words", "tokens", "vocab", "labels", "index_to_key", "names", "ids")


def read_npy_stream(f: BinaryIO, label: str, limit: int | None = None, *,
                    size: int | None = None, what: str = "array", limits: Limits | None = None,
                    matrix: bool = False) -> np.ndarray:
    """Read a ``.npy`` stream (only ``limit`` leading rows of a C-order array).

    ``matrix=True`` checks, from the header and before any data is read, that it is a 2-D
    numeric array within ``limits`` (rows and dimensions)."""
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
    except EmbeddingFormatError:
        raise
    except HEADER_ERRORS as exc:  # a damaged header: numpy parses it as a Python literal
        raise EmbeddingFormatError(f"not a valid .npy {what} ({exc})", path=label) from None
    if dtype.hasobject:
        raise refuse_pickle(label, f"the {what} holds Python objects, which NumPy stores "
                                   "as a pickle (it would need allow_pickle=True)")
    if matrix:
        rows_read = (min(shape[0], limit), shape[1]) if limit and len(shape) == 2 and not fortran else shape
        check_shape(rows_read, dtype, label, what, limits or Limits.current())
    rows = shape[0] if shape else 1
    take = rows if limit is None or fortran or len(shape) != 2 else min(rows, limit)
    count = take * int(np.prod(shape[1:], dtype=np.int64)) if shape else 1
    nbytes = count * dtype.itemsize
    if size is not None and nbytes > size:
        raise EmbeddingFormatError(
            f"the {what}'s header announces shape {shape} ({nbytes:,} bytes) but the file has "
            f"only {size:,} bytes; it is cut short", path=label)
    data = _read_exact(f, nbytes, label, what, trusted=size is not None)
    arr = np.frombuffer(data, dtype=dtype, count=count)
    full_shape = (take, *shape[1:]) if shape else ()
    if fortran:
        arr = arr.reshape(full_shape[::-1]).T
    else:
        arr = arr.reshape(full_shape)
    if limit is not None and arr.ndim == 2:
        arr = arr[:limit]
    return arr


def _read_exact(f: BinaryIO, nbytes: int, label: str, what: str, *, trusted: bool) -> bytearray:
    """``nbytes`` into one writable buffer. Preallocated when the file's size vouched for the
    header; otherwise grown as data arrives, so a lying header cannot force a huge allocation."""
    if trusted:
        buf = bytearray(nbytes)
        view, got = memoryview(buf), 0
        while got < nbytes:
            n = f.readinto(view[got:got + (8 << 20)])
            if not n:
                break
            got += n
        view.release()
    else:
        buf = bytearray()
        while len(buf) < nbytes:
            chunk = f.read(min(nbytes - len(buf), 8 << 20))
            if not chunk:
                break
            buf += chunk
        got = len(buf)
    if got < nbytes:
        raise EmbeddingFormatError(
            f"the {what} is cut short: expected {nbytes:,} bytes of data, found {got:,}",
            path=label)
    return buf


def check_shape(shape: tuple, dtype: np.dtype, label: str, what: str, limits: Limits) -> None:
    """A 2-D numeric matrix within the row and dimension limits (from its header alone)."""
    if len(shape) != 2 or dtype.kind not in "fiub":
        raise EmbeddingFormatError(
            f"the {what} has shape {shape} and dtype {dtype}; expected a 2-D numeric "
            "matrix (rows × dimensions)", path=label)
    check_rows(shape[0], limits, label)
    check_dim(shape[1], limits, label, what=f"dimensions in the {what}")


def read_npy(src: Source, limit: int | None = None) -> Parts:
    with src.open() as f:
        arr = read_npy_stream(f, src.label, limit, size=src.size, limits=src.limits, matrix=True)
    return Parts(None, arr)


# -- npz ----------------------------------------------------------------------------------------
def read_npz(src: Source, limit: int | None = None, *, strict: bool = False) -> Parts:
    """Keys (or ``None``), the vectors and a metadata frame from an ``.npz`` archive.

    ``strict``: embviz's own convention only — arrays ``vectors`` and ``keys`` (unicode) must be
    there (the bundled tables)."""
    try:
        return _read_npz(src, limit, strict)
    except EmbeddingFormatError:
        raise
    except HEADER_ERRORS as exc:
        raise EmbeddingFormatError(f"the .npz archive is damaged ({exc})", path=src.label) from None


def _read_npz(src: Source, limit: int | None, strict: bool = False):
    with src.open() as f:
        raw = io.BytesIO(f.read()) if isinstance(f, GuardedGzip) else f
        try:
            zf = zipfile.ZipFile(raw)
        except (zipfile.BadZipFile, OSError) as exc:
            raise EmbeddingFormatError(f"not a valid .npz (zip) archive ({exc})",
                                       path=src.label) from None
        with zf:
            if len(zf.infolist()) > MAX_MEMBERS:
                raise EmbeddingFormatError(
                    f"the archive holds {len(zf.infolist()):,} members; expected at most "
                    f"{MAX_MEMBERS:,} arrays (vectors, keys and metadata columns)", path=src.label)
            members = {n.removesuffix(".npy"): n for n in zf.namelist()}
            headers = {name: _header(zf, member, src.label) for name, member in members.items()}
            if strict:
                _check_convention(headers, src.label)
            vec_name = _pick_vectors(headers, src.label)
            key_name = next((k for k in KEY_NAMES if k in headers and len(headers[k][0]) == 1), None)
            budget = [src.limits.decompressed_limit(src.raw_size)]

            def load(name: str, rows: int | None, matrix: bool = False) -> np.ndarray:
                info = zf.getinfo(members[name])
                if info.compress_type != zipfile.ZIP_STORED:
                    budget[0] -= info.file_size
                    if budget[0] < 0:
                        raise EmbeddingFormatError(
                            f"member {members[name]!r} expands to {info.file_size:,} bytes, beyond "
                            f"the max_decompressed limit ({size_text(src.limits.decompressed_limit(src.raw_size))}"
                            f" for this {size_text(src.raw_size)} archive); "
                            f"{src.limits.how_to_raise('max_decompressed')}", path=src.label)
                # deflate expands at most ~1032:1: beyond that the directory's size is a lie
                size = info.file_size if info.file_size <= info.compress_size * 1100 + (1 << 16) else None
                with zf.open(info) as m:
                    return read_npy_stream(m, src.label, rows, size=size, what=f"array {name!r}",
                                           limits=src.limits, matrix=matrix)

            vectors = load(vec_name, limit, matrix=True)
            n = len(vectors)
            keys = None
            if key_name is not None:
                if headers[key_name][0][0] != headers[vec_name][0][0]:
                    raise EmbeddingFormatError(
                        f"array {key_name!r} holds {headers[key_name][0][0]} keys but {vec_name!r} "
                        f"has {headers[vec_name][0][0]} rows; expected one key per vector",
                        path=src.label)
                keys = _as_keys(load(key_name, None)[:n], key_name, src.label)
            meta = {}
            for name in headers:
                if name.startswith(META_PREFIX):
                    _check_column_length(headers, name, vec_name, src.label)
                    col = load(name, None)
                    if col.ndim != 1:
                        raise EmbeddingFormatError(
                            f"metadata array {name!r} has shape {col.shape}; expected 1-D",
                            path=src.label)
                    meta[name[len(META_PREFIX):]] = col[:n]
    return Parts(keys, vectors, pd.DataFrame(meta, index=pd.RangeIndex(n)))


def _header(zf: zipfile.ZipFile, member: str, label: str):
    """Shape and dtype of a member, from its header only (object arrays are refused here)."""
    fmt = np.lib.format
    info = zf.getinfo(member)
    if info.flag_bits & 0x1:
        raise EmbeddingFormatError(f"member {member!r} is encrypted (password-protected); embviz "
                                   "reads only unencrypted archives, as numpy.savez writes them",
                                   path=label)
    try:
        with zf.open(member) as m:
            version = fmt.read_magic(m)
            reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
            shape, _, dtype = reader(m)
    except NotImplementedError as exc:
        raise EmbeddingFormatError(
            f"member {member!r} uses a compression method Python's zipfile cannot read ({exc}); "
            "expected stored or deflated members, as numpy.savez(_compressed) writes them",
            path=label) from None
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise EmbeddingFormatError(f"member {member!r} is not a .npy array ({exc})",
                                   path=label) from None
    if dtype.hasobject:
        raise refuse_pickle(label, f"array {member!r} holds Python objects, which NumPy stores as "
                                   "a pickle (it would need allow_pickle=True)")
    return shape, dtype


def _check_convention(headers: dict, label: str) -> None:
    missing = sorted({"vectors", "keys"} - set(headers))
    if missing:
        raise EmbeddingFormatError(f"missing array(s) {missing}; found {sorted(headers)}", path=label)
    shape, dtype = headers["keys"]
    if len(shape) != 1 or dtype.kind != "U":
        raise EmbeddingFormatError(f"'keys' must be a 1-D unicode array, got {dtype} with shape "
                                   f"{shape}", path=label)


def _pick_vectors(headers: dict, label: str) -> str:
    for name in VECTOR_NAMES:
        if name in headers and len(headers[name][0]) == 2:
            return name
    matrices = [n for n, (shape, dtype) in headers.items()
                if len(shape) == 2 and dtype.kind in "fiu" and not n.startswith(META_PREFIX)]
    if len(matrices) == 1:
        return matrices[0]
    found = ", ".join(f"{n} {s}" for n, (s, _) in headers.items()) or "nothing"
    raise EmbeddingFormatError(
        f"cannot tell which array holds the vectors; expected one named 'vectors' (or "
        f"{', '.join(VECTOR_NAMES[1:4])}) or a single 2-D array, found: {found}", path=label)


def _as_keys(arr: np.ndarray, name: str, label: str) -> list[str]:
    if arr.dtype.kind == "S":
        try:
            return [b.decode("utf-8") for b in arr.tolist()]
        except UnicodeDecodeError:
            raise EmbeddingFormatError(f"array {name!r} holds bytes that are not UTF-8",
                                       path=label) from None
    if arr.dtype.kind not in "Uiu":
        raise EmbeddingFormatError(f"array {name!r} has dtype {arr.dtype}; expected strings",
                                   path=label)
    return [str(k) for k in arr.tolist()]


def _check_column_length(headers: dict, name: str, vec_name: str, label: str) -> None:
    rows, want = headers[name][0], headers[vec_name][0][0]
    if len(rows) != 1 or rows[0] != want:
        raise EmbeddingFormatError(
            f"metadata column {name[len(META_PREFIX):]!r} has shape {rows} but {vec_name!r} has "
            f"{want} rows; expected one value per vector", path=label)


def write_npz(f: BinaryIO, keys: list[str], vectors: np.ndarray, metadata: pd.DataFrame,
              label: str = "") -> None:
    arrays = {"vectors": np.ascontiguousarray(vectors, np.float32), "keys": np.array(keys, dtype=str)}
    for col in metadata.columns:
        arrays[META_PREFIX + str(col)] = metadata_array(metadata[col], str(col), label)
    buffer = io.BytesIO()  # zip needs to seek back; a gzip stream cannot
    np.savez_compressed(buffer, **arrays)
    f.write(buffer.getbuffer())


def metadata_array(series: pd.Series, name: str, label: str) -> np.ndarray:
    """A metadata column as a pickle-free array: int, float, bool or unicode."""
    if series.dtype.kind in "biuf":
        return series.to_numpy()
    if series.isna().any():
        return series.astype(object).where(series.notna(), "").astype(str).to_numpy(dtype=str)
    return series.astype(str).to_numpy(dtype=str)
