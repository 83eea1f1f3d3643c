"""Named islands on a 2-D map: where the map's dense groups are, and what each one is about.

:func:`find_regions` runs the package's HDBSCAN on the map coordinates (``cluster(emb, "hdbscan",
space="projected", coords=..., cluster_selection_method="leaf")``) and names every island by 2–3 members that are both **central**
(close to the island's mean direction in the *original* space) and **frequent** (metadata ``rank``
or ``zipf``; file order otherwise): among the more central half of the members, the most frequent
ones, skipping spelling variants of a word already chosen ("book" then not "books"). Pure
centrality picks rare words ("garrett · spence · mckenzie"); pure frequency picks words that merely
visit the island ("four · five · six" in an island about rolling); the two together give
"king · queen · royal", "crime · prison · criminal".

Measured on the bundled table (shipped maps of all 20,000 words, min_cluster_size 50): HDBSCAN's
default "eom" selection finds 92 islands on the t-SNE map (90 on its float32 coordinates), WordNet purity 0.39 against
0.15 for random groups of the same sizes (2.6×), but only 2 groups on the UMAP map (one blob holds
99.7 % of the words). "leaf" selection finds 104 islands on t-SNE (2.8×) and 88 on UMAP (2.6×),
with no giant island, so it is the default here.

Each region also gets a place for its name on the map (the member nearest the members' median, so
the name sits on the island even when the island is curved), an outline (convex hull of the 80 %
of members nearest that point) and a **density** score: members per unit of outline area,
relative to the map's average. ``compact`` marks islands at least :data:`COMPACT_DENSITY` times as
dense as the map, the ones a figure should shade.

Results are cached on disk by content (vectors, keys, coordinates, frequencies and parameters).

>>> import numpy as np, embviz
>>> rng = np.random.default_rng(0)
>>> centres = np.repeat(np.eye(3, 8) * 4, 40, axis=0)
>>> emb = embviz.Embeddings([f"w{i}" for i in range(120)], centres + rng.normal(scale=0.2, size=(120, 8)))
>>> coords = np.repeat([[0, 0], [10, 0], [0, 10]], 40, axis=0) + rng.normal(size=(120, 2))
>>> r = find_regions(emb, coords, min_cluster_size=10, cache=False)
>>> r.n_regions, sorted(r.sizes.tolist())
(3, [40, 40, 40])
>>> r.names[0].count(" · ")
2
"""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import ParameterError
from .progress import ProgressCallback, report

REGIONS_VERSION = 1
NAME_WORDS = 3
CORE = 0.8              # outlines wrap the 80 % of members nearest the name's place
COMPACT_DENSITY = 2.0   # shade islands at least this many times denser than the map on average
SEPARATOR = " · "


@dataclass
class Regions:
    """Islands of a 2-D map (see :func:`find_regions`).

    ``labels``: region per point (``-1`` = in no region); regions are numbered by size, largest
    first. Per region ``r``: ``names[r]`` ("music · song · singer"), ``words[r]`` (the naming
    words), ``centres[r]`` (where the name goes, map coordinates), ``sizes[r]``, ``density[r]``
    (times the map's average density), ``compact[r]``, ``outlines[r]`` (closed polygon, map
    coordinates, or ``None``).
    """

    labels: np.ndarray
    names: list[str]
    words: list[list[str]]
    centres: np.ndarray
    sizes: np.ndarray
    density: np.ndarray
    outlines: list[np.ndarray | None]
    keys: list[str] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    from_cache: bool = False

    @property
    def n_regions(self) -> int:
        return len(self.names)

    @property
    def compact(self) -> np.ndarray:
        return np.asarray(self.density) >= COMPACT_DENSITY

    @property
    def coverage(self) -> float:
        """Share of the points that belong to some region."""
        return float(np.mean(self.labels >= 0)) if len(self.labels) else 0.0

    def short_name(self, r: int, words: int = 2) -> str:
        return SEPARATOR.join(self.words[r][:words])

    def label_names(self, none: str = "") -> list[str]:
        """The region name of every point (``none`` outside regions)."""
        lookup = dict(enumerate(self.names))
        return [lookup.get(int(v), none) for v in self.labels]

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"region": np.arange(self.n_regions), "name": self.names, "size": self.sizes,
                             "density": np.round(self.density, 2), "compact": self.compact})


