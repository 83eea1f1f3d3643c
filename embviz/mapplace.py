"""New points on a drawn map: which rows to place, and the overlay layer the figure draws.

:func:`choose` picks the rows of another table to place (the words named, or its first
:data:`DEFAULT_WORDS`), at most :data:`MAX_POINTS`; :func:`overlay` places them with
:func:`embviz.reduce.place.place` and returns an :class:`Overlay` — coordinates, keys, a
confidence level per point, hover text naming the :data:`SHOWN_NEIGHBOURS` nearest original
points, the table shown beside the map and a one-line caption saying how they were placed.
:func:`embviz.mapview.map_spec` takes it as ``overlay=`` (its labels join the label plan, so they
never overlap the map's labels) and :func:`embviz.figures.scatter.scatter` draws it as its own
layer. No streamlit here.

>>> import numpy as np, embviz
>>> rng = np.random.default_rng(0)
>>> emb = embviz.Embeddings([f"w{i}" for i in range(80)], rng.normal(size=(80, 6)))
>>> new, notes = choose(embviz.Embeddings(["a", "b"], emb.vectors[:2] + 0.01), "b, zz")
>>> new.keys, notes
(['b'], ["'zz' is not in the table"])
>>> ov = overlay(embviz.project(emb, "pca", cache=False), emb, new)
>>> ov.keys, ov.confidence, ov.table()["nearest original neighbours"][0].split(",")[0]
(['b'], ['high'], 'w1 (1.00)')
"""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import InputError, ParameterError

MAX_POINTS = 500          # placed in the server's process, so a request is kept small
DEFAULT_WORDS = 30        # rows placed when no words are named
SHOWN_NEIGHBOURS = 3      # nearest original points named in the hover and the table
LEVELS = ("high", "medium", "low")
STYLE = {"high": ("#1B7F3B", 1.0), "medium": ("#C77C02", 0.85), "low": ("#B3261E", 0.6)}  # colour, opacity
SAYS = {"high": "sits as close to the map as its own points do",
        "medium": "farther from the map than 90% of its points sit from their nearest neighbour",
        "low": "farther from the map than 99% of its points sit from their nearest neighbour"}


def legend_name(level: str) -> str:
    return f"placed · {level} confidence"


def parse_words(text: str | Sequence[str] | None) -> list[str]:
    """Keys from a comma-separated text (or a list), stripped, empty ones and repeats dropped.

    >>> parse_words(" king, queen,,king ")
    ['king', 'queen']
    """
    items = text.split(",") if isinstance(text, str) else list(text or [])
    return list(dict.fromkeys(w.strip() for w in map(str, items) if w.strip()))


def choose(table, words: str | Sequence[str] | None = None, *, limit: int = MAX_POINTS):
    """The rows of ``table`` to place and notes for the reader: the ``words`` named (comma-separated
    text or a list; unknown ones are noted with close keys) or, when none are named, the first
    :data:`DEFAULT_WORDS`; at most ``limit`` (the rest are dropped and noted)."""
    from .errors import suggest

    if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or not 1 <= limit <= MAX_POINTS:
        raise ParameterError("choose", "limit", f"an integer in [1, {MAX_POINTS}]", limit)
    named = parse_words(words)
    notes: list[str] = []
    if not named:
        keys = list(table.keys[: min(DEFAULT_WORDS, limit)])
    else:
        keys = [w for w in named if w in table.key_to_index]
        for w in [w for w in named if w not in table.key_to_index][:5]:
            close = suggest(w, table.keys)
            notes.append(f"{w!r} is not in the table" + (f"; did you mean {', '.join(map(repr, close))}?" if close else ""))
        if len(named) - len(keys) > 5:
            notes.append(f"… and {len(named) - len(keys) - 5} more words not in the table")
    if len(keys) > limit:
        notes.append(f"{len(keys):,} words named; the first {limit:,} are placed (at most {MAX_POINTS:,} at a time)")
        keys = keys[:limit]
    if not keys:
        raise InputError(f"none of the words named is in {table.name or 'the table'!r}: nothing to place")
    return table.subset(keys), notes


