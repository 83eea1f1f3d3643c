"""Clusters: find groups of meaning, name them, and judge how strong they are.

:func:`cluster` runs k-means, HDBSCAN or agglomerative clustering and returns a
:class:`Clustering` with one label per point (``-1`` = noise), a name per cluster made of its most
central members ("red · blue · green"), sizes, and silhouette scores. :func:`map_agreement` says how
far a 2-D map keeps original-space clusters together — it tells when a picture lies.

The default is the *original* space with cosine geometry: clustering the 2-D picture clusters the
picture's distortions. Cosine is used by working on unit vectors, where squared euclidean distance
is ``2 - 2·cos``; k-means on unit vectors is then close to spherical k-means.

Clusters are numbered by size, largest first.

>>> import numpy as np, embviz
>>> rng = np.random.default_rng(0)
>>> centres = np.eye(4, 8) * 5
>>> vecs = np.repeat(centres, 25, axis=0) + rng.normal(scale=0.3, size=(100, 8))
>>> emb = embviz.Embeddings([f"w{i}" for i in range(100)], vecs)
>>> c = cluster(emb, "kmeans", k=4)
>>> c.n_clusters, sorted(c.sizes.values())
(4, [25, 25, 25, 25])
>>> c.silhouette > 0.9
True
>>> c = rename(c, 0, "first group")
>>> c.names[0]
'first group'
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import ParameterError
from .params import AUTO, ParamSpec
from .progress import ProgressCallback, report

SPACES = ("original", "projected")
SILHOUETTE_SAMPLE = 5_000      # silhouette on at most this many points (stated in `sampled`)
AUTO_K_SAMPLE = 2_000          # k="auto" compares candidate k on a sample of this size
AGGLOMERATIVE_MAX = 5_000      # average linkage is O(N²) memory: fit on a sample, assign the rest
HDBSCAN_REDUCE_ABOVE = 5_000   # HDBSCAN in the original space runs on a PCA copy above this size
HDBSCAN_REDUCED_DIMS = 10
NAME_MEMBERS = 3
NOISE = -1
MAX_K = 1_000


class Clusterer:
    """A clustering method as the interfaces see it: name, label, description, parameters."""

    @classmethod
    def spec_default(cls, name: str):
        return next(p.default for p in cls.PARAMS if p.name == name)

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    PARAMS: ClassVar[list[ParamSpec]] = []
    EXTRA: ClassVar[tuple[str, ...]] = ()     # accepted names checked by the method itself
    NULLABLE: ClassVar[tuple[str, ...]] = ()  # parameters where None means "off"

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


class KMeansClusterer(Clusterer):
    name, label = "kmeans", "KMeans"
    description = "k-means on unit vectors (close to spherical k-means): k groups of similar size."
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("k", "int", 20, low=2, high=MAX_K, auto="the best silhouette for k in [k_min, k_max]",
                  help="Number of clusters, or auto."),
        ParamSpec("k_min", "int", 2, low=2, high=MAX_K, help="Smallest k tried by k=auto."),
        ParamSpec("k_max", "int", 30, low=3, high=200, help="Largest k tried by k=auto."),
        ParamSpec("n_init", "int", 1, low=1, high=100, help="Restarts (the best is kept)."),
        ParamSpec("max_iter", "int", 100, low=1, high=10_000, help="Iterations per run."),
    ]
    EXTRA = ("k_range",)  # (low, high), the older spelling of k_min/k_max


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


class AgglomerativeClusterer(Clusterer):
    name, label = "agglomerative", "AgglomerativeClustering"
    description = "Average linkage on cosine distance: merges the closest groups until k remain."
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("k", "int", 20, low=2, high=MAX_K, help="Number of clusters (or give distance_threshold)."),
        ParamSpec("distance_threshold", "float", None, low=0, high=2, exclusive_low=True,
                  help="Stop merging at this cosine distance instead of at k clusters."),
        ParamSpec("max_points", "int", AGGLOMERATIVE_MAX, low=10, high=50_000,
                  help="Fit on at most this many points; the rest join the nearest cluster centre."),
    ]


CLUSTERERS: dict[str, type[Clusterer]] = {c.name: c for c in (KMeansClusterer, HDBSCANClusterer,
                                                              AgglomerativeClusterer)}
METHODS = tuple(CLUSTERERS)


@dataclass
class Clustering:
    """The result of :func:`cluster`.

    ``labels``: one int per point, ``-1`` = noise (HDBSCAN). ``names``/``sizes``/
    ``cluster_silhouette``: per cluster label. ``silhouette``: mean silhouette over the clustered
    points (``None`` when fewer than two clusters). ``params``: every parameter as resolved (chosen
    k, PCA reduction, fit sample). ``sampled``: what ran on a sample instead of every point, e.g.
    ``{"silhouette": 5000}``. ``centrality``: per point, how close it is to its cluster's centre
    (cosine similarity, or negative distance in a projected space); members are listed by it.
    """

    labels: np.ndarray
    names: dict[int, str]
    sizes: dict[int, int]
    silhouette: float | None
    cluster_silhouette: dict[int, float]
    method: str
    params: dict[str, Any]
    space: str
    sampled: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    keys: list[str] = field(default_factory=list)
    centrality: np.ndarray | None = None
    stopped: bool = False
    frequency_rank: np.ndarray | None = None  # breaks centrality ties (lower = more frequent)

    @property
    def n_clusters(self) -> int:
        return len(self.sizes)

    @property
    def n_noise(self) -> int:
        return int(np.count_nonzero(self.labels == NOISE))

    def label_names(self, noise: str = "noise") -> list[str]:
        """The cluster name of every point (``noise`` for label -1)."""
        lookup = {**self.names, NOISE: noise}
        return [lookup[int(v)] for v in self.labels]

    def members(self, label: int, n: int | None = None) -> list[str]:
        """Keys of cluster ``label``, most central first."""
        self._check_label(label, allow_noise=True)
        rows = np.flatnonzero(self.labels == label)
        if self.centrality is not None:
            rows = _central_first(rows, self.centrality, self.frequency_rank)
        return [self.keys[i] for i in rows[:n]]

    def table(self, preview: int = 8) -> pd.DataFrame:
        """One row per cluster: label, name, size, silhouette, the most central members."""
        rows = [
            {"label": lab, "name": self.names[lab], "size": self.sizes[lab],
             "silhouette": self.cluster_silhouette.get(lab, np.nan),
             "members": ", ".join(self.members(lab, preview))}
            for lab in sorted(self.sizes)
        ]
        if self.n_noise:
            rows.append({"label": NOISE, "name": "noise", "size": self.n_noise, "silhouette": np.nan,
                         "members": ", ".join(self.members(NOISE, preview))})
        return pd.DataFrame(rows, columns=["label", "name", "size", "silhouette", "members"])

    def to_frame(self, coords: np.ndarray | None = None) -> pd.DataFrame:
        """Every point: key, label, cluster name (and x, y[, z] when ``coords`` are given)."""
        df = pd.DataFrame({"key": self.keys, "label": self.labels, "cluster": self.label_names()})
        if coords is not None:
            coords = np.asarray(coords)
            if coords.shape[0] != len(self.labels):
                raise ParameterError("Clustering.to_frame", "coords", f"one row per point ({len(self.labels)})",
                                     coords.shape[0])
            for j, axis in enumerate("xyz"[: coords.shape[1]]):
                df[axis] = coords[:, j]
        return df

    def _check_label(self, label: int, allow_noise: bool = False) -> None:
        if label not in self.sizes and not (allow_noise and label == NOISE):
            raise ParameterError("Clustering", "label", f"one of {sorted(self.sizes)}", label)


def rename(clustering: Clustering, label: int, name: str) -> Clustering:
    """A copy of ``clustering`` with cluster ``label`` called ``name``."""
    clustering._check_label(label)
    name = str(name).strip()
    if not name:
        raise ParameterError("rename", "name", "a non-empty text", name)
    return replace(clustering, names={**clustering.names, label: name})


# -- the entry point ---------------------------------------------------------------------------
def cluster(
    emb: Embeddings,
    method: str = "kmeans",
    space: str = "original",
    *,
    coords: np.ndarray | None = None,
    progress: ProgressCallback | None = None,
    seed: int = 0,
    **params: Any,
) -> Clustering:
    """Cluster ``emb`` and name the clusters.

    ``method``: ``"kmeans"`` (``k=`` an int, or ``"auto"`` to choose by silhouette over
    ``k_range=(low, high)``), ``"hdbscan"`` (``min_cluster_size=`` default 0.25 % of N in [5, 50], ``min_samples=`` default
    ``min(min_cluster_size, 10)``,
    ``reduce_to="auto"|int|None``: PCA dims used above 5,000 points), or ``"agglomerative"``
    (cosine, average linkage; ``k=`` or ``distance_threshold=``; fitted on at most
    ``max_points`` points, the rest joins the nearest cluster centre).
    ``space``: ``"original"`` (cosine on the vectors, the default) or ``"projected"`` (euclidean
    on ``coords``, N × 2 or N × 3, e.g. ``Projection.coords``).
    """
    start = time.perf_counter()
    if method not in METHODS:
        raise ParameterError("cluster", "method", f"one of {', '.join(map(repr, METHODS))}", method)
    params = CLUSTERERS[method].check(params)
    x, metric = _space(emb, space, coords)
    fit = {"kmeans": _kmeans, "hdbscan": _hdbscan, "agglomerative": _agglomerative}[method]
    labels, resolved, sampled, stopped = fit(x, metric, seed, progress, params)
    labels = _relabel_by_size(labels)
    if not np.any(labels >= 0):
        raise ParameterError("HDBSCAN", "min_cluster_size", f"small enough that some of the {len(x)} points "
                             "form a cluster (every point came out as noise)", resolved.get("min_cluster_size"))
    stopped |= report(progress, 2, 3, "measuring silhouette")
    sil, per_cluster, n_sil = _silhouette(x, labels, metric, seed)
    if n_sil < int(np.count_nonzero(labels >= 0)):
        sampled["silhouette"] = n_sil
    centrality = _centrality(x, labels, metric)
    rank = _frequency_rank(emb)
    names = _names(emb.keys, labels, centrality, rank)
    sizes = {int(lab): int(n) for lab, n in zip(*np.unique(labels[labels >= 0], return_counts=True))}
    report(progress, 3, 3, "done")
    return Clustering(
        labels=labels, names=names, sizes=sizes, silhouette=sil, cluster_silhouette=per_cluster,
        method=method, params={**resolved, "metric": metric, "seed": seed}, space=space,
        sampled=sampled, seconds=time.perf_counter() - start, keys=list(emb.keys),
        centrality=centrality, stopped=bool(stopped), frequency_rank=rank,
    )


def _space(emb: Embeddings, space: str, coords: np.ndarray | None) -> tuple[np.ndarray, str]:
    if space not in SPACES:
        raise ParameterError("cluster", "space", f"one of {', '.join(map(repr, SPACES))}", space)
    if len(emb) < 3:
        raise ParameterError("cluster", "emb", "a set of at least 3 points", len(emb))
    if space == "original":
        return np.asarray(emb.unit_vectors, dtype=np.float32), "cosine"
    if coords is None:
        raise ParameterError("cluster", "coords", "given (N × 2 or N × 3) when space='projected'", None)
    coords = np.asarray(coords, dtype=np.float32)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3) or coords.shape[0] != len(emb):
        raise ParameterError("cluster", "coords", f"an array of {len(emb)} × 2 or {len(emb)} × 3", coords.shape)
    if not np.isfinite(coords).all():
        raise ParameterError("cluster", "coords", "finite numbers", "NaN or infinity")
    return coords, "euclidean"


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


# -- measures and names -------------------------------------------------------------------------
def _sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    if n <= size:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Cluster ids 0..k-1 by decreasing size (ties by first appearance); noise stays -1."""
    labels = np.asarray(labels, dtype=np.int64)
    ids, first, counts = np.unique(labels[labels >= 0], return_index=True, return_counts=True)
    order = ids[np.lexsort((first, -counts))]
    mapping = {int(old): new for new, old in enumerate(order)}
    out = np.full_like(labels, NOISE)
    for old, new in mapping.items():
        out[labels == old] = new
    return out


