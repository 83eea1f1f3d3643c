"""Tell a file's format from its content (magic bytes, header line, row shape), falling back to
the extension only when the content is ambiguous.

>>> from .source import Source
>>> sniff_source(Source.of(("x", b"2 3\\na 1 2 3\\nb 4 5 6\\n")))
'word2vec'
>>> sniff_source(Source.of(("x", b"the 0.1 0.2\\nof 0.3 0.4\\n")))
'glove'
>>> sniff_source(Source.of(("x", b"0.1\\t0.2\\n0.3\\t0.4\\n")))
'projector'
>>> sniff_source(Source.of(("x", b"1.0e+00 2.0e+00\\n3.0e+00 4.0e+00\\n")))  # np.savetxt: no keys
'projector'

The rules, in order: magic bytes (from the format table); a first line of exactly two integers is
a word2vec header (binary if what follows is not text) — two or more integers followed by a row
of a key and decimals is a damaged header, refused; lines that all hold tabs are the projector's
vectors (all numbers) or a TSV table; lines with the same number of commas are CSV; lines whose
every field is a number have no keys (the projector's layout, also what ``np.savetxt`` writes:
the first column is never taken as keys); lines of a key and numbers are GloVe; anything else
goes by the extension.
"""
from __future__ import annotations

import re

from ..errors import EmbeddingFormatError
from .registry import EXTENSIONS, FORMATS, MAGIC
from .rows import is_number
from .source import PICKLE_EXTENSIONS, Source, refuse_pickle

HEADER = re.compile(rb"^\s*\d+[ \t]+\d+\s*$", re.ASCII)
INTEGERS = re.compile(r"^\s*\d+(?:[ \t]+\d+)+\s*$", re.ASCII)
LINE_ENDS = re.compile(r"\r\n|\r|\n")
TEXT_BYTES = frozenset(b"0123456789+-.eE \t\r\nnaNAifIF")  # what a row of numbers is made of


def check_not_pickle(src: Source) -> None:
    """Refuse pickles by extension or by their magic bytes, before anything else reads them."""
    if src.suffix in PICKLE_EXTENSIONS:
        raise refuse_pickle(src.label, f"a {src.suffix} file is a Python pickle (gensim's native "
                                       "save format, joblib, torch)")
    if src.is_dir():
        return
    head = src.head(2)
    if len(head) == 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        raise refuse_pickle(src.label, "the content is a Python pickle")


def sniff_source(src: Source) -> str:
    """The format name of ``src`` (see :data:`embviz.formats.FORMATS`)."""
    check_not_pickle(src)
    if src.is_dir():
        if (src.path / "vectors.tsv").is_file():
            return "projector"
        raise EmbeddingFormatError("is a folder without vectors.tsv; expected a file, or a folder "
                                   "holding the projector's vectors.tsv (+ metadata.tsv)",
                                   path=src.label)
    head = src.head(1 << 16).removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
    if not head.strip():
        raise EmbeddingFormatError("the file is empty; expected embeddings", path=src.label)
    for magic, name in MAGIC:
        if head.startswith(magic):
            return name
    first, rest = _first_line(head)
    if HEADER.match(first) and b"\t" not in first:  # word2vec, fastText and gensim write a space; a tab is TSV
        if _binary_after_header(rest, int(first.split()[1])):
            return "word2vec-bin"
        return "fasttext" if src.suffix == ".vec" else "word2vec"
    return _sniff_text(src, head)


def _first_line(head: bytes) -> tuple[bytes, bytes]:
    """Line 1 and what follows it; lines end at \\n, \\r\\n or \\r (see :mod:`.lines`)."""
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    if not ends:
        return head, b""
    cut = min(ends)
    skip = 2 if head[cut:cut + 2] == b"\r\n" else 1
    return head[:cut], head[cut + skip:]