# -- the entry point ---------------------------------------------------------------------------
def find_regions(
    emb: Embeddings,
    coords: np.ndarray,
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    selection: str = "leaf",
    name_words: int = NAME_WORDS,
    frequency: np.ndarray | None = None,
    cache=None,
    progress: ProgressCallback | None = None,
) -> Regions:
    """The named islands of the 2-D map ``coords`` (one row per point of ``emb``).

    ``min_cluster_size``/``min_samples``: HDBSCAN's (defaults as in :func:`embviz.cluster`);
    ``selection``: its ``cluster_selection_method``, ``"leaf"`` (default) or ``"eom"``.
    ``frequency``: per point, higher = more frequent (default from metadata ``zipf``, else minus
    ``rank``, else minus the row number). ``cache``: ``None`` = the default disk cache, ``False``
    = none, or a :class:`embviz.cache.DiskCache`.
    """
    from .clustering import cluster

    coords = _check_coords(emb, coords)
    if isinstance(name_words, bool) or not isinstance(name_words, (int, np.integer)) or not 1 <= name_words <= 5:
        raise ParameterError("find_regions", "name_words", "an integer in [1, 5]", name_words)
    freq = emb.frequency() if frequency is None else _check_frequency(frequency, len(emb))
    params: dict[str, Any] = {"name_words": int(name_words), "cluster_selection_method": selection}
    if min_cluster_size is not None:
        params["min_cluster_size"] = min_cluster_size
    if min_samples is not None:
        params["min_samples"] = min_samples
    store = _store(cache)
    key = _key(emb, coords, freq, params) if store is not None else None
    if store is not None:
        hit = _from_cache(store.get(key), emb)
        if hit is not None:
            return hit
    start = time.perf_counter()
    hdb = {k: v for k, v in params.items() if k != "name_words"}
    c = cluster(emb, "hdbscan", space="projected", coords=coords, progress=progress, **hdb)
    report(progress, 3, 4, "naming the regions")
    regions = describe(emb, coords, c.labels, frequency=freq, name_words=name_words)
    regions.params = {**c.params, "name_words": int(name_words), "method": "hdbscan on the map"}
    regions.seconds = time.perf_counter() - start
    if store is not None and not c.stopped:
        store.put(key, regions.labels.astype(np.int32), _to_meta(regions))
    report(progress, 4, 4, f"{regions.n_regions} regions")
    return regions


def describe(
    emb: Embeddings,
    coords: np.ndarray,
    labels: np.ndarray,
    *,
    frequency: np.ndarray | None = None,
    name_words: int = NAME_WORDS,
) -> Regions:
    """Name, place, outline and score given groups ``labels`` (``-1`` = none) of a 2-D map."""
    coords = _check_coords(emb, coords)
    labels = np.asarray(labels, dtype=np.int64)
    if labels.shape != (len(emb),):
        raise ParameterError("describe", "labels", f"one label per point ({len(emb)})", labels.shape)
    freq = emb.frequency() if frequency is None else _check_frequency(frequency, len(emb))
    labels = _by_size(labels)
    unit = np.asarray(emb.unit_vectors)
    map_area = _hull_area(coords) or 1.0
    names, words, centres, sizes, density, outlines = [], [], [], [], [], []
    for r in range(int(labels.max()) + 1 if (labels >= 0).any() else 0):
        rows = np.flatnonzero(labels == r)
        chosen = name_members(emb.keys, rows, unit, freq, name_words)
        words.append(chosen)
        names.append(SEPARATOR.join(chosen))
        centre, ring, area = _place(coords[rows])
        centres.append(centre)
        outlines.append(ring)
        sizes.append(len(rows))
        density.append((CORE * len(rows) / area) / (len(emb) / map_area) if area > 0 else 0.0)
    return Regions(labels=labels, names=names, words=words,
                   centres=np.asarray(centres, dtype=np.float32).reshape(-1, 2),
                   sizes=np.asarray(sizes, dtype=np.int64), density=np.asarray(density, dtype=np.float64),
                   outlines=outlines, keys=list(emb.keys))


