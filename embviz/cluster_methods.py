"""The clustering methods behind :func:`embviz.clustering.cluster`: their registry
(:data:`CLUSTERERS`, one :class:`Clusterer` per method with its :class:`~embviz.params.ParamSpec`
table — kinds, bounds, "auto" as a value) and the fitting of k-means, HDBSCAN and agglomerative
clustering. Interfaces list methods and build widgets from :data:`CLUSTERERS`.

**Add a method**: a :class:`Clusterer` subclass (``name``, ``label``, ``PARAMS`` with bounds, a
``fit`` classmethod returning ``(labels, resolved, sampled, stopped)``) decorated with
:func:`register_clusterer`.
"""
from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from .errors import ParameterError
from .params import AUTO, ParamSpec
from .progress import report

AUTO_K_SAMPLE = 2_000          # k="auto" compares candidate k on a sample of this size
AGGLOMERATIVE_MAX = 5_000      # average linkage is O(N²) memory: fit on a sample, assign the rest
HDBSCAN_REDUCE_ABOVE = 5_000   # HDBSCAN in the original space runs on a PCA copy above this size
HDBSCAN_REDUCED_DIMS = 10
NOISE = -1
MAX_K = 1_000


class Clusterer:
    """A clustering method as the interfaces see it: name, label, description, parameters, and
    :meth:`fit`. Subclasses are added to :data:`CLUSTERERS` with :func:`register_clusterer`."""

    @classmethod
    def spec_default(cls, name: str):
        return next(p.default for p in cls.PARAMS if p.name == name)

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""                 # in messages ("The 'k' parameter of KMeans …")
    menu: ClassVar[str] = ""                  # how a menu names it (``label`` when empty)
    description: ClassVar[str] = ""
    PARAMS: ClassVar[list[ParamSpec]] = []
    EXTRA: ClassVar[tuple[str, ...]] = ()     # accepted names checked by the method itself
    NULLABLE: ClassVar[tuple[str, ...]] = ()  # parameters where None means "off"
    START: ClassVar[dict[str, Any]] = {}      # where an interactive reader starts, when not the default

    @classmethod
    def fit(cls, x: np.ndarray, metric: str, seed: int, progress, params: dict) -> tuple:
        """Labels of the rows of ``x`` (``-1`` = noise) for checked ``params``:
        ``(labels, resolved params, sampled {what: n}, stopped)``."""
        raise NotImplementedError(f"{cls.__name__}.fit")

    @classmethod
    def adapt(cls, params: dict, n: int) -> dict:
        """``params`` with values ``n`` points cannot take lowered (override; e.g. k below n)."""
        return dict(params)

    @classmethod
    def starting(cls, n: int) -> dict:
        """The values a control starts from on ``n`` points: defaults, then ``START``, adapted to ``n``.

        >>> CLUSTERERS["kmeans"].starting(30)["k"], CLUSTERERS["kmeans"].starting(20_000)["k"]
        (29, 50)
        """
        return cls.adapt({**{p.name: p.default for p in cls.PARAMS}, **cls.START}, n)

    @classmethod
    def check(cls, params: dict) -> dict:
        """The given parameters checked against their declared kinds and bounds (data-dependent
        limits are checked when the method runs)."""
        known = {p.name: p for p in cls.PARAMS}
        out = {}
        for name, value in params.items():
            spec = known.get(name)
            if name in cls.EXTRA:
                out[name] = value
            elif spec is None:
                raise ParameterError(cls.label, name, "one of the known parameters "
                                     f"{', '.join([*known, *cls.EXTRA])}", value)
            elif value is None and (spec.default is None or name in cls.NULLABLE):
                out[name] = None
            else:
                out[name] = spec.check(cls.label, value)
        return out


def _k_below_n(params: dict, n: int) -> dict:
    params = dict(params)
    if isinstance(params.get("k"), int) and not isinstance(params["k"], bool):
        params["k"] = max(2, min(params["k"], n - 1))
    return params


