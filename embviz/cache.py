"""A content-keyed disk cache for projections (and other results keyed by content).

An entry is keyed on a hash of the vectors (bytes, dtype, shape and keys, via
:meth:`Embeddings.fingerprint`), the method, dims, resolved parameters, optional extra inputs, the
versions of the libraries that compute it and :data:`CACHE_VERSION`.

The cache touches only what it wrote. Entries live in a subfolder it creates, ``embviz-entries``
inside ``$EMBVIZ_CACHE``, which carries a marker file (:data:`MARKER`); each entry is one file
``embviz-<key>.cache`` (a magic line, the metadata as JSON with a checksum, then the coordinates
as ``.npy`` bytes), so a reader always sees coordinates and metadata from the same writer. Files
are written to ``.embviz-<key>.<random>.tmp``, flushed, fsynced and renamed into place. Eviction
and :meth:`DiskCache.clear` delete only files with those names, and only in a folder with the
marker: a user's ``my_vectors.npy`` or ``notes.json`` anywhere in the cache folder survives.

Reads are bounded: an entry must be a regular file (never followed through a symlink, never a
FIFO or device) no larger than ``max_bytes``, with a header whose shape and dtype account for its
exact size. Anything else, and any partial, corrupt or mismatched entry, is a miss that the caller
recomputes (and overwrites). The folder is bounded in size: least recently used entries (by
modification time, touched on every hit) go first; temporaries left by killed writers are removed
once they are a minute old.

>>> import numpy as np, tempfile
>>> c = DiskCache(tempfile.mkdtemp())
>>> c.put("k", np.ones((3, 2), np.float32), {"seconds": 1.0})
>>> coords, meta = c.get("k")
>>> coords.shape, meta["seconds"]
((3, 2), 1.0)
>>> c.get("missing") is None
True
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import stat
import struct
import tempfile
import time
from functools import lru_cache
from pathlib import Path

import numpy as np

from .io.atomic import fsync_dir

from .errors import ParameterError

CACHE_VERSION = 1
DEFAULT_MAX_BYTES = 2 * 1024**3
LIBRARIES = ("numpy", "scikit-learn", "openTSNE", "umap-learn", "pynndescent")
FOLDER = "embviz-entries"
MARKER = ".embviz-cache"
MARKER_TEXT = (
    "embviz disk cache, format 1. embviz writes and deletes only files named embviz-<key>.cache and "
    ".embviz-<key>.*.tmp in this folder; anything else here is left alone.\n"
)
MAGIC = b"EMBVIZC1"
MAX_META_BYTES = 1 << 20
STALE_SECONDS = 60.0  # a temporary this old belongs to a writer that died (a live one takes < 1 s)
_ENTRY = re.compile(r"embviz-([0-9A-Za-z_-]{1,128})\.cache")
_TEMP = re.compile(r"\.embviz-[0-9A-Za-z_-]{1,128}\.[^/]*\.tmp")
_NUMERIC_KINDS = "fiub"
ENV = "EMBVIZ_CACHE"  # the folder of the cache


def default_path() -> Path:
    """``$EMBVIZ_CACHE`` or ``~/.cache/embviz``."""
    env = os.environ.get(ENV)
    return Path(env) if env else Path.home() / ".cache" / "embviz"


@lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "-"
    return out


def projection_key(emb, method: str, dims: int, seed: int, params: dict, extra: dict | None = None) -> str:
    """The cache key of one projection request (hex digest).

    ``extra`` adds further inputs (a region query, the k of a quality score, ...) so that other
    results derived from ``emb`` are keyed by content too; without it the key is unchanged.
    """
    request = {"data": emb.fingerprint(), "method": method, "dims": dims, "seed": seed, "params": params,
               "libraries": library_versions(), "version": CACHE_VERSION}
    if extra is not None:
        request["extra"] = extra
    payload = json.dumps(request, sort_keys=True, default=str)
    return hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()


def _checksum(arr: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(arr).tobytes(), digest_size=16).hexdigest()


def _atomic_write(path: Path, write, prefix: str) -> None:
    """``write(fh)`` into a temporary beside ``path``, flushed and fsynced, then renamed onto it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=prefix, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    fsync_dir(path.parent)


