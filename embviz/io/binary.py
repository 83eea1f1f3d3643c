"""word2vec binary format (the layout of Mikolov's C tool and gensim).

A text header ``"N D\\n"``, then N records: the key in UTF-8, one space, D little-endian float32
values, and optionally a newline (the C tool writes one, gensim does not; both are read).

The reader pulls blocks of bytes and copies each record's vector into a growing buffer, so it
never trusts the header's count for an allocation larger than the file can hold, and a record cut
short is reported with its number and byte offset.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import BinaryIO

import numpy as np

from ..errors import EmbeddingFormatError
from ..progress import report
from .rows import Parts, RowSink, UniqueKeys, check_finite_block, check_header_rows, parse_header
from .source import GuardedGzip, Source

BLOCK = 4 << 20
MAX_KEY = 10_000  # bytes; a longer "key" means the file is not what it claims


def read_word2vec_binary(
    src: Source, *, limit: int | None = None, progress: Callable | None = None
) -> Parts:
    """Keys, an N×D float32 matrix and whether a progress callback stopped the read."""
    with src.open() as f:
        raw = f.readline(4096)
        if not raw:
            raise EmbeddingFormatError("the file is empty; expected a header 'count dimensions'",
                                       path=src.label)
        n, d = parse_header(raw, src.label, src.limits)
        size = src.size
        if size is not None and n * (4 * d + 2) > size - len(raw):
            raise EmbeddingFormatError(
                f"header claims {n} records of {d} float32 values (at least "
                f"{n * (4 * d + 2):,} bytes), but the file has only {size:,} bytes; the file is "
                "cut short or the header is wrong", path=src.label, line=1)
        check_header_rows(n, src.limits, src.label, unit="records", limit=limit)
        want = n if limit is None else min(n, limit)
        return _Records(src, f, n, d, len(raw), progress).read(want, trusted=size is not None)


class _Records:
    def __init__(self, src: Source, f: BinaryIO, n: int, d: int, start: int, progress):
        self.src, self.f, self.n, self.d = src, f, n, d
        self.label = src.label
        self.rec = 4 * d
        self.buf = b""
        self.pos = 0
        self.base = start  # file offset of buf[0]
        self.eof = False
        self.progress = progress

    def _refill(self) -> bool:
        """Keep the unread tail and append a block; False at end of file."""
        if self.eof:
            return False
        more = self.f.read(max(BLOCK, 2 * self.rec))
        self.base += self.pos
        self.buf = self.buf[self.pos:] + more
        self.pos = 0
        self.eof = not more
        return bool(more)

    def _where(self, i: int, at: int) -> str:
        return f"record {i + 1} (byte offset {self.base + at:,})"

    def read(self, want: int, trusted: bool):
        # preallocate only what the file's size has vouched for (not for gzip streams)
        sink = RowSink(self.d, want if trusted else None)
        keys: list[str] = []
        unique = UniqueKeys(self.label, unit="record")
        stopped = False
        per_block = max(1, BLOCK // (self.rec + 8))
        while len(keys) < want and not stopped:
            if not self._refill() and self.pos >= len(self.buf):
                break
            first = len(keys)
            block = sink.reserve(min(per_block, want - first))
            count = self._records(keys, want, block)
            sink.commit(count)
            unique.add(keys[first:], keys)
            check_finite_block(block[:count], self.label, lambda r, first=first: first + r + 1,
                               unit="record")
            stopped = report(self.progress, self._position(), self.src.raw_size,
                             f"read {len(keys):,} records")
        if len(keys) < want and not stopped:
            raise EmbeddingFormatError(
                f"the header announces {self.n} records, but the file ends after {len(keys)}; "
                "it is cut short or the header is wrong", path=self.label)
        if want == self.n and not stopped:
            self._check_tail()
        return Parts(keys, sink.result(), stopped=stopped, where=lambda r: f"record {r + 1}")

    def _position(self) -> int:
        raw = self.f.raw if isinstance(self.f, GuardedGzip) else self.f
        try:
            return raw.tell()
        except (OSError, ValueError):
            return self.base

    def _records(self, keys: list[str], want: int, block: np.ndarray) -> int:
        """Parse complete records from the buffer into ``block`` (at least one, refilling as
        needed); returns how many."""
        out = memoryview(block).cast("B")
        rec, cap = self.rec, len(block)
        buf = self.buf
        view = memoryview(buf)
        count = 0
        while len(keys) < want and count < cap:
            pos = self.pos
            while pos < len(buf) and buf[pos] == 10:  # the C tool's newline after a vector
                pos += 1
            sp = buf.find(b" ", pos, pos + MAX_KEY)
            end = sp + 1 + rec
            if sp < 0 and len(buf) - pos >= MAX_KEY:  # a whole key's worth of bytes, no space
                view.release()
                raise EmbeddingFormatError(
                    f"{self._where(len(keys), pos)}: no space ending the key within {MAX_KEY:,} "
                    "bytes; expected a key, a space and binary float32 values", path=self.label)
            if sp < 0 or end > len(buf):
                if count:
                    break
                view.release()
                if not self._refill_inside(pos):
                    self._cut_short(len(keys), pos, sp)
                buf = self.buf
                view = memoryview(buf)
                continue
            try:
                keys.append(buf[pos:sp].decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise EmbeddingFormatError(
                    f"{self._where(len(keys), pos)}: the key's bytes {buf[pos:sp][:40]!r} are not "
                    f"valid UTF-8 (at byte {exc.start + 1} of the key); nothing is replaced "
                    "silently", path=self.label) from None
            out[count * rec:(count + 1) * rec] = view[sp + 1:end]
            self.pos = end
            count += 1
        view.release()
        return count

    def _refill_inside(self, pos: int) -> bool:
        self.pos = pos
        return self._refill()

    def _cut_short(self, i: int, pos: int, sp: int) -> None:
        if pos >= len(self.buf):
            raise EmbeddingFormatError(
                f"the header announces {self.n} records, but the file ends after {i}; it is cut "
                "short or the header is wrong", path=self.label)
        if sp < 0:
            if len(self.buf) - pos >= MAX_KEY:
                raise EmbeddingFormatError(
                    f"{self._where(i, pos)}: no space ending the key within {MAX_KEY:,} bytes; "
                    "expected a key, a space and binary float32 values", path=self.label)
            raise EmbeddingFormatError(
                f"the file ends inside {self._where(i, pos)}: no space after the key; it is cut "
                "short", path=self.label)
        have = len(self.buf) - sp - 1
        raise EmbeddingFormatError(
            f"the file ends inside {self._where(i, pos)}: expected {self.rec} bytes of vector "
            f"({self.d} float32), found {have}; it is cut short", path=self.label)

    def _check_tail(self) -> None:
        rest = self.buf[self.pos:]
        while not rest.strip() and self._refill():
            rest = self.buf[self.pos:]
        if rest.strip():
            raise EmbeddingFormatError(
                f"data continues after the {self.n} records the header announces (byte offset "
                f"{self.base + self.pos:,}); fix the count in the header", path=self.label)


def write_word2vec_binary(f: BinaryIO, keys: list[str], vectors: np.ndarray, label: str = "") -> None:
    """gensim's layout, byte for byte: header, then ``key<space><float32 LE>`` records."""
    from .text import check_keys_for_text

    check_keys_for_text(keys, label)
    n, d = vectors.shape
    f.write(f"{n} {d}\n".encode())
    data = np.ascontiguousarray(vectors, dtype="<f4")
    step = max(1, (8 << 20) // (4 * d))
    for start in range(0, n, step):
        parts = []
        for k, row in zip(keys[start:start + step], data[start:start + step]):
            parts.append(k.encode("utf-8") + b" ")
            parts.append(row.tobytes())
        f.write(b"".join(parts))