def _silhouette(x, labels, metric, seed) -> tuple[float | None, dict[int, float], int]:
    """Mean silhouette over clustered points (on a sample above SILHOUETTE_SAMPLE), and per cluster."""
    from sklearn.metrics import silhouette_samples

    rows = np.flatnonzero(labels >= 0)
    rows = rows[_sample_rows(len(rows), SILHOUETTE_SAMPLE, seed)]
    lab = labels[rows]
    if not 2 <= len(np.unique(lab)) <= len(rows) - 1:
        return None, {}, len(rows)
    values = silhouette_samples(x[rows], lab, metric=metric)
    per = {int(c): float(values[lab == c].mean()) for c in np.unique(lab)}
    return float(values.mean()), per, len(rows)


def _centres(x, labels, metric) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(labels[labels >= 0])
    centres = np.stack([x[labels == c].mean(0) for c in ids]).astype(np.float32)
    if metric == "cosine":
        norms = np.linalg.norm(centres, axis=1, keepdims=True)
        centres = np.divide(centres, norms, out=np.zeros_like(centres), where=norms > 0)
    return centres, ids


def _centrality(x, labels, metric) -> np.ndarray:
    """Per point: cosine similarity to its cluster centre (or minus the distance); noise gets -inf."""
    centres, ids = _centres(x, labels, metric)
    out = np.full(len(x), -np.inf, dtype=np.float32)
    for centre, c in zip(centres, ids):
        rows = labels == c
        if metric == "cosine":
            out[rows] = x[rows] @ centre
        else:
            out[rows] = -np.linalg.norm(x[rows] - centre, axis=1)
    return out


