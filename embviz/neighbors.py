"""Nearest neighbours: exact blocked top-k, and approximate k-NN graphs for large sets.

Exact search is a blocked matrix product (``block`` query rows at a time) followed by
:func:`top_columns`, so memory stays at ``block × N`` floats whatever N is. For k-NN *graphs* over
more than ``EXACT_LIMIT`` rows, :class:`NeighbourIndex` switches to Annoy (approximate). Every
method's k-NN (t-SNE, UMAP, TriMap, placing new points, the faithfulness metrics, the model
comparison's neighbour lists, analogy answers) comes from here.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .errors import ParameterError

METRICS = ("cosine", "euclidean")
EXACT_LIMIT = 20_000  # exact k-NN graphs up to here (about a second at 10,000 rows on 2 cores)
# openTSNE builds 50 Annoy trees. On 50,000 points (PCA-100) 20 trees find 95.7 % of the true 90
# neighbours in 7.6 s where 50 find 99.9 % in 12.3 s; t-SNE's affinities barely notice.
ANNOY_TREES = 20
GRAPH_TREES = 50  # knn(): a general-purpose graph; 20 trees recall 0.87 of 10-NN on 16-D noise, 50 more


def check_metric(metric: str, owner: str = "neighbours") -> str:
    if metric not in METRICS:
        raise ParameterError(owner, "metric", f"one of {', '.join(map(repr, METRICS))}", metric)
    return metric


def normalize_rows(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; zero rows stay zero (never NaN)."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)


def _similarity_block(q: np.ndarray, base: np.ndarray, base_sq: np.ndarray | None) -> np.ndarray:
    sims = q @ base.T
    if base_sq is None:  # cosine on pre-normalised rows
        return sims
    q_sq = np.einsum("ij,ij->i", q, q)[:, None]
    d2 = np.maximum(q_sq + base_sq[None, :] - 2.0 * sims, 0.0)
    return -np.sqrt(d2)  # higher is closer, like cosine


def top_columns(values: np.ndarray, k: int, *, largest: bool = True) -> np.ndarray:
    """Column indices of each row's ``k`` largest values (``largest=False``: smallest), best first.

    Exact; equal values come lower column first (which of several equal values at the k-th place
    make the cut is not specified). For a row much longer than ``k`` (``n >= 64 k``) its
    columns are dealt into ``W`` lanes (column ``j`` to lane ``j mod W``): the k largest values lie
    in the k lanes with the largest maxima (any value outside them has k larger lane maxima above
    it), so only those ``k × N / W`` columns are partitioned, after one streaming pass for the lane
    maxima. Shorter rows are one ``argpartition`` of the whole row, which is faster there. Measured
    (CPU, 1,024 rows of cosines of the bundled table): 20,000 columns k = 10 45 ms against 120 ms for
    ``argpartition``, k = 50 61 against 122 ms; 5,000 columns k = 5 16 against 32 ms; 10,000
    columns k = 90 and 2,000 columns k = 90 no gain (argpartition is used).

    >>> top_columns(np.array([[0.1, 0.9, 0.5, 0.9]]), 3).tolist()
    [[1, 3, 2]]
    >>> top_columns(np.array([[3.0, 1.0, 2.0]]), 2, largest=False).tolist()
    [[1, 2]]
    """
    values = np.asarray(values)
    if not largest:
        values = np.negative(values)
    rows, n = values.shape
    k = min(int(k), n)
    width = int(np.sqrt(n * k))
    groups = n // max(width, 1)
    if k >= n:
        cand = np.broadcast_to(np.arange(n), (rows, n))
    elif groups < 4 or 64 * k > n:
        cand = np.argpartition(values, n - k, axis=1)[:, n - k:]
    else:
        m = groups * width
        lane_max = values[:, :m].reshape(rows, groups, width).max(axis=1)
        lanes = np.argpartition(lane_max, width - k, axis=1)[:, width - k:]
        cols = (lanes[:, :, None] + width * np.arange(groups)[None, None, :]).reshape(rows, -1)
        if m < n:  # the last n - m columns are always candidates
            cols = np.concatenate([cols, np.broadcast_to(np.arange(m, n), (rows, n - m))], axis=1)
        vals = np.take_along_axis(values, cols, axis=1)
        best = np.argpartition(vals, vals.shape[1] - k, axis=1)[:, vals.shape[1] - k:]
        cand = np.take_along_axis(cols, best, axis=1)
    cand = np.sort(cand, axis=1)  # equal values: the lower column first, whichever path ran
    scores = np.take_along_axis(values, cand, axis=1)
    order = np.argsort(-scores, axis=1, kind="stable")
    return np.take_along_axis(cand, order, axis=1)


def top_k(
    queries: np.ndarray,
    base: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    exclude: list[np.ndarray] | np.ndarray | None = None,
    block: int = 1024,
    base_is_unit: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` rows of ``base`` closest to each row of ``queries`` (exact).

    Returns ``(indices, scores)``, both ``(len(queries), k)``, best first. Scores are cosine
    similarities, or negative euclidean distances, so that higher always means closer.
    ``exclude`` gives, per query, base indices that must not be returned (for example the
    query itself), either as a 2-D integer array or a list of arrays. ``base_is_unit=True`` says
    the rows of ``base`` already have unit length (``Embeddings.unit_vectors``): cosine then skips
    normalising the whole table again on every call.
    """
    check_metric(metric)
    queries = np.atleast_2d(np.asarray(queries, dtype=np.float32))
    base = np.asarray(base, dtype=np.float32)
    n = base.shape[0]
    if k < 1:
        raise ParameterError("top_k", "k", "a positive integer", k)
    k = min(k, n)
    if metric == "cosine":
        queries, base, base_sq = normalize_rows(queries), base if base_is_unit else normalize_rows(base), None
    else:
        base_sq = np.einsum("ij,ij->i", base, base)
    out_idx = np.empty((len(queries), k), dtype=np.int64)
    out_score = np.empty((len(queries), k), dtype=np.float32)

    def one_block(start: int) -> None:
        stop = min(start + block, len(queries))
        sims = _similarity_block(queries[start:stop], base, base_sq)
        if isinstance(exclude, np.ndarray) and exclude.ndim == 2 and exclude.dtype.kind in "iu":
            sims[np.arange(stop - start)[:, None], exclude[start:stop]] = -np.inf
        elif exclude is not None:
            for row in range(start, stop):
                banned = np.asarray(exclude[row], dtype=np.int64).ravel()
                if banned.size:
                    sims[row - start, banned] = -np.inf
        idx = top_columns(sims, k)
        out_idx[start:stop] = idx
        out_score[start:stop] = np.take_along_axis(sims, idx, axis=1)

    starts = range(0, len(queries), block)
    threads = min(os.cpu_count() or 1, len(starts))
    if threads > 1:
        # argpartition dominates and releases the GIL: blocks on every core (measured 10k x 10k,
        # k=90: 1.8 s in one thread, 0.5 s on 2 cores). Each block writes its own rows.
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(one_block, starts))
    else:
        for start in starts:
            one_block(start)
    return out_idx, out_score


