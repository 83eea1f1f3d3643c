"""A content-keyed disk cache for projections.

An entry is keyed on a hash of the vectors (bytes, dtype, shape and keys, via
:meth:`Embeddings.fingerprint`), the method, dims, resolved parameters, the versions of the
libraries that compute it and :data:`CACHE_VERSION`. It is stored as ``<key>.npy`` (coordinates)
plus ``<key>.json`` (metadata and a checksum of the coordinates). Both files are written to a
temporary name and moved into place with :func:`os.replace`, so a reader sees a whole file or
none; a reader that finds a partial, corrupt or mismatched entry treats it as a miss and the
caller recomputes (and overwrites it). The folder is bounded in size: the least recently used
entries (by modification time, touched on every hit) are removed first.

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
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

CACHE_VERSION = 1
DEFAULT_MAX_BYTES = 2 * 1024**3
LIBRARIES = ("numpy", "scikit-learn", "openTSNE", "umap-learn", "pynndescent")


def default_path() -> Path:
    """``$EMBVIZ_CACHE`` or ``~/.cache/embviz``."""
    env = os.environ.get("EMBVIZ_CACHE")
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


def projection_key(emb, method: str, dims: int, seed: int, params: dict) -> str:
    """The cache key of one projection request (hex digest)."""
    payload = json.dumps(
        {"data": emb.fingerprint(), "method": method, "dims": dims, "seed": seed, "params": params,
         "libraries": library_versions(), "version": CACHE_VERSION},
        sort_keys=True, default=str,
    )
    return hashlib.blake2b(payload.encode(), digest_size=20).hexdigest()


def _checksum(arr: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(arr).tobytes(), digest_size=16).hexdigest()


def _atomic_write(path: Path, write) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class DiskCache:
    """Projection coordinates on disk, LRU-bounded to ``max_bytes``."""

    def __init__(self, path: str | Path | None = None, max_bytes: int = DEFAULT_MAX_BYTES):
        self.path = Path(path) if path is not None else default_path()
        self.max_bytes = int(max_bytes)

    def __repr__(self) -> str:
        return f"DiskCache({str(self.path)!r}, max_bytes={self.max_bytes})"

    def _files(self, key: str) -> tuple[Path, Path]:
        if not key or not all(c.isalnum() or c in "-_" for c in key):
            raise ValueError(f"cache key must be alphanumeric, got {key!r}")
        return self.path / f"{key}.npy", self.path / f"{key}.json"

    def get(self, key: str) -> tuple[np.ndarray, dict] | None:
        """``(coords, meta)`` or ``None`` when absent or unreadable (never raises for bad files)."""
        npy, meta_file = self._files(key)
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
            coords = np.load(npy, allow_pickle=False)
            if not isinstance(meta, dict) or meta.get("checksum") != _checksum(coords):
                return None
            now = None
            os.utime(npy, now)
            os.utime(meta_file, now)
        except (OSError, ValueError, EOFError):
            return None
        return coords, meta

    def put(self, key: str, coords: np.ndarray, meta: dict) -> None:
        """Store an entry atomically; failures to write (read-only disk, full disk) are ignored."""
        npy, meta_file = self._files(key)
        coords = np.ascontiguousarray(coords)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            _atomic_write(npy, lambda fh: np.save(fh, coords, allow_pickle=False))
            body = json.dumps({**meta, "checksum": _checksum(coords)}, default=str).encode()
            _atomic_write(meta_file, lambda fh: fh.write(body))
            self.evict()
        except OSError:
            return

    def entries(self) -> list[tuple[float, int, str]]:
        """``(last_used, bytes, key)`` per entry, oldest first."""
        rows: dict[str, list] = {}
        try:
            listing = list(os.scandir(self.path))
        except OSError:
            return []
        for entry in listing:
            stem, dot, ext = entry.name.rpartition(".")
            if not dot or ext not in ("npy", "json") or entry.name.startswith("."):
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            row = rows.setdefault(stem, [0.0, 0])
            row[0] = max(row[0], st.st_mtime)
            row[1] += st.st_size
        return sorted((t, size, key) for key, (t, size) in rows.items())

    def size(self) -> int:
        return sum(size for _, size, _ in self.entries())

    def evict(self) -> None:
        """Remove least recently used entries until the folder fits ``max_bytes``."""
        entries = self.entries()
        total = sum(size for _, size, _ in entries)
        for _, size, key in entries:
            if total <= self.max_bytes:
                break
            for f in self._files(key):
                try:
                    f.unlink()
                except OSError:
                    pass
            total -= size

    def clear(self) -> None:
        for _, _, key in self.entries():
            for f in self._files(key):
                try:
                    f.unlink()
                except OSError:
                    pass
