"""How faithful is a picture? Neighbourhood and distance metrics for every projection.

* **Trustworthiness@k** (Venna & Kaski): are the points that look close in the map really close?
  Every map neighbour that is not among the k nearest in the original space costs its excess rank.
  Equal to :func:`sklearn.manifold.trustworthiness` for the same k and metric.
* **Continuity@k**: the mirror image — are the true neighbours still close in the map?
* **kNN recall@k**: the share of each point's k nearest neighbours that stay among its k nearest
  in the map (also the per-point score the plots colour by).
* **Spearman**: rank correlation of pairwise distances on a sample of points (global shape).
* :func:`neighbour_comparison`: one word's neighbours kept, lost or invented by a map.

scikit-learn ranks the full N × N distance matrix (1.9 GB at 10,000 points). Here the work runs in
blocks of rows: each block's distance rows are sorted once and the ranks of just the needed pairs
are looked up, so memory is ``block × N`` whatever N is. Above ``sample`` points the metrics are
computed exactly for a random sample of query points against all points (the estimate is
unbiased; 1,000 queries are typically within 0.002), and the sample size is reported.

>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(200, 5))
>>> trustworthiness(x, x[:, :2], k=5, metric="euclidean") < 1.0
True
>>> round(trustworthiness(x, 3 * x + 1, k=5, metric="euclidean"), 6)
1.0
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from .errors import ParameterError
from .neighbors import check_metric, map_neighbours, normalize_rows, top_columns, top_k

if TYPE_CHECKING:
    import pandas as pd

BLOCK = 512


def _matrix(data, keys=None) -> np.ndarray:
    """Vectors from an Embeddings (rows reordered to ``keys`` when given) or an array."""
    if hasattr(data, "vectors") and hasattr(data, "keys"):
        if keys is not None and list(keys) != list(data.keys):
            return data.vectors[data.indices(keys)]
        return data.vectors
    arr = np.asarray(data)
    if arr.ndim != 2:
        raise ParameterError("quality", "data", "a 2-D array or Embeddings", arr.shape)
    return arr


def _coords(projection) -> tuple[np.ndarray, list[str] | None]:
    if hasattr(projection, "coords"):
        return np.asarray(projection.coords), list(projection.keys)
    return np.asarray(projection), None


def _pair(emb, projection, metric: str, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """The original vectors (in the projection's key order) and the map's coordinates, checked."""
    check_metric(metric, owner)
    y, keys = _coords(projection)
    x = _matrix(emb, keys)
    if len(y) != len(x):
        raise ParameterError(owner, "projection", f"coordinates for the {len(x)} points", len(y))
    return x, y


class _Space:
    """Distances from a block of rows to every row, in a form that ranks like the metric."""

    def __init__(self, x: np.ndarray, metric: str):
        dtype = np.float64 if x.dtype == np.float64 else np.float32
        x = np.ascontiguousarray(x, dtype=dtype)
        self.metric = metric
        if metric == "cosine":
            self.x = normalize_rows(x).astype(dtype, copy=False)
            self.sq = None
        else:
            self.x = x
            self.sq = np.einsum("ij,ij->i", x, x)

    def block(self, rows: np.ndarray) -> np.ndarray:
        q = self.x[rows]
        prod = q @ self.x.T
        if self.sq is None:
            d = 1.0 - prod
        else:
            d = np.maximum(self.sq[rows][:, None] + self.sq[None, :] - 2.0 * prod, 0.0)
        d[np.arange(len(rows)), rows] = np.inf  # a point is not its own neighbour
        return d


def _ranks(d: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """1-based rank of ``d[r, cols[r, j]]`` within row ``d[r]``: 1 + how many are strictly smaller.

    Each row is sorted once (numpy's sort of a 10,000-float row takes ~0.4 ms) and the k query
    values are looked up in it; bucketing the row against the k values instead is slower in numpy.
    """
    values = np.take_along_axis(d, cols, axis=1)
    srt = np.sort(d, axis=1)
    out = np.empty(cols.shape, dtype=np.int64)
    for r in range(len(d)):
        out[r] = np.searchsorted(srt[r], values[r], side="left")
    return out + 1


def neighbourhood_stats(x: np.ndarray, y: np.ndarray, ks, rows: np.ndarray, metric: str = "cosine",
                        block: int = BLOCK, parts: tuple[str, ...] = ("trust", "cont")) -> dict[int, dict[str, np.ndarray]]:
    """Per query row and k: trustworthiness penalty (``"trust"``), continuity penalty and recall
    count (``"cont"``: both need the same ranks). Asking for one part does half the work."""
    sx, sy = _Space(x, metric), _Space(y, "euclidean")
    ks = sorted({int(k) for k in ks})
    kmax = ks[-1]
    out = {k: {"trust": np.zeros(len(rows)), "cont": np.zeros(len(rows)), "hits": np.zeros(len(rows))} for k in ks}

    map_nn = map_neighbours(sy.x, kmax, rows) if "trust" in parts and sy.x.shape[1] <= 3 else None

    def one_block(start: int) -> None:
        b = rows[start:start + block]
        dx = sx.block(b)
        dy = sy.block(b) if "cont" in parts or map_nn is None else None
        sl = slice(start, start + len(b))
        if "trust" in parts:  # ranks in the original space of the map's neighbours
            if map_nn is not None:
                ny = map_nn[start:start + len(b)]
            else:
                ny = top_columns(dy, kmax, largest=False)
            rank_x_of_ny = _ranks(dx, ny)
            for k in ks:
                out[k]["trust"][sl] = np.maximum(rank_x_of_ny[:, :k] - k, 0).sum(axis=1)
        if "cont" in parts:  # ranks on the map of the true neighbours
            rank_y_of_nx = _ranks(dy, top_columns(dx, kmax, largest=False))
            for k in ks:
                out[k]["cont"][sl] = np.maximum(rank_y_of_nx[:, :k] - k, 0).sum(axis=1)
                out[k]["hits"][sl] = (rank_y_of_nx[:, :k] <= k).sum(axis=1)

    starts = range(0, len(rows), block)
    threads = min(os.cpu_count() or 1, len(starts))
    if threads > 1:  # sorting dominates and releases the GIL: blocks run on every core
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one_block, starts))
    else:
        for start in starts:
            one_block(start)
    return out


def _normaliser(n: int, k: int) -> float:
    return 2.0 / (n * k * (2.0 * n - 3.0 * k - 1.0))


def _check_k(k: int, n: int, owner: str = "quality") -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n / 2:
        raise ParameterError(owner, "k", f"an integer in [1, n_samples / 2) = [1, {n / 2:g})", k)
    return int(k)


def trustworthiness(x, y, k: int = 5, metric: str = "cosine") -> float:
    """Trustworthiness of the map ``y`` of ``x`` (exact; equals scikit-learn's).

    ``metric`` is the original space's metric ("cosine" or "euclidean"); the map is euclidean.
    """
    check_metric(metric, "trustworthiness")
    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    k = _check_k(k, n, "trustworthiness")
    stats = neighbourhood_stats(x, y, [k], np.arange(n), metric, parts=("trust",))
    return float(1.0 - _normaliser(n, k) * stats[k]["trust"].sum())


def continuity(x, y, k: int = 5, metric: str = "cosine") -> float:
    """Continuity (trustworthiness with the roles of the spaces swapped)."""
    check_metric(metric, "continuity")
    n = len(x)
    k = _check_k(k, n, "continuity")
    stats = neighbourhood_stats(np.asarray(x), np.asarray(y), [k], np.arange(n), metric, parts=("cont",))
    return float(1.0 - _normaliser(n, k) * stats[k]["cont"].sum())


def _pairwise(x: np.ndarray, metric: str) -> np.ndarray:
    from scipy.spatial.distance import pdist

    return pdist(np.asarray(x, dtype=np.float64), metric=metric)


def spearman(x, y, *, metric: str = "cosine", sample: int = 1000, seed: int = 0) -> float:
    """Spearman correlation between original and map distances over pairs of sampled points."""
    from scipy.stats import spearmanr

    x, y = np.asarray(x), np.asarray(y)
    n = len(x)
    rows = np.arange(n) if n <= sample else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    dx, dy = _pairwise(x[rows], metric), _pairwise(y[rows], "euclidean")
    if dx.size < 2 or np.ptp(dx) == 0 or np.ptp(dy) == 0:
        return float("nan")
    return float(spearmanr(dx, dy).statistic)


def quality(emb, projection, k=(10, 50), *, metric: str = "cosine", sample: int = 10_000, seed: int = 0) -> dict:
    """Every faithfulness metric of ``projection`` (a Projection or an N × d array) of ``emb``.

    Keys: ``trustworthiness@k``, ``continuity@k``, ``knn_recall@k`` for each k, ``spearman``,
    ``n``, ``sampled`` (bool) and ``sample_size`` (query points used).

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(100, 4))
    >>> q = quality(x, x.copy(), k=(5,), metric="euclidean")
    >>> q["trustworthiness@5"], q["continuity@5"], q["knn_recall@5"], round(q["spearman"], 6)
    (1.0, 1.0, 1.0, 1.0)
    """
    x, y = _pair(emb, projection, metric, "quality")
    n = len(x)
    ks = [k] if isinstance(k, (int, np.integer)) else list(k)
    if not ks:
        raise ParameterError("quality", "k", "at least one neighbourhood size", k)
    ks = [_check_k(kk, n) for kk in ks]
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 10:
        raise ParameterError("quality", "sample", "an integer >= 10", sample)
    sampled = n > sample
    rows = np.arange(n) if not sampled else np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
    stats = neighbourhood_stats(x, y, ks, rows, metric)
    out: dict = {}
    scale = n / len(rows)
    for kk in ks:
        s = stats[kk]
        out[f"trustworthiness@{kk}"] = float(1.0 - _normaliser(n, kk) * s["trust"].sum() * scale)
        out[f"continuity@{kk}"] = float(1.0 - _normaliser(n, kk) * s["cont"].sum() * scale)
        out[f"knn_recall@{kk}"] = float(s["hits"].mean() / kk)
    out["spearman"] = spearman(x, y, metric=metric, sample=min(1000, n), seed=seed)
    out.update(n=n, sampled=sampled, sample_size=len(rows))
    return out


def per_point_quality(emb, projection, k: int = 10, *, metric: str = "cosine") -> np.ndarray:
    """Neighbourhood preservation of every point: the share of its k nearest neighbours in the
    original space that are also among its k nearest in the map (0 = the map lies here).

    >>> import numpy as np
    >>> x = np.random.default_rng(0).normal(size=(50, 3))
    >>> per_point_quality(x, x * 2, k=5, metric="euclidean").min()
    np.float64(1.0)
    """
    x, y = _pair(emb, projection, metric, "per_point_quality")
    n = len(x)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k < n:
        raise ParameterError("per_point_quality", "k", f"an integer in [1, {n - 1}]", k)
    self_idx = np.arange(n)[:, None]
    nx, _ = top_k(x, x, k, metric=metric, exclude=self_idx)
    ny, _ = top_k(np.asarray(y, np.float32), np.asarray(y, np.float32), k, metric="euclidean", exclude=self_idx)
    nx.sort(axis=1)
    ny.sort(axis=1)
    hits = np.array([np.intersect1d(a, b, assume_unique=True).size for a, b in zip(nx, ny)])
    return hits / float(k)


def neighbour_comparison(
    emb, coords: np.ndarray, keys: Sequence[str], word: str, k: int = 10
) -> pd.DataFrame:
    """The ``k`` nearest neighbours of ``word`` in the original space (cosine) and on the map
    (euclidean distance in ``coords``, rows = ``keys``, a subset of ``emb``): each neighbour is
    ``kept`` (in both), ``lost`` (only in the original space) or ``invented`` (only on the map).

    >>> from embviz import Embeddings
    >>> emb = Embeddings(["a", "b", "c", "d"], [[1, 0], [0.9, 0.1], [0, 1], [-1, 0]])
    >>> xy = np.array([[0, 0], [5, 0], [1, 0], [9, 0]])
    >>> neighbour_comparison(emb, xy, emb.keys, "a", k=1)[["key", "status"]].values.tolist()
    [['b', 'lost'], ['c', 'invented']]
    """
    import pandas as pd

    coords = np.asarray(coords, dtype=np.float64)
    keys = list(keys)
    pos = {w: i for i, w in enumerate(keys)}
    if word not in pos:
        raise ParameterError("neighbour_comparison", "word", "a key that is on the map", word)
    k = min(k, len(keys) - 1)
    sub = emb.unit_vectors[emb.indices(keys)]
    cos = sub @ sub[pos[word]]
    dist = np.linalg.norm(coords - coords[pos[word]], axis=1)
    cos[pos[word]], dist[pos[word]] = -np.inf, np.inf
    orig = list(np.argsort(-cos, kind="stable")[:k])
    mapped = list(np.argsort(dist, kind="stable")[:k])
    rank_o = {i: r + 1 for r, i in enumerate(np.argsort(-cos, kind="stable"))}
    rank_m = {i: r + 1 for r, i in enumerate(np.argsort(dist, kind="stable"))}
    rows = []
    for i in dict.fromkeys(orig + mapped):
        status = "kept" if i in orig and i in mapped else ("lost" if i in orig else "invented")
        rows.append(
            {
                "key": keys[i],
                "status": status,
                "cosine": float(cos[i]),
                "rank in space": rank_o[i],
                "map distance": float(dist[i]),
                "rank on map": rank_m[i],
            }
        )
    return pd.DataFrame(rows)