def _read_exact(fh, n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ValueError("truncated")
    return data


def _read_entry(fh, size: int) -> tuple[np.ndarray, dict]:
    """Parse one entry file of ``size`` bytes; ``ValueError`` for anything that is not exactly one."""
    if _read_exact(fh, len(MAGIC)) != MAGIC:
        raise ValueError("not an embviz cache entry")
    (meta_len,) = struct.unpack("<Q", _read_exact(fh, 8))
    if meta_len > min(MAX_META_BYTES, size):
        raise ValueError("metadata too large")
    meta = json.loads(_read_exact(fh, meta_len).decode("utf-8"))
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.kind not in _NUMERIC_KINDS or dtype.hasobject or fortran:
        raise ValueError(f"unexpected array dtype {dtype}")
    nbytes = math.prod(shape) * dtype.itemsize
    if fh.tell() + nbytes != size:  # the header must account for the file exactly
        raise ValueError("size does not match the header")
    coords = np.empty(shape, dtype=dtype)
    if fh.readinto(memoryview(coords).cast("B")) != nbytes:
        raise ValueError("truncated")
    if not isinstance(meta, dict) or meta.get("checksum") != _checksum(coords):
        raise ValueError("checksum mismatch")
    return coords, meta


class DiskCache:
    """Results (an array plus a JSON-able dict) on disk under a content key, LRU-bounded to ``max_bytes``."""

    def __init__(self, path: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = int(max_bytes)
        self.folder = self.path / FOLDER

    def __repr__(self) -> str:
        return f"DiskCache({str(self.path)!r}, max_bytes={self.max_bytes})"

    def _file(self, key: str) -> Path:
        if not isinstance(key, str) or not _ENTRY.fullmatch(f"embviz-{key}.cache"):
            raise ParameterError("DiskCache", "key", "1 to 128 letters, digits, '-' or '_'", key)
        return self.folder / f"embviz-{key}.cache"

    # -- the folder we own ----------------------------------------------------------------------
    def _owned(self) -> bool:
        """True when ``folder`` is a real folder holding our marker (only then is anything deleted)."""
        try:
            if not stat.S_ISDIR(os.lstat(self.folder).st_mode):
                return False
            marker = self.folder / MARKER
            st = os.lstat(marker)
            return stat.S_ISREG(st.st_mode) and st.st_size == len(MARKER_TEXT.encode()) and (
                marker.read_text(encoding="utf-8") == MARKER_TEXT
            )
        except (OSError, UnicodeDecodeError):
            return False

    def _ensure_folder(self) -> bool:
        """Create ``folder`` with its marker in one rename (so no one sees it without the marker)."""
        if self._owned():
            return True
        if os.path.lexists(self.folder):
            return False  # someone else's folder of that name: leave it alone, cache nothing
        self.path.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=self.path, prefix=".embviz-new-"))
        try:
            (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
            os.rename(tmp, self.folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
        return self._owned()

    # -- entries ----------------------------------------------------------------------------------
    def get(self, key: str) -> tuple[np.ndarray, dict] | None:
        """``(coords, meta)`` or ``None`` when absent or unreadable (never raises for bad files)."""
        path = self._file(key)
        if not self._owned():
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or st.st_size > self.max_bytes:
                return None
            with os.fdopen(fd, "rb", closefd=False) as fh:
                coords, meta = _read_entry(fh, st.st_size)
            if meta.get("key") != key:
                return None
            os.utime(fd)
        except (OSError, ValueError, EOFError, struct.error, UnicodeDecodeError, SyntaxError):
            return None
        finally:
            os.close(fd)
        meta = {k: v for k, v in meta.items() if k not in ("checksum", "key")}
        return coords, meta

    def put(self, key: str, coords: np.ndarray, meta: dict) -> None:
        """Store an entry atomically; failures to write (read-only disk, full disk) are ignored."""
        path = self._file(key)
        coords = np.ascontiguousarray(coords)
        if coords.dtype.kind not in _NUMERIC_KINDS or coords.dtype.hasobject:
            raise ParameterError("DiskCache.put", "coords", "a numeric array", str(coords.dtype))
        body = json.dumps({**meta, "key": key, "checksum": _checksum(coords)}, default=str).encode()
        if len(body) > MAX_META_BYTES or coords.nbytes + len(body) > self.max_bytes:
            return  # an entry larger than the whole cache would only evict everything else

        def write(fh) -> None:
            fh.write(MAGIC + struct.pack("<Q", len(body)) + body)
            np.lib.format.write_array(fh, coords, allow_pickle=False)

        try:
            if not self._ensure_folder():
                return
            _atomic_write(path, write, prefix=f".embviz-{key}.")
            self.evict()
        except OSError:
            return

    def entries(self) -> list[tuple[float, int, str]]:
        """``(last_used, bytes, key)`` per entry, oldest first (only regular files with our names)."""
        rows = []
        for entry, st in self._scan():
            m = _ENTRY.fullmatch(entry.name)
            if m:
                rows.append((st.st_mtime, st.st_size, m.group(1)))
        return sorted(rows)

    def _scan(self):
        """``(DirEntry, stat)`` of the regular files in our folder (none if it is not ours)."""
        if not self._owned():
            return []
        try:
            listing = list(os.scandir(self.folder))
        except OSError:
            return []
        out = []
        for entry in listing:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                out.append((entry, st))
        return out

    def size(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def _remove_stale_temporaries(self, older_than: float = STALE_SECONDS) -> None:
        now = time.time()
        for entry, st in self._scan():
            if _TEMP.fullmatch(entry.name) and now - st.st_mtime > older_than:
                _unlink(Path(entry.path))

    def evict(self) -> None:
        """Remove least recently used entries until the folder fits ``max_bytes``."""
        self._remove_stale_temporaries()
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        for _, size, key in entries:
            if total <= self.max_bytes:
                break
            _unlink(self._file(key))
            total -= size

    def clear(self) -> None:
        """Remove every entry (and stale temporaries); nothing else in the folder is touched."""
        self._remove_stale_temporaries()
        for _, _, key in self.entries():
            _unlink(self._file(key))


def _unlink(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def resolve(cache) -> DiskCache | None:
    """A ``cache=`` argument as the package takes it: ``None``/``True`` the default disk cache,
    ``False`` none, or a cache object given by the caller."""
    if cache is False:
        return None
    if cache is None or cache is True:
        return DiskCache()
    return cache
