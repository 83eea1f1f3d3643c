"""How real a grouping of words is, in numbers a reader can weigh against chance.

:func:`score_groups` measures any grouping (k-means on the vectors, islands on a map, ...) the
same way: how many words it groups, the **silhouette in the original space** (cosine; whatever
space the groups were found in, so islands of a picture are judged on the vectors too), the
**category purity** (share of a group in its most common category, e.g. WordNet's lexname)
against **random groups of the same sizes**, and the **map agreement** (share of each grouped
word's nearest neighbours on a map that are in its own group) against a random map.

Measured on the bundled table (all 20,000 words; ``bench/clusters.py --purity`` and the shipped
maps' metadata): the islands of the shipped t-SNE map group 51 % of the words at 2.7× chance
purity and stay together on the map; k-means with k = 50 or 100 reaches 3.0× but its groups are
scattered over the map (silhouette about 0.04); k chosen by the silhouette is 2, at 1.6×.

>>> import numpy as np, pandas as pd, embviz
>>> rng = np.random.default_rng(0)
>>> truth = np.repeat([0, 1, 2], 40)
>>> emb = embviz.Embeddings([f"w{i}" for i in range(120)], np.eye(3, 8)[truth] * 5 + rng.normal(size=(120, 8)),
...                         pd.DataFrame({"kind": np.array(["a", "b", "c"])[truth]}))
>>> s = score_groups(emb, truth, coords=np.eye(3, 2)[truth] * 9 + rng.normal(size=(120, 2)), category="kind")
>>> s.groups, s.coverage, s.purity, round(s.silhouette, 1) > 0.5, s.agreement
(3, 1.0, 1.0, True, 1.0)
>>> s.ratio > 2.5
True
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError

SILHOUETTE_SAMPLE = 5_000   # silhouette on at most this many grouped words (a random sample)
CATEGORY_COLUMNS = ("lexname", "category", "group", "label", "topic", "pos")


@dataclass
class GroupScores:
    """See :func:`score_groups`; ``None`` where a number cannot be measured."""

    groups: int
    coverage: float
    silhouette: float | None = None
    silhouette_n: int = 0
    category: str | None = None
    purity: float | None = None
    random_purity: float | None = None
    agreement: float | None = None
    chance: float | None = None
    per_group_agreement: dict[int, float] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        """Purity as a multiple of random groups' purity."""
        if self.purity is None or not self.random_purity:
            return None
        return self.purity / self.random_purity


def category_column(metadata) -> str | None:
    """The column to measure purity by: WordNet's ``lexname`` when there is one, else the first
    categorical column (:func:`embviz.mapview.categorical_columns`) with 2 to 100 values."""
    from .mapview import categorical_columns

    cats = categorical_columns(metadata)
    for name in CATEGORY_COLUMNS:
        if name in cats and 2 <= metadata[name].nunique() <= 100:
            return name
    return next((c for c in cats if 2 <= metadata[c].nunique() <= 100), None)


def score_groups(emb, labels, *, coords=None, category: str | None = None, k: int = 10,
                 sample: int = SILHOUETTE_SAMPLE, seed: int = 0, progress=None) -> GroupScores:
    """Score groups ``labels`` (one per point of ``emb``, ``-1`` = in no group).

    ``coords``: a map of the same points, for map agreement; ``category``: a metadata column
    for purity (default :func:`category_column`; ``""`` for none). ``progress``: see
    :mod:`embviz.progress` (three steps; the scores are quick enough not to stop).
    """
    from .progress import report

    from .clustering import chance_agreement, map_agreement
    from .regions import purity, random_purity

    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(emb),):
        raise ParameterError("score_groups", "labels", f"one label per point ({len(emb)})", labels.shape)
    grouped = labels >= 0
    ids = np.unique(labels[grouped])
    scores = GroupScores(groups=len(ids), coverage=float(grouped.mean()) if len(labels) else 0.0)
    report(progress, 0, 3, "silhouette in the original space")
    scores.silhouette, scores.silhouette_n = _silhouette(emb, labels, sample, seed)
    report(progress, 1, 3, "category purity against random groups")
    column = category_column(emb.metadata) if category is None else (category or None)
    if column is not None and len(ids):
        if column not in emb.metadata.columns:
            raise ParameterError("score_groups", "category", f"a metadata column ({list(emb.metadata.columns)})", column)
        values = emb.metadata[column].astype(str).to_numpy()
        scores.category = column
        scores.purity = float(purity(labels, values)[0])
        scores.random_purity = float(random_purity(labels, values, seed=seed))
    report(progress, 2, 3, "map agreement")
    if coords is not None and len(ids) and grouped.sum() > k:
        overall, per = map_agreement(labels, np.asarray(coords), k=k)
        scores.agreement, scores.per_group_agreement = float(overall), dict(per)
        scores.chance = float(chance_agreement(labels))
    report(progress, 3, 3, "done")
    return scores


def _silhouette(emb, labels: np.ndarray, sample: int, seed: int) -> tuple[float | None, int]:
    rows = np.flatnonzero(labels >= 0)
    if len(np.unique(labels[rows])) < 2 or len(rows) < 3:
        return None, 0
    if len(rows) > sample:
        rows = np.sort(np.random.default_rng(seed).choice(rows, sample, replace=False))
    if len(np.unique(labels[rows])) < 2:
        return None, 0
    from sklearn.metrics import silhouette_score

    x = np.asarray(emb.unit_vectors)[rows]
    return float(silhouette_score(x, labels[rows], metric="cosine")), len(rows)
