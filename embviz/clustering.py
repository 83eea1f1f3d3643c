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
from typing import Any

import numpy as np
import pandas as pd

from .cluster_methods import (  # noqa: F401  (re-exported: the registry and defaults callers use)
    CLUSTERERS,
    METHODS,
    NOISE,
    Clusterer,
    _agglomerative,
    _centres,
    _hdbscan,
    _int_param,
    _kmeans,
    _sample_rows,
    default_min_cluster_size,
    register_clusterer,
)
from .embeddings import Embeddings
from .errors import ParameterError
from .progress import ProgressCallback, report

SPACES = ("original", "projected")
SILHOUETTE_SAMPLE = 5_000      # silhouette on at most this many points (stated in `sampled`)
NAME_MEMBERS = 3

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
    cls = CLUSTERERS.get(method) if isinstance(method, str) else None
    if cls is None:
        raise ParameterError("cluster", "method", f"one of {', '.join(map(repr, CLUSTERERS))}", method)
    params = cls.check(params)
    x, metric = _space(emb, space, coords)
    labels, resolved, sampled, stopped = cls.fit(x, metric, seed, progress, params)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(x),):
        raise ValueError(f"{cls.label}.fit returned {labels.shape} labels for {len(x)} points")
    labels = _relabel_by_size(labels)
    if not np.any(labels >= 0):
        names = [p.name for p in cls.PARAMS]
        name = "min_cluster_size" if "min_cluster_size" in names else (names[0] if names else "method")
        rule = "small enough that" if name == "min_cluster_size" else "such that"
        raise ParameterError(cls.label, name, f"{rule} some of the {len(x)} points form a cluster (every point came "
                             "out as noise)", resolved.get(name, params.get(name)))
    stopped |= report(progress, 2, 3, "measuring silhouette")
    out = _described(emb, x, metric, labels, method, space, {**resolved, "metric": metric, "seed": seed}, sampled,
                     seed)
    report(progress, 3, 3, "done")
    out.seconds, out.stopped = time.perf_counter() - start, bool(stopped)
    return out


def from_labels(emb: Embeddings, labels, *, method: str, space: str = "original", coords: np.ndarray | None = None,
                params: dict[str, Any] | None = None, seed: int = 0) -> Clustering:
    """A :class:`Clustering` of groups found elsewhere (``labels``, ``-1`` = noise; e.g. the regions
    shipped with a map): silhouette, centrality and names measured in ``space`` as :func:`cluster`
    does, nothing fitted."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(emb),):
        raise ParameterError("from_labels", "labels", f"one label per point ({len(emb)})", labels.shape)
    x, metric = _space(emb, space, coords)
    return _described(emb, x, metric, _relabel_by_size(labels), method, space,
                      {**(params or {}), "metric": metric, "seed": seed}, {}, seed)


def _described(emb, x, metric, labels, method, space, params, sampled, seed) -> Clustering:
    sil, per_cluster, n_sil = _silhouette(x, labels, metric, seed)
    if n_sil < int(np.count_nonzero(labels >= 0)):
        sampled["silhouette"] = n_sil
    centrality = _centrality(x, labels, metric)
    rank = _frequency_rank(emb)
    names = _names(emb.keys, labels, centrality, rank)
    sizes = {int(lab): int(n) for lab, n in zip(*np.unique(labels[labels >= 0], return_counts=True))}
    return Clustering(
        labels=labels, names=names, sizes=sizes, silhouette=sil, cluster_silhouette=per_cluster,
        method=method, params=params, space=space, sampled=sampled, keys=list(emb.keys),
        centrality=centrality, frequency_rank=rank,
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


# -- measures and names -------------------------------------------------------------------------
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
