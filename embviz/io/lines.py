"""Lines of text, read in bounded chunks.

The rule for every text format: a line ends at ``\\n``, ``\\r\\n`` or a lone ``\\r`` (Python's
universal newlines, so files with classic-Mac line ends read as rows too); Unicode's own line
separators (U+2028, U+2029, U+0085), which ``str.split`` would treat as spaces, are refused with
the line they are on — embviz does not guess whether they end a row or belong to a key. No line
(with its line end) may be longer than ``Limits.max_line``: a file without line breaks (a gzip of zeros, a sparse
file, a binary file read as text) is refused after at most that many bytes.

>>> import io
>>> chunks = LineChunks(io.BytesIO(b"a 1\\rb 2\\r\\nc 3"), "v.txt", max_line=100)
>>> chunks.next(), chunks.next(), chunks.next()
([b'a 1\\r', b'b 2\\r\\n'], [b'c 3'], None)
"""
from __future__ import annotations

import io
from typing import BinaryIO

from ..errors import EmbeddingFormatError
from .limits import Limits, size_text

FIRST_CHUNK = 1 << 20
MAX_CHUNK = 4 << 20  # bigger chunks are no faster and cost memory
SEPARATORS = {
    "\u2028".encode(): "U+2028 (LINE SEPARATOR)",
    "\u2029".encode(): "U+2029 (PARAGRAPH SEPARATOR)",
    "\u0085".encode(): "U+0085 (NEXT LINE)",
}


def too_long(label: str, line: int, max_line: int) -> EmbeddingFormatError:
    return EmbeddingFormatError(
        f"no line break within {size_text(max_line)} (the max_line limit); expected one row per "
        f"line — this looks like binary data, or a file without line breaks; "
        f"{Limits().how_to_raise('max_line')}", path=label, line=line)


def check_separators(blob: bytes, label: str, first_line: int) -> None:
    """Refuse Unicode line separators in ``blob`` (whole lines starting at ``first_line``)."""
    if blob.isascii():  # the common case, checked at memory speed
        return
    for pattern, name in SEPARATORS.items():
        at = blob.find(pattern)
        if at >= 0:
            line = first_line + breaks(blob[:at])
            start = max(blob.rfind(b"\n", 0, at), blob.rfind(b"\r", 0, at)) + 1
            column = len(blob[start:at].decode("utf-8", "replace")) + 1
            raise EmbeddingFormatError(
                f"{name} at column {column}; expected lines to end in \\n, \\r\\n or \\r — embviz "
                "does not guess whether it ends a row or belongs to a key (replace it first)",
                path=label, line=line)