def register_clusterer(cls: type[Clusterer]) -> type[Clusterer]:
    """Add a clustering method to :data:`CLUSTERERS` (a class decorator); :func:`embviz.cluster`,
    the Clusters page and its parameter widgets list it from then on."""
    if not (isinstance(cls, type) and issubclass(cls, Clusterer)):
        raise TypeError(f"a clusterer must subclass Clusterer, not {cls!r}")
    if not cls.name or not isinstance(cls.name, str) or cls.name == "islands":
        raise TypeError("a clusterer needs a name (and 'islands' is the Clusters page's own)")
    if cls.fit.__func__ is Clusterer.fit.__func__:
        raise TypeError(f"{cls.name} must define fit(x, metric, seed, progress, params)")
    for spec in cls.PARAMS:
        if not isinstance(spec, ParamSpec):
            raise TypeError(f"{cls.name}.PARAMS must hold ParamSpec objects, not {spec!r}")
    CLUSTERERS[cls.name] = cls
    return cls


CLUSTERERS: dict[str, type[Clusterer]] = {}
METHODS = CLUSTERERS.keys()  # a live view: a registered method is a valid name at once


@register_clusterer
class KMeansClusterer(Clusterer):
    name, label, menu = "kmeans", "KMeans", "k-means"
    description = "k-means on unit vectors (close to spherical k-means): k groups of similar size."
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("k", "int", 20, low=2, high=MAX_K, auto="the best silhouette for k in [k_min, k_max]",
                  help=f"Number of clusters, or auto: the best silhouette for k in [k_min, k_max], compared on "
                       f"a sample of {AUTO_K_SAMPLE:,} (on word vectors usually k = 2: read the purity it gets)."),
        ParamSpec("k_min", "int", 2, low=2, high=MAX_K, help="Smallest k tried by k=auto."),
        ParamSpec("k_max", "int", 30, low=3, high=200, help="Largest k tried by k=auto."),
        ParamSpec("n_init", "int", 1, low=1, high=100, help="Restarts (the best is kept)."),
        ParamSpec("max_iter", "int", 100, low=1, high=10_000, help="Iterations per run."),
    ]
    EXTRA = ("k_range",)  # (low, high), the older spelling of k_min/k_max
    START = {"k": 50}     # k = 50 reaches 3x chance purity on word vectors (bench/clusters.py --purity)

    @classmethod
    def fit(cls, x, metric, seed, progress, params):
        return _kmeans(x, metric, seed, progress, params)

    @classmethod
    def adapt(cls, params, n):
        return _k_below_n(params, n)


@register_clusterer
class HDBSCANClusterer(Clusterer):
    name, label = "hdbscan", "HDBSCAN"
    description = "Density-based: finds as many clusters as the data holds and leaves the rest as noise."
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("min_cluster_size", "int", AUTO, low=2, high=100_000, auto="0.25 % of N in [5, 50]",
                  help="The smallest group that counts as a cluster."),
        ParamSpec("min_samples", "int", AUTO, low=1, high=100_000, auto="min(min_cluster_size, 10)",
                  help="How conservative the clustering is (larger: more noise)."),
        ParamSpec("reduce_to", "int", AUTO, low=2, high=10_000, auto=f"{HDBSCAN_REDUCED_DIMS} dims above "
                  f"{HDBSCAN_REDUCE_ABOVE:,} points in the original space", help="PCA dimensions first (None: off)."),
        ParamSpec("cluster_selection_method", "choice", "eom", choices=("eom", "leaf")),
    ]
    NULLABLE = ("reduce_to",)

    @classmethod
    def fit(cls, x, metric, seed, progress, params):
        return _hdbscan(x, metric, seed, progress, params)


@register_clusterer
class AgglomerativeClusterer(Clusterer):
    name, label, menu = "agglomerative", "AgglomerativeClustering", "Agglomerative (average linkage)"
    description = "Average linkage on cosine distance: merges the closest groups until k remain."
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("k", "int", 20, low=2, high=MAX_K, help="Number of clusters (or give distance_threshold)."),
        ParamSpec("distance_threshold", "float", None, low=0, high=2, exclusive_low=True,
                  help="Stop merging at this cosine distance instead of at k clusters."),
        ParamSpec("max_points", "int", AGGLOMERATIVE_MAX, low=10, high=50_000,
                  help="Fit on at most this many points; the rest join the nearest cluster centre."),
    ]

    @classmethod
    def fit(cls, x, metric, seed, progress, params):
        return _agglomerative(x, metric, seed, progress, params)

    @classmethod
    def adapt(cls, params, n):
        return _k_below_n(params, n)