def _frequency_rank(emb: Embeddings) -> np.ndarray:
    """Lower = more frequent: the metadata column ``rank`` when numeric, else row order."""
    if "rank" in emb.metadata.columns:
        rank = pd.to_numeric(emb.metadata["rank"], errors="coerce").to_numpy(dtype=float)
        if np.isfinite(rank).all():
            return rank
    return np.arange(len(emb), dtype=float)


def _central_first(rows: np.ndarray, centrality: np.ndarray, rank: np.ndarray | None) -> np.ndarray:
    """``rows`` ordered by centrality (rounded, so float noise does not decide), then frequency."""
    rank = rows if rank is None else rank[rows]
    return rows[np.lexsort((rank, -np.round(centrality[rows], 6)))]


def _names(keys: list[str], labels: np.ndarray, centrality: np.ndarray, rank: np.ndarray) -> dict[int, str]:
    """Each cluster named by its most central members (ties broken by frequency)."""
    names = {}
    for c in np.unique(labels[labels >= 0]):
        order = _central_first(np.flatnonzero(labels == c), centrality, rank)
        names[int(c)] = " · ".join(keys[i] for i in order[:NAME_MEMBERS])
    return names


# -- does the map keep the clusters? -------------------------------------------------------------
def map_agreement(labels: np.ndarray, coords: np.ndarray, k: int = 10) -> tuple[float, dict[int, float]]:
    """How far a map keeps clusters together.

    For each clustered point, the share of its ``k`` nearest neighbours *on the map* (``coords``)
    that belong to its own cluster; averaged per cluster and over all clustered points. 1.0 means
    every cluster stays a separate island on the map; compare with :func:`chance_agreement`.

    >>> labels = np.array([0, 0, 0, 1, 1, 1])
    >>> coords = np.array([[0, 0], [0, 1], [1, 0], [9, 9], [9, 8], [8, 9]])
    >>> map_agreement(labels, coords, k=2)
    (1.0, {0: 1.0, 1: 1.0})
    """
    labels = np.asarray(labels)
    coords = np.asarray(coords, dtype=np.float32)
    if coords.ndim != 2 or coords.shape[0] != len(labels):
        raise ParameterError("map_agreement", "coords", f"an array with one row per label ({len(labels)})",
                             coords.shape)
    k = _int_param("map_agreement", "k", k, 1, len(labels) - 1)
    from .neighbors import map_neighbours

    idx = map_neighbours(coords, k)
    same = (labels[idx] == labels[:, None]).mean(1)
    clustered = labels >= 0
    if not clustered.any():
        return float("nan"), {}
    per = {int(c): float(same[labels == c].mean()) for c in np.unique(labels[clustered])}
    return float(same[clustered].mean()), per


def chance_agreement(labels: np.ndarray) -> float:
    """The :func:`map_agreement` a map with points placed at random would get on average.

    >>> chance_agreement(np.array([0, 0, 1, 1]))
    0.3333333333333333
    """
    labels = np.asarray(labels)
    n = len(labels)
    _, counts = np.unique(labels[labels >= 0], return_counts=True)
    if n < 2 or counts.sum() == 0:
        return float("nan")
    return float((counts * (counts - 1)).sum() / (counts.sum() * (n - 1)))
