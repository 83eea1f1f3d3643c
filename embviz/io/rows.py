"""Shared pieces of the streaming readers: a growing row buffer, key checks, the number rule.

A number is what C, NumPy's parser and gensim's files agree on: ASCII digits with an optional
sign, decimal point and exponent, or ``nan``/``inf``/``infinity`` (refused later as not finite).
Python's ``float()`` also takes ``"1_0"`` (as 10) and other scripts' digits (``"١٢"`` as 12);
those are not numbers here.

>>> [is_number(t) for t in ("1.5e-3", "-.5", "inf", "1_0", "١٢", "0x10", "1,5")]
[True, True, True, False, False, False, False]
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import EmbeddingFormatError
from .limits import Limits

NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)",
                    re.ASCII | re.IGNORECASE)


@dataclass
class Parts:
    """What a reader found: keys (``None`` when the file has none), the vectors (any numeric
    dtype; :func:`embviz.load` makes them float32), metadata and the warnings it deserves."""

    keys: list[str] | None
    vectors: np.ndarray
    metadata: pd.DataFrame | None = None
    stopped: bool = False
    meta_has_keys: bool = False  # metadata's first (or key) column holds the keys
    warnings: list[str] = field(default_factory=list)
    where: object = None  # row index -> "line 7" / "row 7" / "record 7", for messages
    metadata_label: str | None = None  # metadata read from a file beside this one


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


class UniqueKeys:
    """Checks keys chunk by chunk, so a file that repeats one row (a compressed bomb of the same
    line) is refused at its second row, not after all of them were read."""

    def __init__(self, label: str, unit: str = "line"):
        self.label, self.unit = label, unit
        self.seen: set[str] = set()

    def add(self, keys: list[str], all_keys: list[str], row_lines=None) -> None:
        """``keys`` were just appended to ``all_keys``; ``row_lines()`` gives their lines."""
        before = len(self.seen)
        self.seen.update(keys)
        if len(self.seen) - before != len(keys):
            check_unique(all_keys, self.label, row_lines() if row_lines else None, self.unit)


def check_rows(n: int, limits: Limits, label: str, line: int | None = None) -> None:
    if n > limits.max_rows:
        raise EmbeddingFormatError(
            f"more than {limits.max_rows:,} rows (the max_rows limit); {limits.how_to_raise('max_rows')}",
            path=label, line=line)


def check_dim(d: int, limits: Limits, label: str, line: int | None = None, what: str = "dimensions") -> None:
    if d > limits.max_dim:
        raise EmbeddingFormatError(
            f"{d:,} {what}, more than the max_dim limit of {limits.max_dim:,}; "
            f"{limits.how_to_raise('max_dim')}", path=label, line=line)


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


def parse_header(raw: bytes, label: str, limits: Limits | None = None) -> tuple[int, int]:
    """The word2vec header line ``"count dimensions"``."""
    limits = limits or Limits.current()
    parts = raw.split()
    if len(parts) != 2 or not all(p.isdigit() and p.isascii() for p in parts):
        shown = raw[:60].decode("utf-8", "backslashreplace").rstrip()
        extra = (f" ({len(parts)} fields: gensim and the word2vec tool write exactly two)"
                 if len(parts) > 2 and all(p.isdigit() for p in parts) else "")
        raise EmbeddingFormatError(
            f"expected a header of two integers 'count dimensions', found {shown!r}{extra}",
            path=label, line=1)
    n, d = int(parts[0]), int(parts[1])
    if not 1 <= d <= limits.max_dim:
        raise EmbeddingFormatError(
            f"header gives {d} dimensions; expected 1 to {limits.max_dim:,} (the max_dim limit; "
            f"{limits.how_to_raise('max_dim')})", path=label, line=1)
    if n < 1:
        raise EmbeddingFormatError("header gives 0 rows; expected at least one vector", path=label, line=1)
    return n, d


def check_header_rows(n: int, limits: Limits, label: str, unit: str = "rows",
                      limit: int | None = None) -> None:
    """A header may not announce more rows than the limit (checked before anything is read),
    unless ``limit=`` asks for fewer."""
    if min(n, limit or n) > limits.max_rows:
        raise EmbeddingFormatError(
            f"the header announces {n:,} {unit}, more than the max_rows limit of {limits.max_rows:,}; "
            f"{limits.how_to_raise('max_rows')}", path=label, line=1)


def is_number(tok: str) -> bool:
    """True if ``tok`` is a number by the module's rule (not Python's looser ``float()``)."""
    return NUMBER.fullmatch(tok) is not None


def to_number(tok: str) -> float:
    """``float(tok)`` for tokens that pass :func:`is_number`; ``ValueError`` otherwise."""
    if NUMBER.fullmatch(tok) is None:
        raise ValueError(tok)
    return float(tok)