def _int_param(owner: str, name: str, value: Any, low: int, high: int, rule: str | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ParameterError(owner, name, rule or f"an integer in [{low}, {high}]", value)
    return int(value)


def _check_k(owner: str, k: Any, n: int) -> int:
    return _int_param(owner, "k", k, 2, n - 1, f"an integer in [2, {n - 1}] (fewer clusters than the {n} points)")


# -- k-means -----------------------------------------------------------------------------------
def _kmeans(x, metric, seed, progress, params):
    from sklearn.cluster import KMeans

    n = len(x)
    k = params.get("k", KMeansClusterer.spec_default("k"))
    n_init, max_iter = params.get("n_init", 1), params.get("max_iter", 100)
    resolved: dict[str, Any] = {"n_init": n_init, "max_iter": max_iter}
    sampled: dict[str, int] = {}
    stopped = False
    if isinstance(k, str) and k == "auto":
        k_range = params.get("k_range", (params.get("k_min", 2), params.get("k_max", 30)))
        k, scores, n_auto, stopped = _choose_k(x, metric, seed, progress, k_range, n_init)
        resolved.update(k_auto=True, k_scores=scores)
        if n_auto < n:
            sampled["k_choice"] = n_auto
    else:
        k = _check_k("KMeans", k, n)
    report(progress, 1, 3, f"k-means with k={k}")
    model = KMeans(n_clusters=k, n_init=n_init, max_iter=max_iter, random_state=seed).fit(x)
    resolved.update(k=k, inertia=float(model.inertia_), iterations=int(model.n_iter_))
    return model.labels_, resolved, sampled, stopped


def _k_candidates(k_range: Any, n: int) -> list[int]:
    ok = (isinstance(k_range, (tuple, list)) and len(k_range) == 2
          and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in k_range)
          and 2 <= k_range[0] < k_range[1] <= 200)
    if not ok:
        raise ParameterError("KMeans", "k_range", "a pair (low, high) of integers with 2 <= low < high <= 200",
                             k_range)
    low, high = int(k_range[0]), min(int(k_range[1]), n - 1)
    if low > high:
        raise ParameterError("KMeans", "k_range", f"within [2, {n - 1}] for {n} points", k_range)
    if high - low < 12:  # a short range: try every k
        return list(range(low, high + 1))
    cands = np.unique(np.round(np.geomspace(low, high, num=8)).astype(int))
    return [int(c) for c in cands]


