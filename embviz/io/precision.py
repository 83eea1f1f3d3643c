"""What float32 does to the values a file holds — reported, never silent.

embviz keeps vectors as float32 (like gensim). Three things float32 can do to a value are worth a
word, and each becomes one :class:`~embviz.errors.LoadWarning` naming the first row it happens on:

* integers beyond 2**24 (16,777,216) change (16,777,217 becomes 16,777,216) — integer dtypes,
  integral float64 values up to 2**53, and numbers written as integers in text;
* non-zero values below float32's smallest (~1.4e-45) become 0 — and a row of them a zero vector,
  which has no direction and so no cosine neighbours;
* distinct float64 rows can become identical float32 rows.

Values beyond float32's range (±3.4e38) would become infinite: that is an error, not a warning.
Files of text are parsed straight to float32 (as gensim does); for them the first two are
checked (cheaply: only rows that end up all-zero or hold values beyond 2**24 are looked at
again), the third is not — the Data page lists duplicate vectors.

>>> import numpy as np
>>> out, notes = to_float32(np.array([[1e-50, 0.0], [2.0**24 + 1, 1.0]]), "t.npy")
>>> out.dtype, out[0].tolist()
(dtype('float32'), [0.0, 0.0])
>>> [n.split(";")[0] for n in notes]  # doctest: +NORMALIZE_WHITESPACE
['1 integer value is beyond 2**24 (16,777,216) and changes in float32: row 2, value 1 is
  16777217, read as 16777216.0', '1 row becomes a zero vector in float32 (its values are below
  ~1.4e-45): row 1']
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import EmbeddingFormatError

EXACT_INT = 2 ** 24
ID_LIKE = 2 ** 53  # integral floats beyond this are just large floats, not integers read as ids
BLOCK_ROWS = 65_536
F32_MAX = float(np.finfo(np.float32).max)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'s' * (n != 1)}"


def _row(r: int) -> str:
    return f"row {r + 1}"


class Notes:
    """Counts of what float32 changed, with the first place each happened."""

    def __init__(self, where: Callable[[int], str] = _row):
        self.where = where
        self.big = 0
        self.big_first: tuple[str, str, float] | None = None
        self.zero = 0
        self.zero_first: str | None = None
        self.collapsed: list[tuple[str, str]] = []
        self.examined = 0  # rows looked at again (text readers cap this)
        self.partial = False  # counts are lower bounds

    def big_ints(self, count: int, where: str, original: str, became: float) -> None:
        self.big += count
        if self.big_first is None and count:
            self.big_first = (where, original, became)

    def zero_rows(self, count: int, where: str) -> None:
        self.zero += count
        if self.zero_first is None and count:
            self.zero_first = where

    def messages(self) -> list[str]:
        out = []
        least = "at least " if self.partial else ""
        if self.big:
            where, original, became = self.big_first
            out.append(f"{least}{_plural(self.big, 'integer value')} {'is' if self.big == 1 else 'are'} "
                       f"beyond 2**24 ({EXACT_INT:,}) and change{'s' * (self.big == 1)} in float32: "
                       f"{where} is {original}, read as {became!r}; keep such ids in metadata, "
                       "not in the vectors")
        if self.zero:
            out.append(f"{least}{_plural(self.zero, 'row')} become{'s' * (self.zero == 1)} a zero vector "
                       f"in float32 (its values are below ~1.4e-45): {self.zero_first}; a zero "
                       "vector has no direction, so no cosine neighbours — rescale the vectors")
        if self.collapsed:
            a, b = self.collapsed[0]
            out.append(f"{_plural(len(self.collapsed), 'pair')} of different float64 rows become "
                       f"identical in float32: {a} and {b}; their neighbours and distances can no "
                       "longer tell them apart")
        return out


def to_float32(values: np.ndarray, label: str, where: Callable[[int], str] = _row,
               value_name: Callable[[int], str] | None = None) -> tuple[np.ndarray, list[str]]:
    """A C-contiguous float32 copy of the N×D ``values`` and the warnings it deserves.

    float32 input is returned as is. Otherwise the cast is the one pass over the source; the
    float32 result's row-wise peak finds the only rows worth a second look (overflowed, holding
    values at or beyond 2**24, or all zero), and one matrix-vector product hashes the float32
    rows to find identical ones.
    """
    notes = Notes(where)
    kind, size = values.dtype.kind, values.dtype.itemsize
    if kind == "b" or (kind == "f" and size <= 4) or (kind in "iu" and size <= 2):
        return np.ascontiguousarray(values, dtype=np.float32), []
    if kind not in "fiu":
        raise EmbeddingFormatError(f"the values have dtype {values.dtype}; expected numbers", path=label)
    out = np.empty(values.shape, np.float32)
    floats = kind == "f"
    hashes = np.empty(len(values), np.float32) if floats and values.shape[1] else None
    probe = np.random.default_rng(0).uniform(0.5, 1.5, size=values.shape[1]).astype(np.float32)
    for start in range(0, len(values), BLOCK_ROWS):
        block = values[start:start + BLOCK_ROWS]
        b32 = out[start:start + len(block)]
        with np.errstate(over="ignore", invalid="ignore"):
            b32[...] = block  # the one pass over the (often column-major) source
            peak = np.abs(b32).max(axis=1, initial=0) if b32.size else np.zeros(len(b32), np.float32)
        if floats:
            _check_range(block, peak, start, label, where)
            _zero_rows(block, peak, start, notes)
            with np.errstate(over="ignore", invalid="ignore"):
                hashes[start:start + len(block)] = b32 @ probe
        _big_ints(block, b32, peak, start, notes, value_name)
    if hashes is not None:
        _collapsed(values, out, hashes, notes)
    return out, notes.messages()


def _check_range(block: np.ndarray, peak: np.ndarray, start: int, label: str, where) -> None:
    for r in np.flatnonzero(np.isinf(peak)).tolist():  # inf in float32: overflow, or inf already
        over = np.flatnonzero(np.isfinite(block[r]) & (np.abs(block[r]) > F32_MAX))
        if not len(over):
            continue
        c = int(over[0])
        raise EmbeddingFormatError(
            f"{where(start + r)}: value {c + 1} is {float(block[r, c])!r}, beyond float32's range "
            f"(±{F32_MAX:.3g}); expected values float32 can hold", path=label)


def _big_ints(block, b32, peak, start: int, notes: Notes, value_name) -> None:
    rows = np.flatnonzero(peak >= EXACT_INT)  # 2**24 + 1 rounds down to 2**24 itself
    if not len(rows):
        return
    sub, sub32 = block[rows], b32[rows]
    with np.errstate(invalid="ignore"):
        magnitude = np.abs(sub)
        big = magnitude > EXACT_INT
        if block.dtype.kind == "f":
            big &= (magnitude <= ID_LIKE) & (sub == np.round(sub))
        changed = big & (sub32.astype(np.float64) != sub)
    count = int(changed.sum())
    if count:
        i, c = np.argwhere(changed)[0]
        r = int(rows[i])
        name = value_name(int(c)) if value_name else f"value {c + 1}"
        original = block[r, c]
        shown = f"{int(original)}"
        notes.big_ints(count, f"{notes.where(start + r)}, {name}", shown, float(b32[r, c]))


def _zero_rows(block, peak, start: int, notes: Notes) -> None:
    rows = np.flatnonzero(peak == 0)
    if len(rows):
        lost = rows[block[rows].any(axis=1)]
        if len(lost):
            notes.zero_rows(len(lost), notes.where(start + int(lost[0])))


def _collapsed(values, out, hashes, notes: Notes) -> None:
    order = np.argsort(hashes, kind="stable")
    sorted_h = hashes[order]
    same = np.flatnonzero(sorted_h[1:] == sorted_h[:-1])
    for i in same[:10_000]:  # candidates are rare; a file of repeated rows is bounded here
        a, b = int(order[i]), int(order[i + 1])
        if np.array_equal(out[a], out[b]) and not np.array_equal(values[a], values[b]):
            notes.collapsed.append((notes.where(min(a, b)), notes.where(max(a, b))))
