"""Where the bytes come from: a path, an upload ``(name, bytes)`` or a file-like with ``.name``.

:class:`Source` hides the difference (and gzip compression, detected by its magic bytes) from the
readers: each one asks for :meth:`Source.open` — a fresh binary stream of the decompressed
content — and names the source in its errors with :attr:`Source.label`.

>>> src = Source.of(("vectors.txt", b"2 1\\na 1\\nb 2\\n"))
>>> src.label, src.suffix, src.size
('vectors.txt', '.txt', 12)
>>> src.open().readline()
b'2 1\\n'

Paths must name regular files (or, where a folder is meant, a folder): FIFOs, devices and sockets
are refused from ``os.stat`` before anything opens them — opening a FIFO blocks, ``/dev/zero``
never ends. A gzip stream is cut off at :meth:`Limits.decompressed_limit`.
"""
from __future__ import annotations

import gzip
import io
import os
import stat
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from ..errors import EmbeddingFormatError, ParameterError
from .limits import DECOMPRESSED_FLOOR, DECOMPRESSED_RATIO, Limits, size_text

GZIP_MAGIC = b"\x1f\x8b"
PICKLE_EXTENSIONS = (".pkl", ".pickle", ".model", ".kv", ".joblib", ".pt", ".pth")
PICKLE_REASON = (
    "Python pickles can run arbitrary code when they are opened, so embviz never unpickles "
    "files. Export the vectors to a plain format first, e.g. with gensim: "
    "KeyedVectors.load(path).save_word2vec_format('vectors.bin', binary=True)"
)


@dataclass
class Source:
    """One input: either a file on disk (``path``) or bytes in memory (``data``)."""

    label: str  # the name used in messages: the path as given, or the upload's name
    path: Path | None = None
    data: bytes | memoryview | None = None
    limits: Limits = field(default_factory=Limits.current, repr=False)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def of(cls, source: object, name: str | None = None, *, limits: Limits | None = None,
           folder: bool = True, param: str = "source") -> Source:
        """Accept a path, ``(name, bytes)``, bytes, or a file-like object (``.name`` is a hint).

        ``folder=False`` refuses folders too (for key and metadata files)."""
        limits = limits or Limits.current()
        if isinstance(source, Source):
            return source
        if isinstance(source, (str, os.PathLike)):
            path = Path(source).expanduser()
            check_path(path, str(source), folder=folder)
            return cls(label=str(source), path=path, limits=limits)
        if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], str):
            return cls(label=source[0], data=_as_bytes(source[1], source[0]), limits=limits)
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls(label=name or "<bytes>", data=bytes(source), limits=limits)
        if hasattr(source, "read"):
            label = name or str(getattr(source, "name", "") or "<upload>")
            return cls(label=label, data=_as_bytes(source, label), limits=limits)
        raise ParameterError("load", param, "a path, (name, bytes), bytes or a binary file-like "
                             "object", type(source).__name__)

    # -- facts -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        """File name without folders, e.g. ``glove.6B.50d.txt.gz``."""
        return Path(self.label).name

    @cached_property
    def gzipped(self) -> bool:
        return self.raw_head(2) == GZIP_MAGIC

    @property
    def suffix(self) -> str:
        """Lower-case extension, looking through ``.gz`` (``x.vec.gz`` -> ``.vec``)."""
        name = self.name.lower()
        name = name.removesuffix(".gz")
        return Path(name).suffix

    @property
    def stem(self) -> str:
        name = self.name
        if name.lower().endswith(".gz"):
            name = name[:-3]
        return Path(name).stem

    @property
    def size(self) -> int | None:
        """Size of the content in bytes, or ``None`` when compressed (unknown until read)."""
        if self.gzipped:
            return None
        return self.raw_size

    @cached_property
    def raw_size(self) -> int:
        if self.path is not None:
            return self.path.stat().st_size
        return len(self.data)

    def is_dir(self) -> bool:
        return self.path is not None and self.path.is_dir()

    # -- reading -----------------------------------------------------------------------------
    def raw_head(self, n: int) -> bytes:
        if self.is_dir():
            return b""
        if self.path is not None:
            with open_regular(self.path, self.label, buffering=0) as f:
                return f.read(n)
        return bytes(self.data[:n])

    def open(self) -> BinaryIO:
        """A fresh binary stream of the (decompressed) content."""
        if self.is_dir():
            raise EmbeddingFormatError("is a folder, expected a file", path=self.label)
        raw: BinaryIO = open_regular(self.path, self.label) if self.path else io.BytesIO(self.data)
        if self.gzipped:
            limit = self.limits.decompressed_limit(self.raw_size)
            return GuardedGzip(gzip.GzipFile(fileobj=raw, mode="rb"), self.label, raw, limit,
                               self._limit_reason(limit))
        return raw

    def _limit_reason(self, limit: int) -> str:
        if self.limits.max_decompressed is not None:
            return "the max_decompressed limit"
        if limit == DECOMPRESSED_FLOOR:
            return "the max_decompressed limit for small compressed input"
        return (f"the max_decompressed limit: {DECOMPRESSED_RATIO}× the {size_text(self.raw_size)} "
                "compressed; real embedding files compress 1–3×")

    def head(self, n: int = 1 << 16) -> bytes:
        """The first ``n`` bytes of the content (decompressed)."""
        with self.open() as f:
            return f.read(n)

    def sibling(self, name: str) -> Source | None:
        """A file next to this one, possibly gzipped (only for sources on disk)."""
        if self.path is None:
            return None
        for candidate in (name, name + ".gz"):
            other = self.path.parent / candidate
            if other.is_file():
                return Source(label=str(other), path=other, limits=self.limits)
        return None


KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
         (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    for test, what in KINDS:
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) or stat.S_ISDIR(mode) else "not a regular file"


def check_path(path: Path, label: str, *, folder: bool = True) -> None:
    """Refuse what is not a regular file (or a folder, where one is allowed), from ``stat``
    alone — nothing is opened."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise EmbeddingFormatError(f"no such file or folder: {str(path)!r}", path=label) from None
    except OSError as exc:
        raise EmbeddingFormatError(f"cannot read it: {exc.strerror or exc}", path=label) from None
    what = _not_regular(st.st_mode)
    if what is not None:
        raise EmbeddingFormatError(f"is {what}, not a regular file; expected a file of embeddings "
                                   "(nothing was opened)", path=label)
    if stat.S_ISDIR(st.st_mode) and not folder:
        raise EmbeddingFormatError("is a folder; expected a file", path=label)


def open_regular(path: Path, label: str, buffering: int = 1 << 20) -> BinaryIO:
    """Open ``path`` for reading only if it is (still) a regular file: opened non-blocking and
    checked with ``fstat``, so a FIFO swapped in after :func:`check_path` cannot block."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise EmbeddingFormatError(f"cannot open it: {exc.strerror or exc}", path=label) from None
    mode = os.fstat(fd).st_mode
    what = _not_regular(mode)
    if what is not None or stat.S_ISDIR(mode):
        os.close(fd)
        raise EmbeddingFormatError(f"is {what or 'a folder'}, not a regular file; expected a file",
                                   path=label)
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return open(fd, "rb", buffering=buffering)


def _as_bytes(obj: object, label: str) -> bytes:
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return bytes(obj) if not isinstance(obj, bytes) else obj
    if hasattr(obj, "getvalue"):  # BytesIO / Streamlit's UploadedFile: no copy needed
        return obj.getvalue()
    if hasattr(obj, "read"):
        if hasattr(obj, "seek"):
            try:
                obj.seek(0)
            except (OSError, ValueError):
                pass
        data = obj.read()
        if isinstance(data, str):
            raise EmbeddingFormatError("the file object was opened in text mode; open it with 'rb'",
                                       path=label)
        return data
    raise EmbeddingFormatError(f"cannot read bytes from a {type(obj).__name__}", path=label)


class GuardedGzip(io.RawIOBase):
    """A gzip stream whose corruption errors become :class:`EmbeddingFormatError`, and which
    stops with one once more than ``limit`` decompressed bytes have come out."""

    def __init__(self, inner: gzip.GzipFile, label: str, raw: BinaryIO, limit: int | None = None,
                 reason: str = "the max_decompressed limit"):
        self.inner, self.label, self.raw = inner, label, raw
        self.limit, self.reason, self.count = limit, reason, 0

    def readable(self) -> bool:
        return True

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except (EOFError, OSError, zlib.error) as exc:
            raise EmbeddingFormatError(
                f"the gzip data is corrupt or cut short ({exc})", path=self.label
            ) from None

    def _counted(self, n: int) -> None:
        self.count += n
        if self.limit is not None and self.count > self.limit:
            raise EmbeddingFormatError(
                f"the gzip data expands to more than {size_text(self.limit)} ({self.reason}), "
                f"so it was not read further; {Limits().how_to_raise('max_decompressed')}",
                path=self.label)

    def _cap(self, n: int) -> int:
        """Read at most one byte past the limit, so a bomb is noticed without reading more."""
        if self.limit is None:
            return n
        room = self.limit - self.count + 1
        return room if n is None or n < 0 or n > room else n

    def read(self, n: int = -1) -> bytes:
        data = self._guard(self.inner.read, self._cap(n))
        self._counted(len(data))
        return data

    def readinto(self, b) -> int:
        view = memoryview(b)
        got = self._guard(self.inner.readinto, view[:self._cap(len(view))])
        self._counted(got)
        return got

    def readline(self, limit: int = -1) -> bytes:
        data = self._guard(self.inner.readline, self._cap(limit))
        self._counted(len(data))
        return data

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def seekable(self) -> bool:
        return True

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._guard(self.inner.seek, pos, whence)

    def tell(self) -> int:
        return self.inner.tell()

    def close(self) -> None:
        self.inner.close()
        self.raw.close()
        super().close()


def refuse_pickle(label: str, why: str = "") -> EmbeddingFormatError:
    """The error for pickle-based files (never opened)."""
    what = why or "is a Python pickle"
    return EmbeddingFormatError(f"{what}; {PICKLE_REASON}", path=label)