def _choose_k(x, metric, seed, progress, k_range, n_init):
    """The k with the best silhouette among candidates, each fitted on the same sample."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    cands = _k_candidates(k_range, len(x))
    rows = _sample_rows(len(x), AUTO_K_SAMPLE, seed)
    xs = x[rows]
    scores: dict[int, float] = {}
    stopped = False
    for i, k in enumerate(cands):
        if k >= len(xs):
            break
        labels = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(xs)
        if len(np.unique(labels)) > 1:
            scores[k] = float(silhouette_score(xs, labels, metric=metric))
        if report(progress, (i + 1) / len(cands), 3, f"choosing k: silhouette {scores.get(k, 0):.3f} at k={k}"):
            stopped = True
            break
    if not scores:
        raise ParameterError("KMeans", "k_range", "a range where k-means finds at least 2 clusters", k_range)
    best = max(scores, key=lambda c: (scores[c], -c))
    return best, scores, len(rows), stopped


# -- HDBSCAN -----------------------------------------------------------------------------------
def _hdbscan(x, metric, seed, progress, params):
    from sklearn.cluster import HDBSCAN

    n = len(x)
    mcs = params.get("min_cluster_size", AUTO)
    mcs = _int_param("HDBSCAN", "min_cluster_size", default_min_cluster_size(n) if mcs == AUTO else mcs, 2, n // 2,
                     f"an integer in [2, {n // 2}] (at most half of the {n} points, so two clusters can exist)")
    min_samples = params.get("min_samples", AUTO)
    min_samples = _int_param("HDBSCAN", "min_samples", min(mcs, 10) if min_samples == AUTO else min_samples, 1, n - 1)
    selection = params.get("cluster_selection_method", "eom")
    reduce_to = params.get("reduce_to", "auto")
    if reduce_to == "auto":
        reduce_to = HDBSCAN_REDUCED_DIMS if metric == "cosine" and n > HDBSCAN_REDUCE_ABOVE else None
    if reduce_to is not None:
        reduce_to = _int_param("HDBSCAN", "reduce_to", reduce_to, 2, 10_000, "None, 'auto' or an integer >= 2")
    z = x
    if reduce_to is not None and reduce_to < x.shape[1]:
        from .reduce.pca import pca

        report(progress, 0.3, 3, f"PCA to {reduce_to} dimensions for HDBSCAN")
        z = pca(x, reduce_to, seed=seed)[0]
    else:
        reduce_to = None
    report(progress, 1, 3, f"HDBSCAN with min_cluster_size={mcs}")
    model = HDBSCAN(min_cluster_size=mcs, min_samples=min_samples, cluster_selection_method=selection,
                    copy=True).fit(z)
    resolved = {"min_cluster_size": mcs, "min_samples": min_samples,
                "cluster_selection_method": selection, "reduced_to": reduce_to}
    return model.labels_, resolved, {}, False


def default_min_cluster_size(n: int) -> int:
    """A natural minimum cluster size: 0.25 % of the points, at least 5, at most 50.

    >>> default_min_cluster_size(300), default_min_cluster_size(20_000)
    (5, 50)
    """
    return int(min(50, max(5, round(n * 0.0025))))


# -- agglomerative ------------------------------------------------------------------------------
def _agglomerative(x, metric, seed, progress, params):
    from sklearn.cluster import AgglomerativeClustering

    n = len(x)
    max_points = params.get("max_points", AGGLOMERATIVE_MAX)
    rows = _sample_rows(n, max_points, seed)
    threshold = params.get("distance_threshold")
    if threshold is not None:
        if "k" in params:
            raise ParameterError("AgglomerativeClustering", "k", "left out when distance_threshold is given",
                                 params["k"])
        k = None
    else:
        k = _check_k("AgglomerativeClustering", params.get("k", 20), len(rows))
    report(progress, 1, 3, f"average-linkage clustering of {len(rows):,} points")
    model = AgglomerativeClustering(n_clusters=k, distance_threshold=threshold, metric=metric,
                                    linkage="average").fit(x[rows])
    labels = np.full(n, NOISE, dtype=np.int64)
    labels[rows] = model.labels_
    sampled: dict[str, int] = {}
    if len(rows) < n:
        rest = np.setdiff1d(np.arange(n), rows)
        labels[rest] = _nearest_centre(x, labels, rest, metric)
        sampled["fit"] = len(rows)
    resolved = {"k": int(model.n_clusters_), "distance_threshold": threshold, "linkage": "average",
                "max_points": max_points, "fit_on": len(rows),
                "rest": "nearest cluster centre" if len(rows) < n else None}
    return labels, resolved, sampled, False


def _nearest_centre(x, labels, rows, metric):
    centres, ids = _centres(x, labels, metric)
    if metric == "cosine":
        score = x[rows] @ centres.T
    else:
        score = -((x[rows, None, :] - centres[None]) ** 2).sum(-1)
    return ids[score.argmax(1)]


def _sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _centres(x, labels, metric) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(labels[labels >= 0])
    centres = np.stack([x[labels == c].mean(0) for c in ids]).astype(np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(centres, axis=1, keepdims=True)
        centres = np.divide(centres, norms, out=np.zeros_like(centres), where=norms > 0)
    return centres, ids
