"""Finding keys by text: literal by default, regular expressions within a time budget.

A search runs on a server that many people share, so a pattern must not be able to hold it:
literal search (case-insensitive substring) is the default; a regular expression is compiled and
matched with the ``regex`` module, which takes a ``timeout`` and releases the interpreter lock
while it matches (``concurrent=True``), so one catastrophic pattern (``((\\w|\\w)+)+!``) costs at
most :data:`REGEX_SECONDS` and never stalls other users' requests.

>>> found = find_keys(["king", "queen", "kingdom"], "king")
>>> found.indices.tolist(), found.total
([0, 2], 2)
>>> find_keys(["a", "b"], "(", regex=True)
Traceback (most recent call last):
...
embviz.errors.InputError: The search pattern '(' is not a valid regular expression: missing ) at position 1.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .errors import InputError

MAX_PATTERN = 200        # characters
REGEX_SECONDS = 0.5      # whole search budget for a regular expression
MAX_MATCHES = 2_000      # indices returned (the total is still counted for literal search)


@dataclass
class Found:
    indices: np.ndarray      # row numbers of matching keys, in key order, at most ``limit``
    total: int               # how many keys matched (a lower bound when ``timed_out``)
    timed_out: bool = False

    @property
    def truncated(self) -> bool:
        return self.total > len(self.indices)


def find_keys(keys: list[str], query: str, *, regex: bool = False, limit: int = MAX_MATCHES,
              seconds: float = REGEX_SECONDS) -> Found:
    """Rows of ``keys`` that contain ``query`` (case-insensitive), or match it as a regex.

    Raises :class:`InputError` for an over-long or invalid pattern. A regular expression that does
    not finish within ``seconds`` returns what it found so far with ``timed_out=True``."""
    if len(query) > MAX_PATTERN:
        raise InputError(f"A search may be at most {MAX_PATTERN} characters; this one has {len(query):,}.")
    if not regex:
        low = query.lower()
        hits = [i for i, k in enumerate(keys) if low in k.lower()]
        return Found(np.asarray(hits[:limit], dtype=np.int64), len(hits))
    return _regex(keys, query, limit, seconds)


def _regex(keys: list[str], query: str, limit: int, seconds: float) -> Found:
    import regex as re2

    try:
        pattern = re2.compile(query, re2.V0)
    except re2.error as exc:
        raise InputError(f"The search pattern {query!r} is not a valid regular expression: {exc}.") from None
    except (OverflowError, RecursionError, MemoryError):
        raise InputError(f"The search pattern {query!r} is too complex to compile.") from None
    deadline = time.monotonic() + seconds
    hits: list[int] = []
    for i, key in enumerate(keys):
        left = deadline - time.monotonic()
        if left <= 0:
            return Found(np.asarray(hits[:limit], dtype=np.int64), len(hits), timed_out=True)
        try:
            if pattern.search(key, timeout=left, concurrent=True):
                hits.append(i)
        except TimeoutError:
            return Found(np.asarray(hits[:limit], dtype=np.int64), len(hits), timed_out=True)
    return Found(np.asarray(hits[:limit], dtype=np.int64), len(hits))