def _binary_after_header(rest: bytes, dim: int) -> bool:
    """Text if the first row after the header is UTF-8 text without control bytes holding a key
    and at least ``dim`` fields (or is cut short by the sample); binary otherwise."""
    line, after = _first_line(rest)
    cut = not after and len(line) == len(rest)  # the sample ends inside the first row
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not (cut and exc.start >= len(line) - 3):  # a character cut by the sample is fine
            return True
        text = line[:exc.start].decode("utf-8")
    if any(ord(c) < 32 and c != "\t" for c in text):
        return True
    return not cut and len(text.split()) < dim + 1


def _sniff_text(src: Source, head: bytes) -> str:
    text = head.decode("utf-8", "replace")
    # lines end where the readers end them (\n, \r\n, \r): not at U+2028 or U+0085, which
    # str.splitlines also splits at and the readers refuse by name
    lines = [ln for ln in LINE_ENDS.split(text) if ln.strip()]
    if len(head) == 1 << 16 and len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut
    lines = lines[:20]
    if not lines:
        return _by_extension(src, "nothing but blank lines")
    _refuse_damaged_header(src, lines)
    if all("\t" in ln for ln in lines):
        fields = lines[0].split("\t")
        if all(is_number(x) for x in fields):
            if _column_names(fields) and any(not x.strip().lstrip("+-").isdigit()
                                             for ln in lines[1:] for x in ln.split("\t")):
                return "csv"  # pandas' header of unnamed columns (0, 1, 2, …) over rows of decimals
            return "projector"
        if len(lines) > 1 and all(is_number(x) for ln in lines[1:] for x in ln.split("\t")) \
                and not _column_names(fields):
            return "projector"  # a first row of data with a bad number, not a header: the reader names it
        return "csv"
    if "," in lines[0] and len({ln.count(",") for ln in lines}) == 1 and not _glove_row(lines[0]):
        return "csv"
    if all(is_number(x) for ln in lines for x in ln.split()):
        return "projector"  # numbers only: no keys (np.savetxt), never the first column
    dims = [_trailing_numbers(ln) for ln in lines[:2]]  # later rows may be damaged: the reader says where
    if dims[0] >= 1 and all(d >= dims[0] for d in dims):
        return "glove"
    if all(is_number(x) for x in lines[0].split()):
        return "projector"
    return _by_extension(src, f"first line {lines[0][:50]!r}")


def _refuse_damaged_header(src: Source, lines: list[str]) -> None:
    """A first line of integers over a row of a key and decimals: a word2vec header that is not
    exactly 'count dimensions' (gensim refuses it too); not a GloVe row keyed by a number."""
    if len(lines) < 2 or not INTEGERS.match(lines[0]):
        return
    second = lines[1].split()
    decimals = [t for t in second[1:] if is_number(t) and not t.lstrip("+-").isdigit()]
    if len(second) > 1 and not is_number(second[0]) and decimals:
        fields = lines[0].split()
        raise EmbeddingFormatError(
            f"expected a header of two integers 'count dimensions', found {lines[0].strip()[:60]!r} "
            f"({len(fields)} fields: gensim and the word2vec tool write exactly two)",
            path=src.label, line=1)


def _column_names(fields: list[str]) -> bool:
    """Whether a first line reads as column names: no numbers among them, or numbers that are the
    columns' own (pandas names unnamed columns 0, 1, 2, …)."""
    numbers = [f.strip() for f in fields if is_number(f)]
    if not numbers:
        return True
    if not all(n.isdigit() for n in numbers):
        return False
    values = [int(n) for n in numbers]
    return values == list(range(values[0], values[0] + len(values))) and values[0] in (0, 1)


def _trailing_numbers(line: str) -> int:
    """How many numbers end the line, leaving at least one token for the key."""
    tokens = line.split()
    count = 0
    for tok in reversed(tokens[1:]):
        if not is_number(tok):
            break
        count += 1
    return count


def _glove_row(line: str) -> bool:
    return _trailing_numbers(line) >= 1


def _by_extension(src: Source, seen: str) -> str:
    name = EXTENSIONS.get(src.suffix)
    if name is None:
        raise EmbeddingFormatError(
            f"cannot tell the format from the content ({seen}) or the extension; pass format= "
            f"one of {', '.join(FORMATS)}", path=src.label)
    return name
