"""Place new points on an existing map: their coordinates, nearest original neighbours and how far
they sit from everything the map was fitted on.

:func:`place` uses the projection's own model (PCA exactly, openTSNE's and UMAP's ``transform``);
a projection without one — it came from the disk cache, or its library has no transform (densMAP,
TriMap) — places each new point at the coordinate-wise median of the map positions of its
``NEIGHBOURS`` (5) nearest fitted points in the original space (:class:`NeighbourModel`; openTSNE
starts new points the same way before optimising them).

Why interpolation and not a lazy refit for cached maps: a refit costs the whole fit again (tens of
seconds for t-SNE at 20,000 points) and is not guaranteed to reproduce the map on the screen
(UMAP with ``deterministic=False``, other thread counts or library versions); interpolation is
instant and lands on the drawn map. Why the median of 5 and not a weighted mean: on 500 held-out
demo words (map of 4,500; recall@10 of the placed point's map neighbours against its true
neighbours) the native transforms reach 0.194 (t-SNE) and 0.097 (UMAP); the median of 5 reaches
0.188 and 0.156, a 1/distance-weighted mean of 10 only 0.056 and 0.049 — a neighbour in another
cluster pulls a mean into the empty space between clusters, a median ignores it.
``bench/projections.py --only placement`` repeats the comparison.

>>> import numpy as np, embviz
>>> rng = np.random.default_rng(0)
>>> emb = embviz.Embeddings([f"w{i}" for i in range(60)], rng.normal(size=(60, 6)))
>>> new = embviz.Embeddings(["n0", "n1"], emb.vectors[:2] + 0.01)
>>> pl = place(embviz.project(emb, "pca", cache=False), emb, new, k=3)
>>> pl.coords.shape, pl.neighbours[0][0][0], pl.kind
((2, 2), 'w0', 'native')
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ParameterError

NEIGHBOURS = 5              # fitted neighbours whose map positions place a new point
OUTLIER_REFERENCE = 2_000   # fitted points whose own nearest-neighbour distance sets the scale
CONFIDENCE = ((0.9, "high"), (0.99, "medium"))  # percentile of the new point's distance -> cue


def _distances(scores: np.ndarray, metric: str) -> np.ndarray:
    """``top_k`` scores (cosine similarity, or minus the euclidean distance) as distances >= 0."""
    return np.maximum(1.0 - scores, 0.0) if metric == "cosine" else np.maximum(-scores, 0.0)


class NeighbourModel:
    """Maps prepared rows to the coordinate-wise median of the map positions of their ``k``
    nearest fitted rows (an exact copy of a fitted row lands on its position)."""

    def __init__(self, fitted: np.ndarray, coords: np.ndarray, k: int = NEIGHBOURS, metric: str = "cosine"):
        self.fitted = np.ascontiguousarray(fitted, dtype=np.float32)
        self.coords = np.asarray(coords, dtype=np.float64)
        self.k, self.metric, self.dim = min(int(k), len(self.fitted)), metric, self.fitted.shape[1]

    def transform(self, x: np.ndarray) -> np.ndarray:
        from ..neighbors import top_k

        idx, scores = top_k(x, self.fitted, self.k, metric=self.metric)
        out = np.median(self.coords[idx], axis=1)
        exact = _distances(scores[:, 0].astype(np.float64), self.metric) <= 1e-6
        out[exact] = self.coords[idx[exact, 0]]
        return out.astype(np.float32)


class Mapper:
    """``rows -> coords``: prepares raw rows as the fit did (unit rows for cosine), then applies
    the model. Small enough to send to every Dask worker once."""

    def __init__(self, model, metric: str, dim: int | None):
        self.model, self.metric, self.dim = model, metric, dim

    def __call__(self, vectors) -> np.ndarray:
        from .base import prepare_rows

        x = np.asarray(vectors, dtype=np.float32)
        if x.ndim == 1:
            x = x[None, :]
        if x.ndim != 2:
            raise ParameterError("transform", "vectors", "a 2-D array (one row per point)", x.shape)
        if self.dim is not None and x.shape[1] != self.dim:
            raise ParameterError("transform", "vectors", f"rows of dimension {self.dim} (the map's vectors)",
                                 f"dimension {x.shape[1]}")
        if not len(x):
            return np.zeros((0, getattr(self.model, "dims", 2)), np.float32)
        out = np.asarray(self.model.transform(prepare_rows(x, self.metric)), dtype=np.float32)
        return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


@dataclass
class Placement:
    """New points on a map.

    ``coords`` (M × dims), ``keys`` of the new points, ``neighbours``: per new point its ``k``
    nearest fitted points as ``(key, similarity)`` (cosine similarity, or minus the euclidean
    distance), ``distance`` to the nearest fitted point, ``percentile``: the share of fitted
    points that sit closer to their own nearest neighbour than this point sits to the map (0.5 =
    typical, 1.0 = farther than any), ``confidence``: ``"high"`` (percentile ≤ 0.9), ``"medium"``
    (≤ 0.99) or ``"low"``, ``kind``: ``"native"`` transform or ``"neighbours"`` interpolation.
    """

    coords: np.ndarray
    keys: list[str]
    neighbours: list[list[tuple[str, float]]]
    distance: np.ndarray
    percentile: np.ndarray
    confidence: list[str]
    kind: str
    method: str

    def __len__(self) -> int:
        return len(self.keys)

    def to_frame(self):
        """One row per new point: key, x, y[, z], nearest, similarity, distance, percentile, confidence."""
        import pandas as pd

        df = pd.DataFrame({"key": self.keys})
        for j, axis in enumerate("xyz"[: self.coords.shape[1]]):
            df[axis] = self.coords[:, j]
        df["nearest"] = [", ".join(k for k, _ in row) for row in self.neighbours]
        df["similarity"] = [row[0][1] if row else np.nan for row in self.neighbours]
        df["distance"], df["percentile"], df["confidence"] = self.distance, self.percentile, self.confidence
        return df


def place(projection, base_emb, new_emb, k: int = 10, *, seed: int = 0) -> Placement:
    """Place ``new_emb`` (an Embeddings, or an M × D array) on the map ``projection`` of ``base_emb``.

    ``base_emb`` holds (at least) the projection's keys; the projection may be of a subset of it.
    A dimension mismatch is a :class:`ParameterError` naming both dimensions.
    """
    from ..embeddings import Embeddings
    from ..neighbors import top_k
    from .base import prepare_rows

    if isinstance(new_emb, Embeddings):
        new_keys, new_x = list(new_emb.keys), new_emb.vectors
    else:
        new_x = np.asarray(new_emb, dtype=np.float32)
        if new_x.ndim != 2:
            raise ParameterError("place", "new_emb", "Embeddings or a 2-D array", new_x.shape)
        new_keys = [f"new{i}" for i in range(len(new_x))]
    if new_x.shape[1] != base_emb.dim:
        raise ParameterError("place", "new_emb", f"vectors of dimension {base_emb.dim} (the map's vectors)",
                             f"vectors of dimension {new_x.shape[1]}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= min(100, len(projection.keys)):
        raise ParameterError("place", "k", f"an integer in [1, {min(100, len(projection.keys))}]", k)
    missing = [key for key in projection.keys[:1000] if key not in base_emb.key_to_index]
    if missing:
        raise ParameterError("place", "base_emb", "the Embeddings the map was fitted on (it lacks "
                             f"{missing[0]!r})", getattr(base_emb, "name", "") or len(base_emb))
    metric = projection.metric
    rows = base_emb.indices(projection.keys)
    fitted = prepare_rows(base_emb.vectors[rows], metric)
    model = projection.model or NeighbourModel(fitted, projection.coords, NEIGHBOURS, metric)
    coords = Mapper(model, metric, base_emb.dim)(new_x)
    x = prepare_rows(new_x, metric)
    idx, scores = top_k(x, fitted, k, metric=metric)
    distance = _distances(scores[:, 0].astype(np.float64), metric)
    reference = _reference_distances(fitted, metric, seed)
    percentile = np.searchsorted(reference, distance, side="left") / len(reference)
    confidence = [next((name for limit, name in CONFIDENCE if p <= limit), "low") for p in percentile]
    keys = projection.keys
    neighbours = [[(keys[j], float(s)) for j, s in zip(r, sr)] for r, sr in zip(idx, scores)]
    kind = "neighbours" if isinstance(model, NeighbourModel) else "native"
    return Placement(coords, new_keys, neighbours, distance, percentile, confidence, kind, projection.method)


def _reference_distances(fitted: np.ndarray, metric: str, seed: int) -> np.ndarray:
    """Sorted distances of (a sample of) fitted points to their own nearest fitted neighbour."""
    from ..neighbors import top_k

    n = len(fitted)
    rows = np.arange(n) if n <= OUTLIER_REFERENCE else np.sort(
        np.random.default_rng(seed).choice(n, OUTLIER_REFERENCE, replace=False))
    _, scores = top_k(fitted[rows], fitted, 1, metric=metric, exclude=rows[:, None])
    return np.sort(_distances(scores[:, 0].astype(np.float64), metric))