def check_dimension(map_dim: int, new_dim: int, map_name: str = "", new_name: str = "") -> None:
    """An :class:`InputError` naming both dimensions unless they match."""
    if int(map_dim) != int(new_dim):
        table = f"table {map_name!r}" if map_name else "table"
        raise InputError(f"{new_name or 'the new points'!r} has vectors of {new_dim} dimensions, but this map's "
                         f"{table} has {map_dim}: new points can only be placed on a map of vectors of the "
                         "same dimension")


@dataclass
class Overlay:
    """Placed points as one layer of a map (see :func:`overlay`); ``placement`` holds everything
    :func:`embviz.reduce.place.place` returned."""

    coords: np.ndarray
    keys: list[str]
    confidence: list[str]
    hover: np.ndarray
    caption: str
    fingerprint: str
    placement: object

    @property
    def legend(self) -> list[str]:
        """The legend entries the layer adds (one per confidence level present)."""
        return [legend_name(level) for level in LEVELS if level in self.confidence]

    def table(self):
        """One row per placed point: key, confidence, distance percentile, nearest original neighbours."""
        import pandas as pd

        pl = self.placement
        return pd.DataFrame({
            "key": self.keys, "confidence": self.confidence,
            "distance percentile": np.round(100 * np.asarray(pl.percentile, dtype=float), 1),
            "nearest original neighbours": [", ".join(f"{k} ({s:.2f})" for k, s in row[:SHOWN_NEIGHBOURS])
                                            for row in pl.neighbours]})


def overlay(proj, base_emb, new_emb, *, k: int = 10, seed: int = 0) -> Overlay:
    """``new_emb`` placed on the map ``proj`` of (rows of) ``base_emb`` as an :class:`Overlay`.

    At most :data:`MAX_POINTS` points (:func:`choose` caps); a dimension mismatch is an
    :class:`InputError` naming both dimensions.
    """
    from .figures.text import escape
    from .reduce.place import NEIGHBOURS, place

    check_dimension(base_emb.dim, new_emb.dim, base_emb.name, new_emb.name)
    if len(new_emb) > MAX_POINTS:
        raise ParameterError("overlay", "new_emb", f"at most {MAX_POINTS} points (choose() caps)", len(new_emb))
    pl = place(proj, base_emb, new_emb, k=min(int(k), len(proj.keys)), seed=seed)
    hover = []
    for key, level, p, row in zip(pl.keys, pl.confidence, pl.percentile, pl.neighbours):
        near = "<br>".join(f"  {escape(n)} ({s:.2f})" for n, s in row[:SHOWN_NEIGHBOURS])
        hover.append(f"<b>{escape(key)}</b> (placed)<br>confidence {level}: it {SAYS[level]} "
                     f"(distance percentile {100 * p:.0f})<br>nearest original points:<br>{near}")
    how = (f"{_label(pl.method)}'s own transform of the fitted map" if pl.kind == "native" else
           f"neighbour interpolation: each at the median map position of its {NEIGHBOURS} nearest original "
           f"points (this {_label(pl.method)} map was not fitted in this process: shipped or from the cache)")
    caption = (f"{len(pl):,} point{'s' if len(pl) != 1 else ''} of {repr(new_emb.name) if new_emb.name else 'the new table'} placed by {how}; "
               "neighbours and confidence are measured in the original space. Placed points are not kept in "
               "saved views or links.")
    h = hashlib.blake2b(digest_size=12)
    h.update(new_emb.fingerprint().encode())
    h.update(np.ascontiguousarray(pl.coords).tobytes())
    return Overlay(np.asarray(pl.coords, dtype=np.float32), list(pl.keys), list(pl.confidence),
                   np.asarray(hover, dtype=object), caption, h.hexdigest(), pl)


def _label(method: str) -> str:
    from .mapview import method_label

    return method_label(method)
