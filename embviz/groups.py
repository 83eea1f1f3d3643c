"""Watch it learn: semantic groups that training should pull together, and how far it does.

:data:`GROUPS` lists a few kinds of words nearly every English corpus has (numbers, family,
colours, body parts, animals, metals, food and drink, times of day, days, months).
:func:`semantic_groups` keeps the ones a vocabulary holds (its most frequent members), and
:func:`group_similarity` measures, at every snapshot of a training run
(:attr:`embviz.train.TrainedEmbeddings.snapshots`), the mean cosine similarity of words *within*
a group against words of *different* groups. At the random start both are about 0; as word2vec
learns, the within-group similarity climbs above the between-group one — learning made visible
and measured. The figures are :func:`embviz.figures.training.group_similarity_figure` and
:func:`embviz.figures.training.groups_animation`.

Vectors are centred first (the mean vector of the snapshot's words is subtracted): word2vec's
vectors share a common direction that lifts *every* similarity and would hide the gap.

>>> import numpy as np
>>> semantic_groups(["the", "red", "two", "blue", "one", "green", "of"], min_size=2)
{'numbers': ['two', 'one'], 'colours': ['red', 'blue', 'green']}
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import ParameterError

GROUPS: dict[str, tuple[str, ...]] = {
    "numbers": ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
                "twelve", "twenty", "thirty", "forty", "fifty", "hundred", "thousand"),
    "family": ("father", "mother", "son", "daughter", "brother", "sister", "wife", "husband", "children",
               "sons", "daughters", "brothers", "uncle", "aunt", "cousin", "parents", "child"),
    "colours": ("red", "blue", "green", "yellow", "white", "black", "purple", "scarlet", "brown", "crimson",
                "grey", "gray", "pink"),
    "body": ("head", "hand", "hands", "eye", "eyes", "face", "heart", "foot", "feet", "arm", "arms", "mouth",
             "blood", "bones", "ear", "ears", "neck", "lips", "tongue", "shoulder"),
    "animals": ("horse", "horses", "sheep", "ox", "oxen", "lion", "dog", "dogs", "goat", "goats", "cattle",
                "camel", "camels", "lamb", "bird", "birds", "cat", "cow", "ass"),
    "metals": ("gold", "silver", "brass", "iron", "copper", "bronze", "steel"),
    "food and drink": ("bread", "wine", "water", "meat", "milk", "honey", "oil", "corn", "fruit", "flour",
                       "tea", "coffee", "cake", "butter"),
    "times of day": ("morning", "evening", "night", "noon", "midnight", "dawn", "afternoon", "day"),
    "days": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "sabbath"),
    "months": ("january", "february", "april", "june", "july", "august", "september", "october",
               "november", "december"),
}
"""Word lists per group (lower case); only the words a vocabulary holds are used. Words with a
common second sense are left out ("lead", "tin", "orange", "may", "march")."""


def semantic_groups(keys: Sequence[str], *, groups: Mapping[str, Sequence[str]] | None = None,
                    min_size: int = 3, max_size: int = 10) -> dict[str, list[str]]:
    """The groups of :data:`GROUPS` (or ``groups``) present in ``keys``: each group's words that
    are keys, in the order of ``keys`` (frequency order in a trained vocabulary), at most
    ``max_size`` of them; groups with fewer than ``min_size`` words are left out. A word is in at
    most one group (the first that lists it)."""
    for name, value, low in (("min_size", min_size, 2), ("max_size", max_size, 2)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ParameterError("semantic_groups", name, f"an integer >= {low}", value)
    position = {k: i for i, k in enumerate(keys)}
    taken: set[str] = set()
    out: dict[str, list[str]] = {}
    for name, words in (GROUPS if groups is None else groups).items():
        present = sorted({w for w in words if w in position and w not in taken}, key=position.__getitem__)
        present = present[:max_size]
        if len(present) >= min_size:
            out[name] = present
            taken.update(present)
    return out


def group_similarity(trained, groups: Mapping[str, Sequence[str]] | None = None, *,
                     centre: bool = True) -> pd.DataFrame:
    """Per snapshot (epoch 0 = the random start): mean cosine similarity within groups, between
    groups, their gap, and the within-group mean of each group (one column per group).

    ``trained``: a :class:`embviz.train.TrainedEmbeddings` with snapshots. ``groups``: name ->
    words (default :func:`semantic_groups` of its snapshot words). "within" averages the groups'
    own means (every group counts the same); "between" averages over all pairs of words of
    different groups.
    """
    snapshots = getattr(trained, "snapshots", None)
    if not snapshots:
        raise ParameterError("group_similarity", "trained", "embeddings trained with snapshots=True", "no snapshots")
    keys = list(trained.snapshot_keys)
    groups = semantic_groups(keys) if groups is None else {g: list(ws) for g, ws in groups.items()}
    index = {k: i for i, k in enumerate(keys)}
    groups = {g: [w for w in ws if w in index] for g, ws in groups.items()}
    groups = {g: ws for g, ws in groups.items() if len(ws) >= 2}
    if len(groups) < 2:
        raise ParameterError("group_similarity", "groups", "at least two groups of two or more snapshot words",
                             sorted(groups))
    rows = np.concatenate([[index[w] for w in ws] for ws in groups.values()])
    member = np.repeat(np.arange(len(groups)), [len(ws) for ws in groups.values()])
    same = member[:, None] == member[None, :]
    off = ~np.eye(len(rows), dtype=bool)
    records = []
    for epoch, snap in enumerate(snapshots):
        x = np.asarray(snap, dtype=np.float64)
        v = x[rows] - x.mean(axis=0) if centre else x[rows]
        v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        sims = v @ v.T
        per = {g: float(sims[np.ix_(member == j, member == j)][off[np.ix_(member == j, member == j)]].mean())
               for j, g in enumerate(groups)}
        within = float(np.mean(list(per.values())))
        between = float(sims[~same].mean())
        records.append({"epoch": epoch, "within": within, "between": between, "gap": within - between, **per})
    table = pd.DataFrame(records)
    table.attrs["groups"] = groups
    return table
