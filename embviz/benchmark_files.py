"""Benchmark files: the Google analogy questions and word-pair similarity judgements.

The defaults ship inside gensim's wheel (``gensim/test/test_data``); nothing is downloaded. A
benchmark file must be a regular UTF-8 file of at most :data:`MAX_BENCHMARK_BYTES` (a FIFO, folder
or device is refused before it is opened); every malformed line is an
:class:`~embviz.errors.EmbeddingFormatError` naming the file and line.
"""

from __future__ import annotations

import importlib.util
import os
import stat
from pathlib import Path

import pandas as pd

from .errors import EmbeddingFormatError, MissingExtraError, MissingFileError, ParameterError

MAX_BENCHMARK_BYTES = 64 << 20  # the Google set is 0.6 MB, SimLex-999 25 kB
ANALOGY_FILE = "questions-words.txt"
SIMILARITY_FILES = ("wordsim353.tsv", "simlex999.txt")


def gensim_data_dir() -> Path:
    """gensim's bundled test data folder (found without importing gensim)."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("the benchmark files ship with gensim: pip install gensim, or pass path=")
    return Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"


# -- reading benchmark files ------------------------------------------------------------------------
def _lines(path: Path):
    """``(number, line)`` of a benchmark file: a regular UTF-8 file of at most 64 MB, or a named error."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise MissingFileError("no such file", path=path) from None
    except OSError as exc:
        raise EmbeddingFormatError(f"cannot read it ({exc.strerror})", path=path) from None
    if not stat.S_ISREG(st.st_mode):
        raise EmbeddingFormatError("not a regular file (a folder, FIFO or device); expected a text file",
                                   path=path)
    if st.st_size > MAX_BENCHMARK_BYTES:
        raise EmbeddingFormatError(f"{st.st_size:,} bytes; a benchmark file may be at most "
                                   f"{MAX_BENCHMARK_BYTES:,}", path=path)
    try:
        with open(path, encoding="utf-8") as fh:
            yield from enumerate(fh, start=1)
    except UnicodeDecodeError as exc:
        raise EmbeddingFormatError(f"not UTF-8 text ({exc.reason})", path=path) from None
    except OSError as exc:
        raise EmbeddingFormatError(f"cannot read it ({exc.strerror})", path=path) from None


def read_analogies(path: str | Path, *, on_error: str = "raise") -> pd.DataFrame:
    """Questions of an analogy file as a frame ``section, a, b, c, expected, line``.

    The format is word2vec's ``questions-words.txt``: ``: section`` header lines, then one question
    ``a b c expected`` per line. Blank lines are skipped; any other line that is not four words is
    an :class:`EmbeddingFormatError` naming the file and line (``on_error="skip"`` skips it, as
    gensim does silently).
    """
    return pd.DataFrame(_questions(path, on_error), columns=["section", "a", "b", "c", "expected", "line"])


def _questions(path: str | Path, on_error: str = "raise") -> list[tuple]:
    """Rows ``(section, a, b, c, expected, line)`` of an analogy file (plain Python, fast)."""
    if on_error not in ("raise", "skip"):
        raise ParameterError("read_analogies", "on_error", "'raise' or 'skip'", on_error)
    path = Path(path)
    rows, section = [], None
    for number, line in _lines(path):
        if not line.strip():
            continue
        if line.startswith(":"):
            section = line.lstrip(": ").strip()
            continue
        words = line.split()
        if section is None:
            raise EmbeddingFormatError(
                "a question before the first ': section' header line", path=path, line=number
            )
        if len(words) != 4:
            if on_error == "skip":
                continue
            raise EmbeddingFormatError(
                f"expected 4 words (a b c expected), found {len(words)}: {line.strip()[:60]!r}",
                path=path,
                line=number,
            )
        rows.append((section, *words, number))
    if not rows:
        raise EmbeddingFormatError(
            "no analogy questions found (expected ': section' lines and 'a b c d' lines)", path=path
        )
    return rows


def read_pairs(path: str | Path, *, delimiter: str = "\t", on_error: str = "raise") -> pd.DataFrame:
    """Word pairs with a human score (``word1<TAB>word2<TAB>score``; ``#`` lines are comments)."""
    if on_error not in ("raise", "skip"):
        raise ParameterError("read_pairs", "on_error", "'raise' or 'skip'", on_error)
    path = Path(path)
    rows = []
    for number, line in _lines(path):
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split(delimiter)
        try:
            if len(parts) != 3:
                raise ValueError(f"expected 3 fields separated by {delimiter!r}, found {len(parts)}")
            rows.append((parts[0], parts[1], float(parts[2]), number))
        except ValueError as exc:
            if on_error == "raise":
                msg = (
                    str(exc) if "expected" in str(exc) else f"the score {parts[2].strip()!r} is not a number"
                )
                raise EmbeddingFormatError(msg, path=path, line=number) from None
    if not rows:
        raise EmbeddingFormatError(
            "no word pairs found (expected 'word1<TAB>word2<TAB>score' lines)", path=path
        )
    return pd.DataFrame(rows, columns=["a", "b", "human", "line"])
