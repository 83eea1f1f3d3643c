"""Shared pieces of the streaming readers: a growing row buffer and key checks."""
from __future__ import annotations

import numpy as np

from ..errors import EmbeddingFormatError

MAX_DIM = 1 << 20  # more columns than any real embedding; larger headers are corrupt


class RowSink:
    """Collects float32 rows chunk by chunk.

    When the expected count is known and plausible it preallocates once (one copy of the data in
    memory, like gensim); otherwise it keeps chunks and joins them at the end.
    """

    def __init__(self, dim: int, expected: int | None = None):
        self.dim = dim
        self.n = 0
        self._chunks: list[np.ndarray] = []
        self._full = np.empty((expected, dim), np.float32) if expected else None

    def add(self, block: np.ndarray) -> None:
        m = len(block)
        if self._full is not None and self.n + m <= len(self._full):
            self._full[self.n:self.n + m] = block
        else:
            if self._full is not None:  # more rows than announced: fall back to chunks
                self._chunks.append(self._full[: self.n])
                self._full = None
            self._chunks.append(np.array(block, dtype=np.float32, copy=True))
        self.n += m

    def reserve(self, m: int) -> np.ndarray:
        """A writable block for up to ``m`` next rows; call :meth:`commit` with how many were
        filled. Rows land in their final place (no extra copy) when the count was announced."""
        if self._full is not None and self.n + m <= len(self._full):
            return self._full[self.n:self.n + m]
        if self._full is not None:
            self._chunks.append(self._full[: self.n])
            self._full = None
        self._pending = np.empty((m, self.dim), np.float32)
        return self._pending

    def commit(self, count: int) -> None:
        if self._full is None:
            self._chunks.append(self._pending[:count])
            self._pending = None
        self.n += count

    def expect(self, total: int) -> None:
        """Switch to one preallocated block of ``total`` rows (an estimate is fine: untouched
        pages of an over-estimate are never made resident, and an under-estimate falls back to
        chunks)."""
        if self._full is not None or total <= self.n:
            return
        full = np.empty((total, self.dim), np.float32)
        done = 0
        for chunk in self._chunks:
            full[done:done + len(chunk)] = chunk
            done += len(chunk)
        self._full, self._chunks = full, []

    def result(self) -> np.ndarray:
        if self._full is not None:
            return self._full[: self.n]  # a leading slice of a C-order block: contiguous
        if not self._chunks:
            return np.empty((0, self.dim), np.float32)
        if len(self._chunks) == 1:
            return np.ascontiguousarray(self._chunks[0])
        return np.concatenate(self._chunks)


def check_unique(keys: list[str], label: str, row_lines=None, unit: str = "line") -> None:
    """Raise naming the first duplicated key and both of its lines (or records)."""
    if len(set(keys)) == len(keys):
        return
    first: dict[str, int] = {}
    dups: list[tuple[str, int, int]] = []
    for i, k in enumerate(keys):
        j = first.setdefault(k, i)
        if j != i:
            dups.append((k, j, i))
    where = (lambda i: int(row_lines[i])) if row_lines is not None else (lambda i: i + 1)
    k, j, i = dups[0]
    more = f" ({len(dups) - 1} more duplicate rows follow)" if len(dups) > 1 else ""
    raise EmbeddingFormatError(
        f"duplicate key {k!r} on {unit}s {where(j)} and {where(i)}{more}; keys must be unique "
        "(embviz does not silently keep one of them)",
        path=label,
    )


def check_finite_block(block: np.ndarray, label: str, row_line, unit: str = "line") -> None:
    """Raise naming the line (or record) of the first row holding NaN or infinity."""
    bad = ~np.isfinite(block)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        where = row_line(int(r))
        message = (f"value {c + 1} is {block[r, c]} (NaN or infinity, or beyond float32 range); "
                   "expected finite numbers")
        if unit == "line":
            raise EmbeddingFormatError(message, path=label, line=where)
        raise EmbeddingFormatError(f"{unit} {where}: {message}", path=label)


def parse_header(raw: bytes, label: str) -> tuple[int, int]:
    """The word2vec header line ``"count dimensions"``."""
    parts = raw.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        shown = raw[:60].decode("utf-8", "backslashreplace").rstrip()
        raise EmbeddingFormatError(
            f"expected a header of two integers 'count dimensions', found {shown!r}",
            path=label, line=1)
    n, d = int(parts[0]), int(parts[1])
    if not 1 <= d <= MAX_DIM:
        raise EmbeddingFormatError(f"header gives {d} dimensions; expected 1 to {MAX_DIM}",
                                   path=label, line=1)
    return n, d


def is_number(tok: str) -> bool:
    """True if ``tok`` parses as a float (``float()``'s rules: "1e-3", "nan", "-inf" count)."""
    try:
        float(tok)
    except ValueError:
        return False
    return True