# -- naming --------------------------------------------------------------------------------------
def name_members(keys, rows: np.ndarray, unit: np.ndarray, freq: np.ndarray, n: int = NAME_WORDS) -> list[str]:
    """Up to ``n`` keys of ``rows``: the most frequent of the more central half, no variants.

    Centrality is the cosine similarity to the members' mean direction in the original space.

    >>> unit = np.eye(4)[[0, 0, 0, 1]].astype(float); unit[3] = [0.9, 0.44, 0, 0]
    >>> name_members(["song", "songs", "music", "noise"], np.arange(4), unit, np.array([3., 2, 1, 9]), 2)
    ['song', 'music']
    """
    rows = np.asarray(rows)
    centre = unit[rows].mean(axis=0)
    norm = np.linalg.norm(centre)
    cos = unit[rows] @ (centre / norm) if norm > 0 else np.zeros(len(rows))
    central = rows[cos >= np.median(cos)]
    order = central[np.lexsort((central, -freq[central]))]
    chosen: list[str] = []
    for i in order:
        word = str(keys[i])
        if not any(_variant(word, c) for c in chosen):
            chosen.append(word)
        if len(chosen) == n:
            break
    return chosen


INFLECTIONS = ("s", "es", "ed", "d", "ing", "er", "ers", "ly")


def _variant(a: str, b: str) -> bool:
    """Spelling variants: "dog"/"dogs", or a common prefix of at least 4 letters and 80 % of the
    shorter word ("change"/"changed", "mountain"/"mountains").

    >>> _variant("dog", "dogs"), _variant("change", "changed"), _variant("sea", "seattle")
    (True, True, False)
    """
    a, b = a.lower(), b.lower()
    short, long_ = sorted((a, b), key=len)
    if a == b or (long_.startswith(short) and long_[len(short):] in INFLECTIONS):
        return True
    common = 0
    for x, y in zip(a, b):
        if x != y:
            break
        common += 1
    return common >= max(4, 0.8 * min(len(a), len(b)))


def frequency_of(emb: Embeddings) -> np.ndarray:
    """Per point, higher = more frequent (:meth:`embviz.Embeddings.frequency`)."""
    return emb.frequency()


# -- placing and scoring -------------------------------------------------------------------------
def _place(points: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, float]:
    """Where a region's name goes (the member nearest the median), its core outline and area."""
    centre = points[np.argmin(np.linalg.norm(points - np.median(points, axis=0), axis=1))]
    dist = np.linalg.norm(points - centre, axis=1)
    core = points[dist <= np.quantile(dist, CORE)] if len(points) >= 10 else points
    ring, area = _hull(core)
    return centre.astype(np.float32), ring, area


def _hull(points: np.ndarray) -> tuple[np.ndarray | None, float]:
    from scipy.spatial import ConvexHull, QhullError

    if len(points) < 3:
        return None, 0.0
    try:
        hull = ConvexHull(points)
    except (QhullError, ValueError):  # collinear or repeated points: no area
        return None, 0.0
    ring = points[hull.vertices]
    return np.vstack([ring, ring[:1]]).astype(np.float32), float(hull.volume)


def _hull_area(coords: np.ndarray) -> float:
    """Area of the map: hull of the points inside the 1st–99th percentile box (outliers left out)."""
    lo, hi = np.percentile(coords, [1, 99], axis=0)
    inside = coords[((coords >= lo) & (coords <= hi)).all(axis=1)]
    return _hull(inside)[1]


