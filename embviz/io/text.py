"""Text formats: word2vec/fastText text (``N D`` header), GloVe (no header) and the projector's
``vectors.tsv`` (numbers only, no keys).

Reading streams the file in chunks of lines (:mod:`.lines`: line ends ``\\n``, ``\\r\\n`` or
``\\r``, bounded line length). Each chunk takes a fast path — split the key off
every line, then one C-level :func:`numpy.loadtxt` over the numbers — and only when that fails
(a bad field, a short row, NaN, a key holding spaces, a blank line) is the chunk re-scanned line
by line, which either names the exact line and problem or handles the rare case correctly.

>>> import io
>>> from .source import Source
>>> parts = read_text(Source.of(("v.txt", b"2 3\\na 1 2 3\\nb 4 5 6\\n")), header=True)
>>> parts.keys, parts.vectors.shape
(['a', 'b'], (2, 3))
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import BinaryIO

import numpy as np

from ..errors import EmbeddingFormatError
from ..progress import report
from .lines import LineChunks, check_separators
from .precision import EXACT_INT, Notes
from .rows import (
    Parts,
    RowSink,
    UniqueKeys,
    check_dim,
    check_finite_block,
    check_header_rows,
    check_rows,
    is_number,
    parse_header,
    to_number,
)
from .source import GuardedGzip, Source

TRAILING_WS = " \t\r\n\x0b\x0c"
NONZERO_DIGIT = re.compile(r"[1-9]")
EXAMINED = 1000
BOM = b"\xef\xbb\xbf"


def read_text(
    src: Source,
    *,
    header: bool,
    keyed: bool = True,
    limit: int | None = None,
    progress: Callable | None = None,
) -> Parts:
    """Keys (``None`` when ``keyed=False``), an N×D float32 matrix, whether it stopped early,
    and what float32 changed."""
    with src.open() as f:
        reader = _TextReader(src, f, keyed=keyed, limit=limit, progress=progress)
        if header:
            reader.read_header()
        reader.read_rows()
        return reader.finish()


class _TextReader:
    def __init__(self, src: Source, f: BinaryIO, *, keyed: bool, limit, progress):
        self.src, self.f, self.keyed = src, f, keyed
        self.label = src.label
        self.limits = src.limits
        self.chunks = LineChunks(f, src.label, src.limits.max_line)
        self.limit, self.progress = limit, progress
        self.declared: int | None = None
        self.dim: int | None = None
        self.line = 0  # lines consumed so far
        self.offset = 0  # bytes consumed so far
        self.keys: list[str] = []
        self.unique = UniqueKeys(src.label)
        self.row_lines: list[np.ndarray] = []
        self.sink: RowSink | None = None
        self.notes = Notes()
        self.pending: list[bytes] = []
        self.stopped = False
        self.truncated = False  # stopped by ``limit``

    # -- header ------------------------------------------------------------------------------
    def read_header(self) -> None:
        lines = self.chunks.next() or []
        raw = lines[0] if lines else b""
        self.pending = lines[1:]
        self.line, self.offset = 1, len(raw)
        raw = raw.removeprefix(BOM)
        if not raw:
            raise EmbeddingFormatError("the file is empty; expected a header 'count dimensions'",
                                       path=self.label)
        n, d = parse_header(raw, self.label, self.limits)
        size = self.src.size
        if size is not None and n * (2 * d + 1) > size:
            raise EmbeddingFormatError(
                f"header claims {n} rows of {d} numbers (at least {n * (2 * d + 1):,} bytes), "
                f"but the file has only {size:,} bytes; the header or the file is wrong",
                path=self.label, line=1)
        check_header_rows(n, self.limits, self.label, limit=self.limit)
        self.declared, self.dim = n, d
        want = n if self.limit is None else min(n, self.limit)
        # preallocate only what the file's size has vouched for (not for gzip streams)
        self.sink = RowSink(d, want if size is not None else None)

    # -- rows --------------------------------------------------------------------------------
    def read_rows(self) -> None:
        pending = self.pending
        while not (self.truncated or self.stopped):
            lines = pending or self.chunks.next()
            if not lines:
                break
            pending = []
            if self.limit is not None:
                # never parse lines past the limit (a blank line may make us come back for more)
                want = self.limit - (self.sink.n if self.sink is not None else 0)
                lines, pending = lines[:want], lines[want:]
            if self.line == 0 and lines[0].startswith(BOM):  # a UTF-8 byte-order mark
                lines[0] = lines[0][len(BOM):]
                self.offset = len(BOM)
            if not self.chunks.ascii:
                check_separators(b"".join(lines), self.label, self.line + 1)
            texts = self._decode(lines)
            if self.dim is None:
                self._detect_dim(texts)
            if self.dim is None:  # nothing but blank lines so far
                self.line += len(lines)
                self.offset += sum(map(len, lines))
                continue
            keys, block, lines_of = self._parse(texts, self.line + 1)
            self._check_values(texts, block, lines_of)
            self.line += len(lines)
            self.offset += sum(map(len, lines))
            self._add(keys, block, lines_of)
            self._estimate_rows()
            self.stopped = report(self.progress, self._position(), self.src.raw_size,
                                  f"read {self.sink.n if self.sink else 0:,} rows")

    def _check_values(self, texts: list[str], block: np.ndarray, lines_of: np.ndarray) -> None:
        """Rows that became zero vectors, or hold values at or beyond 2**24, are parsed again in
        full precision to see what float32 changed (such rows are rare; a zero row without a
        digit 1–9 is genuinely zero and costs one regex scan). At most ``EXAMINED`` rows are
        parsed again per file; beyond that the counts are lower bounds."""
        if not len(block):
            return
        peak = np.abs(block).max(axis=1)
        suspects = np.flatnonzero((peak == 0) | (peak >= EXACT_INT))  # 2**24 + 1 rounds to 2**24
        first = self.line + 1
        for r in suspects.tolist():
            line = int(lines_of[r])
            text = texts[line - first]
            if peak[r] == 0 and not NONZERO_DIGIT.search(text):
                continue
            if self.notes.examined >= EXAMINED:
                self.notes.partial = True
                return
            self.notes.examined += 1
            fields = text.rstrip(TRAILING_WS).rsplit(None, self.dim)[-self.dim:]
            exact = [to_number(t) for t in fields]
            if peak[r] == 0 and any(exact):
                self.notes.zero_rows(1, f"line {line}")
            for j, x in enumerate(exact):
                if abs(x) > EXACT_INT and fields[j].lstrip("+-").isdigit() and float(np.float32(x)) != x:
                    self.notes.big_ints(1, f"line {line}, value {j + 1}", fields[j], float(np.float32(x)))

    def _estimate_rows(self) -> None:
        """Preallocate from the rows per byte seen so far, when no trusted count is known
        (no header, or a gzip stream whose header the file size cannot vouch for)."""
        size = self.src.size
        if (self.declared is not None and size is not None) or not self.sink.n or self.truncated:
            return
        total, done = (size, self.offset) if size is not None else (self.src.raw_size, self._position())
        estimate = int(self.sink.n * total / max(done, 1) * 1.1) + 1024
        for cap in (self.declared, self.limit, self.limits.max_rows + 1):
            if cap is not None:
                estimate = min(estimate, cap)
        self.sink.expect(estimate)

    def _position(self) -> int:
        raw = self.f.raw if isinstance(self.f, GuardedGzip) else self.f
        try:
            return raw.tell()
        except (OSError, ValueError):
            return self.offset

    def _add(self, keys, block, lines_of) -> None:
        n = self.sink.n
        if self.limit is not None and n + len(block) >= self.limit:
            cut = self.limit - n
            keys = keys[:cut] if keys is not None else None
            block, lines_of = block[:cut], lines_of[:cut]
            self.truncated = True
        if self.declared is not None and n + len(block) > self.declared:
            extra = int(lines_of[self.declared - n])
            raise EmbeddingFormatError(
                f"the header (line 1) announces {self.declared} rows, but this is row "
                f"{self.declared + 1}; fix the count in the header", path=self.label, line=extra)
        if n + len(block) > self.limits.max_rows:
            check_rows(n + len(block), self.limits, self.label,
                       line=int(lines_of[self.limits.max_rows - n]))
        self.row_lines.append(lines_of)
        if keys is not None:
            self.keys.extend(keys)
            self.unique.add(keys, self.keys, lambda: np.concatenate(self.row_lines))
        self.sink.add(block)

    def _decode(self, lines: list[bytes]) -> list[str]:
        try:
            return [b.decode("utf-8") for b in lines]
        except UnicodeDecodeError:
            pass
        offset = self.offset
        for i, b in enumerate(lines):
            try:
                b.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise EmbeddingFormatError(
                    f"bytes {b[exc.start:exc.start + 4]!r} at byte offset {offset + exc.start:,} "
                    f"(column {exc.start + 1}) are not valid UTF-8; expected UTF-8 text "
                    "(nothing is replaced silently)",
                    path=self.label, line=self.line + 1 + i) from None
            offset += len(b)
        raise AssertionError("unreachable")

    def _detect_dim(self, texts: list[str]) -> None:
        """GloVe and projector files have no header: the rows give D — the most common count of
        numbers ending the first (up to 20) rows, so a first row whose key holds a space, or a
        damaged first row, does not decide it alone."""
        counts, first = [], None
        for i, t in enumerate(texts):
            s = t.rstrip(TRAILING_WS)
            if not s.strip():
                continue
            tokens = s.split()
            numeric = 0
            for tok in reversed(tokens):
                if not is_number(tok):
                    break
                numeric += 1
            dim = min(numeric, len(tokens) - 1) if self.keyed else len(tokens)
            if first is None:
                first = i
                if dim < 1 or (not self.keyed and numeric < len(tokens)):
                    what = "a key followed by numbers" if self.keyed else "numbers only"
                    raise EmbeddingFormatError(f"expected {what}, found {s[:60]!r}",
                                               path=self.label, line=self.line + 1 + i)
            if dim >= 1:
                counts.append(dim)
            if len(counts) == 20:
                break
        if not counts:
            return  # a chunk of blank lines: try again with the next chunk
        dim = max(set(counts), key=lambda d: (counts.count(d), d))
        check_dim(dim, self.limits, self.label, line=self.line + 1 + first, what="numbers on a line")
        self.dim = dim
        self.sink = RowSink(dim)

    def _parse(self, texts: list[str], first_line: int):
        fast = self._parse_fast(texts)
        if fast is not None:
            keys, block = fast
            return keys, block, np.arange(first_line, first_line + len(block))
        return self._parse_slow(texts, first_line)

    def _parse_fast(self, texts: list[str]):
        if self.keyed:
            keys, rests = [], []
            for t in texts:
                k, _, r = t.partition(" ")
                keys.append(k)
                rests.append(r)
            if "" in keys:  # a line starting with a space: no key
                return None
        else:
            keys, rests = None, texts
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                block = np.loadtxt(rests, dtype=np.float32, comments=None, ndmin=2)
        except ValueError:
            return None
        if block.shape != (len(texts), self.dim) or not np.isfinite(block).all():
            return None
        return keys, block

    def _parse_slow(self, texts: list[str], first_line: int):
        keys: list[str] | None = [] if self.keyed else None
        rows, lines_of = [], []
        for i, t in enumerate(texts):
            line = first_line + i
            s = t.rstrip(TRAILING_WS)
            if not s.strip():
                continue  # blank lines are not rows
            key, values = self._split_row(s, line)
            if keys is not None:
                keys.append(key)
            rows.append(values)
            lines_of.append(line)
        with np.errstate(over="ignore"):  # beyond float32 range -> inf, reported just below
            block = np.array(rows, dtype=np.float32).reshape(len(rows), self.dim)
        lines_of = np.array(lines_of, dtype=np.int64)
        check_finite_block(block, self.label, lambda r: int(lines_of[r]))
        return keys, block, lines_of

    def _split_row(self, s: str, line: int) -> tuple[str | None, list[float]]:
        d = self.dim
        if self.keyed:
            parts = s.rsplit(None, d)
            head, fields = parts[0], parts[1:]
            extra = head.split()[1:] if len(parts) == d + 1 else []
            if len(parts) <= d:  # too few fields (or no key)
                n = len(s.split())
                raise EmbeddingFormatError(
                    f"expected a key and {d} numbers, found only {n} field{'s' * (n != 1)}",
                    path=self.label, line=line)
            if extra and all(is_number(x) for x in extra):
                raise EmbeddingFormatError(
                    f"expected {d} numbers after the key, found {d + len(extra)}",
                    path=self.label, line=line)
            key = head
        else:
            fields = s.split()
            key = None
            if len(fields) != d:
                raise EmbeddingFormatError(f"expected {d} numbers, found {len(fields)}",
                                           path=self.label, line=line)
        values = []
        for j, tok in enumerate(fields):
            try:
                values.append(to_number(tok))
            except ValueError:
                raise EmbeddingFormatError(
                    f"field {j + 1} after the key is {tok[:40]!r}, expected a number"
                    if self.keyed else f"field {j + 1} is {tok[:40]!r}, expected a number",
                    path=self.label, line=line) from None
        return key, values

    # -- end ---------------------------------------------------------------------------------
    def finish(self) -> Parts:
        if self.sink is None:
            raise EmbeddingFormatError("the file holds no vectors (it is empty or blank)",
                                       path=self.label)
        n = self.sink.n
        if self.declared is not None and not (self.truncated or self.stopped) and n != self.declared:
            raise EmbeddingFormatError(
                f"the header announces {self.declared} rows, but the file ends after {n}; "
                "the file may be cut short or the header wrong", path=self.label, line=1)
        if n == 0:
            raise EmbeddingFormatError("the file holds no vectors, only a header", path=self.label)
        lines_of = np.concatenate(self.row_lines) if self.row_lines else None
        where = (lambda r: f"line {int(lines_of[r])}") if lines_of is not None else None
        return Parts(self.keys if self.keyed else None, self.sink.result(), stopped=self.stopped,
                     warnings=self.notes.messages(), where=where)


# -- writing ----------------------------------------------------------------------------------
def check_keys_for_text(keys: list[str], label: str, forbidden: str = " \t\r\n") -> None:
    """Keys must survive the round trip: no separators, not empty."""
    for i, k in enumerate(keys):
        if not k or any(c in k for c in forbidden):
            raise EmbeddingFormatError(
                f"key {k!r} (row {i + 1}) is empty or contains whitespace, which this text format "
                "cannot store; choose .npz, .csv or .parquet", path=label)


def row_format(dim: int, sep: str = " ") -> str:
    """``%.9g`` per value: enough digits that float32 values read back exactly."""
    return sep.join(["%.9g"] * dim)


def write_text(f: BinaryIO, keys: list[str] | None, vectors: np.ndarray, *, header: bool,
               sep: str = " ", label: str = "") -> None:
    """word2vec text (``header=True``), GloVe (``False``) or projector vectors (``keys=None``)."""
    n, d = vectors.shape
    if keys is not None:
        check_keys_for_text(keys, label)
    if header:
        f.write(f"{n} {d}\n".encode())
    fmt = row_format(d, sep)
    step = max(1, (4 << 20) // (12 * d))
    for start in range(0, n, step):
        block = vectors[start:start + step].tolist()
        if keys is None:
            out = "".join(fmt % tuple(row) + "\n" for row in block)
        else:
            out = "".join(f"{k}{sep}{fmt % tuple(row)}\n" for k, row in zip(keys[start:], block))
        f.write(out.encode("utf-8"))
