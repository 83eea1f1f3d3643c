"""Search on a map: a word's neighbours in the whole table and their rows among the points drawn,
or the keys that contain (or match) a text — and the keys every sample must keep
(:func:`keep_keys`: the searched word, its neighbours, highlighted words).

>>> import numpy as np, embviz
>>> emb = embviz.Embeddings(["king", "queen", "man", "kingdom"], np.eye(4, 3) + 0.1)
>>> found = search(emb, emb, "king", k=2)
>>> found.is_word, found.query, len(found.drawn)
(True, 0, 2)
>>> search(emb, emb, "kin").matches.tolist()
[0, 3]
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import EmbvizError, UnknownKeyError

MAX_MATCHES = 2_000       # highlighted matches of a text search


@dataclass
class Found:
    """What a search found: a word's neighbours (in the whole table, original space) and their rows
    among the drawn points, or the rows whose key contains (or matches) the text."""

    text: str = ""
    regex: bool = False
    neighbors: list[tuple[str, float]] = field(default_factory=list)
    query: int | None = None                       # row of the searched word among the points drawn
    drawn: list[int] = field(default_factory=list)  # rows of its neighbours among the points drawn
    matches: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    total: int = 0
    truncated: bool = False
    timed_out: bool = False
    error: EmbvizError | None = None               # a bad pattern
    unknown: UnknownKeyError | None = None         # the text is not a key (with suggestions)

    @property
    def is_word(self) -> bool:
        return bool(self.neighbors)


def neighbours_of(full, text: str, *, regex: bool = False, k: int = 10) -> list[tuple[str, float]]:
    """The ``k`` nearest keys of ``text`` in ``full`` when it is a key (and not a pattern)."""
    if not text or regex or text not in full:
        return []
    return full.most_similar(text, topn=min(int(k), max(1, len(full) - 1)))


def keep_keys(full, text: str, *, regex: bool = False, k: int = 10, pins: Sequence[str] = ()) -> list[str]:
    """Keys every sample must contain: the searched word, its neighbours and highlighted words."""
    keys = [w for w, _ in neighbours_of(full, text, regex=regex, k=k)]
    keys = ([text] if keys else []) + keys + [w for w in pins if w in full]
    return list(dict.fromkeys(keys))


def search(full, emb, text: str, *, regex: bool = False, k: int = 10, limit: int = MAX_MATCHES) -> Found:
    """Search ``text`` among the points ``emb`` drawn from the table ``full``."""
    from .search import find_keys

    found = Found(text=text, regex=regex)
    if not text:
        return found
    found.neighbors = neighbours_of(full, text, regex=regex, k=k)
    if found.neighbors:
        where = emb.key_to_index
        found.query = where.get(text)
        found.drawn = [where[w] for w, _ in found.neighbors if w in where] if found.query is not None else []
        return found
    try:
        hits = find_keys(emb.keys, text, regex=regex, limit=limit)
    except EmbvizError as exc:
        found.error = exc
        return found
    found.matches, found.total = hits.indices, hits.total
    found.truncated, found.timed_out = hits.truncated, hits.timed_out
    if not regex:
        try:
            full.index(text)
        except UnknownKeyError as exc:
            found.unknown = exc
    return found


def pin_rows(full, emb, words: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Rows of highlighted ``words`` among the points drawn, and a plain sentence per word not drawn."""
    rows, problems = [], []
    for w in words:
        if w in emb.key_to_index:
            rows.append(emb.key_to_index[w])
        elif w in full:
            problems.append(f"{w!r} is not among the points drawn (sampled out)")
        else:
            try:
                full.index(w)
            except UnknownKeyError as exc:
                problems.append(str(exc).strip("'\""))
    return np.array(rows, dtype=np.int64), problems