def breaks(data: bytes) -> int:
    """How many line ends ``data`` holds (``\r\n`` counts once)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


class LineChunks:
    """Lists of whole lines (line ends kept), each list from a chunk of about 1–4 MB."""

    def __init__(self, f: BinaryIO, label: str, max_line: int):
        self.f, self.label, self.max_line = f, label, max_line
        self.size = min(FIRST_CHUNK, max_line)
        self.carry = b""
        self.eof = False
        self.lines_read = 0  # complete lines handed out so far
        self.ascii = True  # the lines last handed out are all ASCII (so hold no separators)

    def next(self) -> list[bytes] | None:
        """The next lines, or ``None`` at the end of the stream."""
        while True:
            if self.eof:
                if not self.carry:
                    return None
                lines, self.carry = [self.carry], b""
                self.ascii = lines[0].isascii()
                self.lines_read += 1
                return lines
            more = self.f.read(self.size)
            self.size = min(self.size * 2, MAX_CHUNK, self.max_line)
            if not more:
                self.eof = True
                continue
            lines = more.splitlines(keepends=True)  # splits at \n, \r\n and \r only
            carry = self.carry
            self.ascii = more.isascii() and carry.isascii()
            if carry:
                if carry.endswith(b"\r") and not more.startswith(b"\n"):
                    lines.insert(0, carry)  # a line that ended in a lone \r
                else:
                    lines[0] = carry + lines[0]
                    if len(lines[0]) > self.max_line:
                        raise too_long(self.label, self.lines_read + 1, self.max_line)
            last = lines[-1]
            # an unfinished last line, or one ending in \r (half of a \r\n?), waits for more
            self.carry = lines.pop() if last[-1:] != b"\n" else b""
            if len(self.carry) > self.max_line:
                raise too_long(self.label, self.lines_read + 1, self.max_line)
            if lines:
                self.lines_read += len(lines)
                return lines


def _first_break(data: bytes) -> int:
    n, r = data.find(b"\n"), data.find(b"\r")
    return min(x for x in (n, r, len(data)) if x >= 0)


class LineGuard(io.RawIOBase):
    """A stream for parsers that split lines themselves (pandas): the same line-length and
    separator rules, checked on the bytes as they pass."""

    def __init__(self, inner: BinaryIO, label: str, max_line: int):
        self.inner, self.label, self.max_line = inner, label, max_line
        self.run = 0  # bytes since the last line break
        self.lines = 0
        self.lf = False
        self.tail = b""

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            parts = []
            while chunk := self.read(MAX_CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        data = self.inner.read(n)
        if data:
            self._check(data)
        return data

    def readinto(self, b) -> int:
        data = self.read(len(b))
        b[:len(data)] = data
        return len(data)

    def _check(self, data: bytes) -> None:
        cut = max(data.rfind(b"\n"), data.rfind(b"\r"))
        if cut < 0:
            self.run += len(data)
            if self.run > self.max_line:
                raise too_long(self.label, self.lines + 1, self.max_line)
        else:
            if self.run + _first_break(data) >= self.max_line:
                raise too_long(self.label, self.lines + 1, self.max_line)
            if len(data) > self.max_line:  # a read longer than a line may hold a long line
                pieces = data[:cut].splitlines()
                long = next((i for i, p in enumerate(pieces[1:], 1) if len(p) >= self.max_line), None)
                if long is not None:
                    raise too_long(self.label, self.lines + 1 + long, self.max_line)
            self.run = len(data) - cut - 1
        if not data.isascii():  # a separator cannot end in ASCII bytes
            probe = self.tail + data
            if any(pattern in probe for pattern in SEPARATORS):
                check_separators(probe, self.label, self.lines + 1 - breaks(self.tail))
        newlines = data.count(b"\n")
        self.lf = self.lf or newlines > 0
        self.lines += newlines if self.lf else data.count(b"\r")  # CR-only files count \r
        self.tail = data[-2:]

    def close(self) -> None:
        self.inner.close()
        super().close()


def read_text_lines(src, what: str = "file", stop: int | None = None) -> list[str]:
    """The lines of a small text file (keys, metadata) without their line ends, UTF-8, under
    the same rules as the vector files; a final empty line is dropped. ``stop``: read no more
    than that many lines (the rest of the file is not read)."""
    out: list[str] = []
    with src.open() as f:
        chunks = LineChunks(f, src.label, src.limits.max_line)
        line = 0
        while (lines := chunks.next()) is not None:
            blob = b"".join(lines)
            check_separators(blob, src.label, line + 1)
            if line == 0 and blob.startswith(b"\xef\xbb\xbf"):
                lines[0] = lines[0][3:]
            for i, raw in enumerate(lines):
                try:
                    out.append(raw.decode("utf-8").rstrip("\r\n"))
                except UnicodeDecodeError as exc:
                    raise EmbeddingFormatError(
                        f"bytes {raw[exc.start:exc.start + 4]!r} (column {exc.start + 1}) are not "
                        "valid UTF-8; expected UTF-8 text", path=src.label, line=line + i + 1) from None
            line += len(lines)
            if stop is not None and len(out) >= stop:
                return out[:stop]
            if len(out) > src.limits.max_rows + 1:
                raise EmbeddingFormatError(
                    f"more than {src.limits.max_rows:,} lines in this {what} (the max_rows limit); "
                    f"{src.limits.how_to_raise('max_rows')}", path=src.label)
    return out
