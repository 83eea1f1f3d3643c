"""Where the bytes come from: a path, an upload ``(name, bytes)`` or a file-like with ``.name``.

:class:`Source` hides the difference (and gzip compression, detected by its magic bytes) from the
readers: each one asks for :meth:`Source.open` — a fresh binary stream of the decompressed
content — and names the source in its errors with :attr:`Source.label`.

>>> src = Source.of(("vectors.txt", b"2 1\\na 1\\nb 2\\n"))
>>> src.label, src.suffix, src.size
('vectors.txt', '.txt', 12)
>>> src.open().readline()
b'2 1\\n'
"""
from __future__ import annotations

import gzip
import io
import os
import zlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import BinaryIO

from ..errors import EmbeddingFormatError

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

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def of(cls, source: object, name: str | None = None) -> Source:
        """Accept a path, ``(name, bytes)``, bytes, or a file-like object (``.name`` is a hint)."""
        if isinstance(source, Source):
            return source
        if isinstance(source, (str, os.PathLike)):
            path = Path(source).expanduser()
            if not path.exists():
                raise EmbeddingFormatError(f"no such file or folder: {str(path)!r}", path=path)
            return cls(label=str(source), path=path)
        if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], str):
            return cls(label=source[0], data=_as_bytes(source[1], source[0]))
        if isinstance(source, (bytes, bytearray, memoryview)):
            return cls(label=name or "<bytes>", data=bytes(source))
        if hasattr(source, "read"):
            label = name or str(getattr(source, "name", "") or "<upload>")
            return cls(label=label, data=_as_bytes(source, label))
        raise EmbeddingFormatError(
            f"cannot read from a {type(source).__name__}; expected a path, (name, bytes) "
            "or a file-like object"
        )

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

    @property
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
            with open(self.path, "rb") as f:
                return f.read(n)
        return bytes(self.data[:n])

    def open(self) -> BinaryIO:
        """A fresh binary stream of the (decompressed) content."""
        if self.is_dir():
            raise EmbeddingFormatError("is a folder, expected a file", path=self.label)
        raw: BinaryIO = open(self.path, "rb", buffering=1 << 20) if self.path else io.BytesIO(self.data)  # noqa: SIM115
        if self.gzipped:
            return GuardedGzip(gzip.GzipFile(fileobj=raw, mode="rb"), self.label, raw)
        return raw

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
                return Source(label=str(other), path=other)
        return None


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
    """A gzip stream whose corruption errors become :class:`EmbeddingFormatError`."""

    def __init__(self, inner: gzip.GzipFile, label: str, raw: BinaryIO):
        self.inner, self.label, self.raw = inner, label, raw

    def readable(self) -> bool:
        return True

    def _guard(self, fn, *args):
        try:
            return fn(*args)
        except (EOFError, OSError, zlib.error) as exc:
            raise EmbeddingFormatError(
                f"the gzip data is corrupt or cut short ({exc})", path=self.label
            ) from None

    def read(self, n: int = -1) -> bytes:
        return self._guard(self.inner.read, n)

    def readinto(self, b) -> int:
        return self._guard(self.inner.readinto, b)

    def readline(self, limit: int = -1) -> bytes:
        return self._guard(self.inner.readline, limit)

    def readlines(self, hint: int = -1) -> list[bytes]:
        return self._guard(self.inner.readlines, hint)

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