def search_method(method: str, n: int) -> str:
    """``"exact"`` or ``"approx"`` for ``method`` ("auto" resolves by :data:`EXACT_LIMIT`).

    >>> search_method("auto", 20_000), search_method("auto", 20_001), search_method("exact", 10**6)
    ('exact', 'approx', 'exact')
    """
    if method not in ("auto", "exact", "approx"):
        raise ParameterError("neighbours", "method", "one of 'auto', 'exact', 'approx'", method)
    return ("exact" if n <= EXACT_LIMIT else "approx") if method == "auto" else method


class NeighbourIndex:
    """The ``k`` nearest rows of a fixed ``base``, for graphs over it and queries of new rows.

    Exact (blocked matrix products on every core) up to :data:`EXACT_LIMIT` rows, approximate
    above (Annoy, as bundled with openTSNE, with :data:`ANNOY_TREES` trees) when ``method="auto"``.
    Distances are euclidean on the rows as given (unit rows make them rank as cosine). Picklable,
    so a fitted map can be sent to Dask workers with its index.

    >>> x = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    >>> idx, dist = NeighbourIndex(x).graph(3)
    >>> idx.shape, bool((idx != np.arange(50)[:, None]).all()), bool((np.diff(dist, axis=1) >= 0).all())
    ((50, 3), True, True)
    """

    def __init__(self, base: np.ndarray, *, method: str = "auto", seed: int = 0, n_jobs: int | None = None,
                 trees: int = ANNOY_TREES):
        self.base = np.ascontiguousarray(base, dtype=np.float32)
        self.exact = search_method(method, len(self.base)) == "exact"
        self.seed, self.n_jobs, self.trees = seed, n_jobs or (os.cpu_count() or 1), trees
        self._annoy = None

    @property
    def method(self) -> str:
        return "exact" if self.exact else "approx"

    def graph(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, distances)`` of every base row's ``k`` nearest other rows, nearest first."""
        n = len(self.base)
        k = min(k, n - 1)
        if self.exact:
            idx, score = top_k(self.base, self.base, k, metric="euclidean", exclude=np.arange(n)[:, None])
            return idx, np.maximum(-score.astype(np.float64), 0.0)
        return self._approx(k).build()

    def query(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """``(indices, distances)`` of the ``k`` base rows nearest to each query row."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        k = min(k, len(self.base))
        if self.exact:
            idx, score = top_k(queries, self.base, k, metric="euclidean")
            return idx, np.maximum(-score.astype(np.float64), 0.0)
        return self._approx(k).query(queries, k)

    def _approx(self, k: int):
        from openTSNE.nearest_neighbors import Annoy

        if self._annoy is None:
            self._annoy = Annoy(self.base, k, metric="euclidean", n_jobs=self.n_jobs, random_state=self.seed,
                                knn_kwargs={"n_trees": self.trees})
        else:
            self._annoy.k = k
        return self._annoy


def knn(
    x: np.ndarray,
    k: int,
    *,
    metric: str = "cosine",
    approximate: bool | str = "auto",
    seed: int = 0,
) -> np.ndarray:
    """Indices of each row's ``k`` nearest other rows (self excluded), shape ``(N, k)``.

    Exact up to :data:`EXACT_LIMIT` rows; approximate (:class:`NeighbourIndex`, 50 Annoy trees)
    above when ``approximate="auto"``.
    """
    check_metric(metric)
    x = np.asarray(x, dtype=np.float32)
    n = len(x)
    if not 1 <= k < n:
        raise ParameterError("knn", "k", f"in [1, {n - 1}] (fewer than the {n} points)", k)
    method = "auto" if approximate == "auto" else ("approx" if approximate else "exact")
    x = normalize_rows(x) if metric == "cosine" else x
    return NeighbourIndex(x, method=method, seed=seed, trees=GRAPH_TREES).graph(k)[0]


def map_neighbours(coords: np.ndarray, k: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The ``k`` nearest other points on a 2-D/3-D map of each of ``rows`` (default: every point),
    from a k-d tree (~50x cheaper than ranking distance rows). A point's own index is dropped even
    when duplicates tie with it.

    >>> map_neighbours(np.array([[0, 0], [0, 1], [5, 5], [5, 6]]), 1).ravel().tolist()
    [1, 0, 3, 2]
    """
    from scipy.spatial import cKDTree

    coords = np.asarray(coords, dtype=np.float64)
    rows = np.arange(len(coords)) if rows is None else np.asarray(rows)
    idx = cKDTree(coords).query(coords[rows], k=min(k + 1, len(coords)), workers=-1)[1]
    idx = np.asarray(idx).reshape(len(rows), -1)
    order = np.argsort(idx == rows[:, None], axis=1, kind="stable")  # own index last
    return np.take_along_axis(idx, order, axis=1)[:, :k]