# -- measuring names: category purity -------------------------------------------------------------
def purity(labels: np.ndarray, categories) -> tuple[float, np.ndarray]:
    """Share of each group held by its most common category; ``(size-weighted mean, per group)``.

    >>> purity(np.array([0, 0, 1, 1, -1]), ["a", "a", "a", "b", "b"])
    (0.75, array([1. , 0.5]))
    """
    labels = np.asarray(labels)
    cats = pd.Series(np.asarray(categories, dtype=object)).astype(str).to_numpy()
    if len(cats) != len(labels):
        raise ParameterError("purity", "categories", f"one value per label ({len(labels)})", len(cats))
    inside = labels >= 0
    if not inside.any():
        return float("nan"), np.array([])
    frame = pd.DataFrame({"g": labels[inside], "c": cats[inside]})
    counts = frame.groupby(["g", "c"]).size()
    top = counts.groupby(level=0).max()
    size = counts.groupby(level=0).sum()
    per = (top / size).to_numpy(dtype=float)
    return float(top.sum() / size.sum()), per


def random_purity(labels: np.ndarray, categories, *, repeats: int = 20, seed: int = 0) -> float:
    """Mean :func:`purity` of random groups of the same sizes (the labels shuffled among the points
    that are in some group), the chance level to compare a grouping with."""
    labels = np.asarray(labels)
    inside = np.flatnonzero(labels >= 0)
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(repeats):
        shuffled = labels.copy()
        shuffled[inside] = rng.permutation(labels[inside])
        values.append(purity(shuffled, categories)[0])
    return float(np.mean(values))


# -- helpers ---------------------------------------------------------------------------------------
def _check_coords(emb: Embeddings, coords) -> np.ndarray:
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape != (len(emb), 2):
        raise ParameterError("find_regions", "coords", f"a {len(emb)} × 2 array (a 2-D map of every point)",
                             coords.shape)
    if not np.isfinite(coords).all():
        raise ParameterError("find_regions", "coords", "finite numbers", "NaN or infinity")
    return coords


def _check_frequency(frequency, n: int) -> np.ndarray:
    freq = np.asarray(frequency, dtype=float)
    if freq.shape != (n,) or not np.isfinite(freq).all():
        raise ParameterError("find_regions", "frequency", f"{n} finite numbers (higher = more frequent)",
                             freq.shape)
    return freq


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Labels 0..R-1 by decreasing size (ties by first appearance); -1 stays."""
    from .clustering import _relabel_by_size

    return _relabel_by_size(labels)


def _store(cache):
    from .cache import resolve

    return resolve(cache)


def _key(emb: Embeddings, coords: np.ndarray, freq: np.ndarray, params: dict) -> str:
    from .cache import library_versions

    h = hashlib.blake2b(digest_size=20)
    h.update(emb.fingerprint().encode())
    h.update(np.ascontiguousarray(coords, dtype=np.float64).tobytes())
    h.update(np.ascontiguousarray(freq, dtype=np.float64).tobytes())
    h.update(json.dumps({"params": params, "version": REGIONS_VERSION,
                         "sklearn": library_versions().get("scikit-learn")}, sort_keys=True, default=str).encode())
    return "regions-" + h.hexdigest()


def _to_meta(r: Regions) -> dict:
    return {"kind": "regions", "names": r.names, "words": r.words, "centres": r.centres.tolist(),
            "sizes": r.sizes.tolist(), "density": r.density.tolist(), "params": r.params, "seconds": r.seconds,
            "outlines": [None if o is None else o.tolist() for o in r.outlines]}


def _from_cache(hit, emb: Embeddings) -> Regions | None:
    if hit is None:
        return None
    labels, meta = hit
    try:
        n = len(meta["names"])
        regions = Regions(
            labels=np.asarray(labels, dtype=np.int64), names=list(meta["names"]), words=[list(w) for w in meta["words"]],
            centres=np.asarray(meta["centres"], dtype=np.float32).reshape(-1, 2),
            sizes=np.asarray(meta["sizes"], dtype=np.int64), density=np.asarray(meta["density"], dtype=np.float64),
            outlines=[None if o is None else np.asarray(o, dtype=np.float32) for o in meta["outlines"]],
            keys=list(emb.keys), params=dict(meta["params"]), seconds=float(meta["seconds"]), from_cache=True)
    except (KeyError, TypeError, ValueError):
        return None
    if regions.labels.shape != (len(emb),) or len(regions.sizes) != n or regions.labels.max(initial=-1) >= n:
        return None
    return regions
