"""Exceptions raised by embviz.

Every failure family has its own type so that callers (the dashboard, the command line) can turn
it into a clear message without guessing. All of them derive from :class:`EmbvizError`.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class EmbvizError(Exception):
    """Base class of every error embviz raises on purpose."""


class EmbeddingFormatError(EmbvizError, ValueError):
    """A file could not be read as embeddings.

    The message names the file and, where it applies, the line (1-based) or record, and what was
    expected there.

    >>> str(EmbeddingFormatError("expected 3 numbers, found 2", path="v.txt", line=4))
    'v.txt, line 4: expected 3 numbers, found 2'
    """

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        self.reason = message
        where = []
        if self.path is not None:
            where.append(Path(self.path).name if len(self.path) > 80 else self.path)
        if line is not None:
            where.append(f"line {line}")
        prefix = ", ".join(where)
        super().__init__(f"{prefix}: {message}" if prefix else message)


def param_message(owner: str, name: str, rule: str, value: object) -> str:
    """The one template for parameter errors (scikit-learn's wording).

    >>> param_message("TSNE", "perplexity", "in (0, n_samples)", 250)
    "The 'perplexity' parameter of TSNE must be in (0, n_samples). Got 250 instead."
    """
    return f"The {name!r} parameter of {owner} must be {rule}. Got {value!r} instead."


class ParameterError(EmbvizError, ValueError):
    """A parameter is outside its valid range or of the wrong kind."""

    def __init__(self, owner: str, name: str, rule: str, value: object):
        self.owner, self.name, self.rule, self.value = owner, name, rule, value
        super().__init__(param_message(owner, name, rule, value))


def suggest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` keys that look like ``word`` (case-insensitive first, then edit similarity)."""
    pool = candidates if isinstance(candidates, (list, tuple)) else list(candidates)
    lowered = word.lower()
    exact_case = [c for c in pool if c.lower() == lowered and c != word]
    if len(pool) > 50_000:  # keep get_close_matches affordable on huge vocabularies
        head = lowered[:2]
        pool = [c for c in pool if c[:2].lower() == head] or pool[:50_000]
    close = difflib.get_close_matches(word, pool, n=n + len(exact_case), cutoff=0.7)
    out: list[str] = []
    for c in exact_case + close:
        if c not in out and c != word:
            out.append(c)
    return out[:n]


class UnknownKeyError(EmbvizError, KeyError):
    """A key is not in the vocabulary. The message suggests the closest keys."""

    def __init__(self, key: str, suggestions: Iterable[str] = ()):
        self.key = key
        self.suggestions = list(suggestions)
        hint = ""
        if self.suggestions:
            hint = "; did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        shown = repr(key) if len(repr(key)) <= 100 else repr(key)[:98] + "…'"
        self.message = f"Key {shown} not present{hint}"
        super().__init__(self.message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


def excerpt(text: str, width: int = 80) -> str:
    """``text`` cut to ``width`` characters (``…`` marks the cut) with unprintable characters shown as ``�``.

    >>> excerpt("king" + chr(0) + " - man")
    'king� - man'
    >>> len(excerpt("x" * 5000))
    80
    """
    text = text if len(text) <= width else text[: width - 1] + "…"
    return "".join(c if c.isprintable() else "\ufffd" for c in text)


def _caret_window(expression: str, position: int, width: int = 70) -> tuple[str, int]:
    """A one-line window of ``expression`` around ``position`` and the caret's column in it."""
    start = max(0, min(position - width // 2, len(expression) - width))
    line = expression[start : start + width]
    column = position - start
    if start > 0:
        line = "…" + line[1:]
    if start + width < len(expression):
        line = line[:-1] + "…"
    return "".join(c if c.isprintable() else "\ufffd" for c in line), column


class ExpressionError(EmbvizError, ValueError):
    """An expression such as ``king - man + woman`` is malformed (or too long, deep or large).

    The message names the 1-based position and shows a caret under it in a one-line window of the
    expression (at most ~70 characters, unprintable characters as ``�``), never the whole text.
    """

    def __init__(self, message: str, *, expression: str = "", position: int | None = None):
        self.expression, self.position, self.reason = expression, position, message
        text = message
        if position is not None:
            text = f"at position {position + 1}: {message}"
            if expression:
                line, column = _caret_window(expression, position)
                text += f"\n  {line}\n  {' ' * column}^"
        super().__init__(text)


class InputError(EmbvizError, ValueError):
    """A value a user typed, linked or uploaded cannot be used; the message says which and why."""


class MissingExtraError(EmbvizError, ImportError):
    """An optional extra (or a package a feature needs) is not installed; the message names the pip command."""


class MissingFileError(EmbeddingFormatError, FileNotFoundError):
    """A file embviz was asked to read, or needs, is not there; the message names it (and how to get it).

    It is both an :class:`EmbeddingFormatError` (a file that cannot be read) and a
    :class:`FileNotFoundError`, so callers that catch either keep working.
    """


class EmbvizWarning(UserWarning):
    """Base class of every warning embviz emits on purpose (the app shows them to the user)."""


class LoadWarning(EmbvizWarning):
    """A file loaded, but something about it deserves a word: values float32 changes (integers
    beyond 2**24, rows that become identical or zero), or keys made up from row numbers."""
