"""Reading and tokenising a training corpus: one sentence (or paragraph) per line.

A corpus can be a path (``.txt`` or ``.txt.gz``), raw bytes or a file-like object (an upload), an
iterable of strings (one sentence each) or an iterable of token lists (used as given).

Tokenisation is deliberately simple and explained, because it shapes what the model can learn:

* ``lowercase`` — "King" and "king" become one word (one vector) instead of two rarer ones.
* ``strip_punctuation`` — keep only runs of letters and digits (inner apostrophes stay:
  "don't", "lord's"); otherwise split on whitespace and keep punctuation glued to words
  ("end." and "end" would be different words).
* ``min_length`` — drop tokens shorter than this many characters (1 keeps everything).

>>> tokenize("The LORD's word, and thy word.")
['the', "lord's", 'word', 'and', 'thy', 'word']
>>> tokenize("The LORD's word, and thy word.", lowercase=False, strip_punctuation=False)
['The', "LORD's", 'word,', 'and', 'thy', 'word.']
>>> read_corpus(["a b c", "b c d"], min_length=1).tokens
6
"""
from __future__ import annotations

import gzip
import io
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ParameterError
from .progress import ProgressCallback, Throttle

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
OWNER = "read_corpus"
MAX_CORPUS_BYTES = 512 << 20  # text (after gunzip) read into memory; the shipped corpus is ~17 MB


def tokenize(line: str, *, lowercase: bool = True, strip_punctuation: bool = True,
             min_length: int = 1) -> list[str]:
    """Split one line into tokens with the options explained in the module docstring."""
    if lowercase:
        line = line.lower()
    tokens = _WORD.findall(line) if strip_punctuation else line.split()
    if min_length > 1:
        tokens = [t for t in tokens if len(t) >= min_length]
    return tokens


@dataclass
class Corpus:
    """A tokenised corpus held in memory: ``sentences`` (lists of interned tokens) and counts."""

    sentences: list[list[str]]
    lines: int = 0
    tokens: int = 0
    source: str = ""
    options: dict = field(default_factory=dict)

    @property
    def vocabulary(self) -> int:
        """Number of distinct tokens (before any ``min_count``)."""
        return len({t for s in self.sentences for t in s})

    def describe(self) -> str:
        return f"{self.lines:,} lines, {self.tokens:,} tokens"


def _open_text(source: object) -> tuple[Iterable[str], str]:
    """Lines of text from a path, bytes or a file-like object (gzip detected by content)."""
    limit = MAX_CORPUS_BYTES
    too_big = f"at most {limit:,} bytes of text"
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ParameterError(OWNER, "corpus", "an existing .txt or .txt.gz file", str(path))
        if path.stat().st_size > limit:
            raise ParameterError(OWNER, "corpus", too_big, f"{path.name}: {path.stat().st_size:,} bytes")
        with open(path, "rb") as fh:
            raw = fh.read(limit + 1)
        name = path.name
    elif isinstance(source, (bytes, bytearray, memoryview)):
        raw, name = bytes(source), "uploaded text"
    elif hasattr(source, "read"):
        raw = source.read(limit + 1)
        name = getattr(source, "name", "uploaded text")
        if isinstance(raw, str):
            if len(raw) > limit:
                raise ParameterError(OWNER, "corpus", too_big, f"{name}: more")
            return io.StringIO(raw), name
    else:
        raise ParameterError(OWNER, "corpus", "a path, bytes, a file or an iterable of sentences",
                             type(source).__name__)
    if len(raw) > limit:
        raise ParameterError(OWNER, "corpus", too_big, f"{name}: more")
    if raw[:2] == b"\x1f\x8b":
        try:  # streamed with a cap: a small gzip bomb must not inflate to gigabytes
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
                raw = gz.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise ParameterError(OWNER, "corpus", "a readable gzip file", f"{name} ({exc})") from None
        if len(raw) > limit:
            raise ParameterError(OWNER, "corpus", too_big, f"{name} inflates to more")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ParameterError(OWNER, "corpus", "UTF-8 text",
                             f"{name}: undecodable byte on line {line}") from None
    return io.StringIO(text), name


def read_corpus(source: object, *, lowercase: bool = True, strip_punctuation: bool = True,
                min_length: int = 1, progress: ProgressCallback | None = None) -> Corpus:
    """Tokenise a corpus into memory (see the module docstring for what ``source`` can be).

    Token strings are interned, so a corpus of a few million words costs little memory. An
    iterable of token lists is taken as already tokenised (the options do not apply).
    """
    if isinstance(min_length, bool) or not isinstance(min_length, int) or min_length < 1:
        raise ParameterError(OWNER, "min_length", "an integer >= 1", min_length)
    if isinstance(source, Corpus):
        return source
    options = dict(lowercase=lowercase, strip_punctuation=strip_punctuation, min_length=min_length)
    pretokenised = False
    if isinstance(source, (str, Path, bytes, bytearray, memoryview)) or hasattr(source, "read"):
        lines, name = _open_text(source)
    elif isinstance(source, Iterable):
        lines, name = source, "sentences"
    else:
        raise ParameterError(OWNER, "corpus", "a path, bytes, a file or an iterable of sentences",
                             type(source).__name__)
    tick = Throttle(progress, 0.25)
    intern, sentences, n_lines, n_tokens = sys.intern, [], 0, 0
    for n_lines, line in enumerate(lines, 1):
        if isinstance(line, str):
            tokens = tokenize(line, **options)
        elif isinstance(line, (list, tuple)) and all(isinstance(t, str) for t in line):
            tokens, pretokenised = list(line), True
        else:
            raise ParameterError(OWNER, "corpus", "strings or lists of string tokens",
                                 f"item {n_lines} is {type(line).__name__}")
        if tokens:
            sentences.append([intern(t) for t in tokens])
            n_tokens += len(tokens)
        if n_lines % 20_000 == 0 and tick(n_lines, n_lines + 1, f"read {n_tokens:,} tokens"):
            break
    return Corpus(sentences, lines=n_lines, tokens=n_tokens, source=name,
                  options={} if pretokenised else options)
