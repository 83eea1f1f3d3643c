"""What an embedding map shows, decided once for every page: columns to colour by, the frequency
order, the first method, the search (:mod:`embviz.mapsearch`, re-exported here), maps and regions
of part of a table, and the arguments of the figure.

Pages hand this module a table, the points drawn, a :class:`~embviz.reduce.Projection` and the
reader's choices; :func:`map_spec` returns a :class:`MapSpec` — coordinates, colours (from the
*whole* table's column, so they agree across samples, methods and pages), the named regions and the
labels placed by :func:`embviz.layout.plan_map` for the figure's width and view window — which
:func:`draw` hands to :func:`embviz.figures.scatter.scatter` unchanged. No streamlit here.

>>> import numpy as np, pandas as pd, embviz
>>> rng = np.random.default_rng(0)
>>> meta = pd.DataFrame({"pos": ["noun", "verb"] * 50, "zipf": rng.uniform(1, 7, 100)})
>>> emb = embviz.Embeddings([f"w{i}" for i in range(100)], rng.normal(size=(100, 8)), meta)
>>> color_options(emb.metadata)
['none', 'pos', 'zipf', 'cluster (map regions)', 'distortion (per point)']
>>> proj = embviz.project(emb, "pca", cache=False)
>>> found = search(emb, emb, "w3", k=5)
>>> spec = map_spec(emb, proj, color=emb.metadata["pos"], colors=category_colors(meta["pos"]),
...                 found=found, n_words=10)
>>> spec.plan.labels[0].text, spec.plan.overlapping(), len(spec.neighbors)
('w3', False, 5)
>>> [t.name for t in draw(spec).data][:2]
['noun', 'verb']
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .colors import category_colors
from .errors import ParameterError
from .labels import HEIGHT, MIN_WIDTH
from .mapsearch import MAX_MATCHES, Found, keep_keys, neighbours_of, pin_rows, search  # noqa: F401

CATEGORY_VALUES = 200     # a text column with at most this many distinct values is a category
NONE, CLUSTER, DISTORTION = "none", "cluster (map regions)", "distortion (per point)"
MIN_REGION_POINTS = 30  # a map of fewer points has no named regions
CLUSTER_K = 12            # k-means groups for the "cluster" colour (one palette colour each)
MIN_NEIGHBOUR_MAP = 50    # fewer points than this: the first map is PCA (t-SNE needs neighbourhoods)
K = 10                    # neighbours a map's faithfulness is measured at
# query points of a computed map's faithfulness on the page where one looks at it: 2,000 of 20,000
# take 0.6 s in the server's thread against 3 s for 10,000, and move trustworthiness@10 by ~0.002
QUALITY_QUERIES = 2_000


# -- columns and order -----------------------------------------------------------------------------
def numeric_columns(metadata: pd.DataFrame) -> list[str]:
    """Columns of numbers (drawn with a colour scale)."""
    return [str(c) for c in metadata.columns if metadata[c].dtype.kind in "fiu"]


def categorical_columns(metadata: pd.DataFrame, max_values: int = CATEGORY_VALUES, *, numbers: bool = False,
                        skip: Sequence[str] = ()) -> list[str]:
    """Columns whose values are categories: not numbers (``numbers=True``: numbers too, e.g. cluster
    ids), at most ``max_values`` distinct values, not named in ``skip`` (the one rule for colouring,
    stratified sampling, legends and the Large maps page's colours).

    >>> t = pd.DataFrame({"a": ["x", "y"], "n": [1, 2], "k": ["p", "p"]})
    >>> categorical_columns(t, 1), categorical_columns(t, 2, numbers=True, skip=("a",))
    (['k'], ['n', 'k'])
    """
    out = []
    for c in metadata.columns:
        s = metadata[c]
        if (s.dtype.kind in "fiuc" and not numbers) or str(c) in skip:
            continue
        try:
            if s.nunique(dropna=False) <= max_values:
                out.append(str(c))
        except TypeError:  # unhashable cells (lists): not a category
            continue
    return out


def color_options(metadata: pd.DataFrame) -> list[str]:
    """What a map can be coloured by, in the table's column order, with "none" first."""
    cols = set(numeric_columns(metadata)) | set(categorical_columns(metadata))
    return [NONE, *[str(c) for c in metadata.columns if str(c) in cols], CLUSTER, DISTORTION]


def default_color(metadata: pd.DataFrame) -> str:
    """Points stay quiet (one muted colour) so that the named regions read first."""
    return NONE


def frequency_order(emb) -> np.ndarray:
    """Row numbers from most to least frequent (:meth:`embviz.Embeddings.frequency_order`)."""
    return emb.frequency_order()


# -- the first map ---------------------------------------------------------------------------------
def first_method(n: int, shipped: dict[str, dict] | None = None, available: Sequence[str] = ("pca", "tsne"),
                 dim: int | None = None, reference: dict[str, dict] | None = None) -> tuple[str, str]:
    """The method a table's first map uses, and a sentence saying why.

    ``shipped``: method -> quality of maps that come with the table (:func:`embviz.datasets.shipped_maps_meta`);
    the one that keeps neighbours best wins. Otherwise t-SNE, which kept neighbours best on the
    bundled table (``reference``: its maps' quality, quoted), unless the table is too small for
    neighbourhoods or has ``dim`` <= 2 dimensions (PCA then).

    >>> first_method(20, None)[0], first_method(500, None)[0]
    ('pca', 'tsne')
    """
    if shipped:
        best = max(shipped, key=lambda m: (shipped[m].get(f"trustworthiness@{K}", 0), m == "tsne"))
        q = shipped[best]
        return best, (f"{method_label(best)} keeps neighbours best on this table: trustworthiness@{K} "
                      f"{q.get(f'trustworthiness@{K}', 0):.3f} and kNN recall@{K} {q.get(f'knn_recall@{K}', 0):.3f} "
                      f"({_scores(shipped, best)}; maps of all {q.get('n', 0):,} words, shipped with it — "
                      "nothing is computed).")
    if dim is not None and dim <= 2:
        return "pca", f"PCA: the vectors have {dim} dimension{'s' if dim > 1 else ''}; PCA shows them as they are."
    if n < MIN_NEIGHBOUR_MAP or "tsne" not in available:
        return "pca", (f"PCA: {n:,} points are too few for t-SNE's neighbourhoods; PCA shows them as a rotation, exactly."
                       if "tsne" in available else "PCA: the neighbour methods are not available here.")
    measured = f" ({_scores(reference, None)})" if reference else ""
    return "tsne", (f"t-SNE: it kept neighbours best of the methods measured on the bundled table{measured}; "
                    "its map of this table is computed once and kept by content.")


def _scores(scores: dict[str, dict], skip: str | None) -> str:
    """ "UMAP 0.830 / 0.173; PCA 0.677 / 0.005" (trustworthiness / kNN recall at k)."""
    return "; ".join(f"{method_label(m)} {q.get(f'trustworthiness@{K}', 0):.3f} / {q.get(f'knn_recall@{K}', 0):.3f}"
                     for m, q in sorted(scores.items(), key=lambda kv: -kv[1].get(f"trustworthiness@{K}", 0))
                     if m != skip)


def adapt(method: str, params: dict, n: int) -> dict:
    """``params`` with defaults that ``n`` points cannot take lowered (explicit choices stay):
    the registry's ``Reducer.adapt``.

    >>> adapt("tsne", {}, 40), adapt("tsne", {"perplexity": 5.0}, 40), adapt("pca", {}, 4)
    ({'perplexity': 12.0}, {'perplexity': 5.0}, {})
    """
    from .reduce import REDUCERS

    cls = REDUCERS.get(method)
    return dict(params) if cls is None else cls.adapt(dict(params), n)


def shipped_whole(emb, method: str, dims: int) -> bool:
    """Whether a map of every point of ``emb`` ships with it (the bundled table's maps)."""
    from .datasets import shipped_projection

    return shipped_projection(emb, method, dims) is not None


def method_label(method: str) -> str:
    """The registry's label of a method ("t-SNE"), or its name."""
    from .reduce import REDUCERS

    cls = REDUCERS.get(method)
    return (getattr(cls, "label", "") or method.upper()) if cls else method


# -- maps of part of a table -----------------------------------------------------------------------
def take_rows(proj, rows, keys: Sequence[str] | None = None):
    """The projection of some of its points (``rows``): the same map, fewer points."""
    rows = np.asarray(rows, dtype=np.int64)
    keys = [proj.keys[i] for i in rows] if keys is None else list(keys)
    extra = {**proj.extra, "rows_of": len(proj.keys)}
    return dataclasses.replace(proj, coords=np.ascontiguousarray(proj.coords[rows]), keys=keys, extra=extra)


def with_placed(proj, emb, n_fitted: int):
    """``proj`` (a map of ``emb``'s first ``n_fitted`` points) with the rest of ``emb`` placed on
    it by ``proj.transform`` (``extra["placed"]`` names them)."""
    extra = list(emb.keys[n_fitted:])
    if not extra:
        return proj
    placed = np.asarray(proj.transform(emb.vectors[n_fitted:]), dtype=np.float32)
    return dataclasses.replace(proj, coords=np.vstack([np.asarray(proj.coords, dtype=np.float32), placed]),
                               keys=list(emb.keys), extra={**proj.extra, "placed": extra})


def first_two_axes(proj):
    """A 3-D projection seen along its first two axes (a 2-D map of the same points)."""
    return dataclasses.replace(proj, coords=np.ascontiguousarray(proj.coords[:, :2]), dims=2)


def take_regions(regions, rows):
    """The regions of a map restricted to some of its points: names, places and outlines stay
    those of the whole map (so a sample shows the same islands)."""
    if regions is None:
        return None
    rows = np.asarray(rows, dtype=np.int64)
    keys = [regions.keys[i] for i in rows] if regions.keys else []
    return dataclasses.replace(regions, labels=np.asarray(regions.labels)[rows], keys=keys)


def extend_regions(regions, keys: Sequence[str]):
    """``regions`` with points ``keys`` added at the end, in no region."""
    if regions is None or not len(keys):
        return regions
    labels = np.concatenate([np.asarray(regions.labels), np.full(len(keys), -1, dtype=np.int64)])
    return dataclasses.replace(regions, labels=labels, keys=[*regions.keys, *keys] if regions.keys else [])


def moved_regions(regions, before, after):
    """``regions`` of the map ``before`` carried onto ``after``, the same points moved by one
    similarity transform (e.g. :func:`embviz.align`): places and outlines move with the points."""
    if regions is None:
        return None
    a = np.asarray(before, dtype=np.float64)
    b = np.asarray(after, dtype=np.float64)
    lift = np.hstack([a, np.ones((len(a), 1))])
    transform, *_ = np.linalg.lstsq(lift, b, rcond=None)

    def move(xy):
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return (np.hstack([xy, np.ones((len(xy), 1))]) @ transform).astype(np.float32)

    return dataclasses.replace(regions, centres=move(regions.centres),
                               outlines=[None if o is None else move(o) for o in regions.outlines])


def group_regions(emb, coords, labels):
    """Given groups (``labels``, ``-1`` none) on a 2-D map: their regions (named, placed and
    outlined by :func:`embviz.regions.describe`, numbered by size on this map) and, per group
    label, its region number."""
    from .regions import describe

    labels = np.asarray(labels, dtype=np.int64)
    regions = describe(emb, coords, labels)
    first = {int(r): i for i, r in reversed(list(enumerate(regions.labels))) if r >= 0}
    return regions, {int(labels[i]): r for r, i in first.items()}


def renamed_regions(regions, names: dict[int, str]):
    """``regions`` with some regions' names replaced (``names``: region -> name)."""
    new = [names.get(r, n) for r, n in enumerate(regions.names)]
    words = [w if new[r] == regions.names[r] else new[r].split(" · ") for r, w in enumerate(regions.words)]
    return dataclasses.replace(regions, names=new, words=words)


def only_region(regions, r: int):
    """``regions`` reduced to region ``r`` (numbered 0): a map that names just that one."""
    labels = np.where(np.asarray(regions.labels) == r, 0, -1)
    return dataclasses.replace(regions, labels=labels, names=[regions.names[r]], words=[regions.words[r]],
                               centres=np.asarray(regions.centres)[[r]], sizes=np.asarray(regions.sizes)[[r]],
                               density=np.asarray(regions.density)[[r]], outlines=[regions.outlines[r]])


def rows_in(full, emb) -> np.ndarray:
    """Rows of ``full`` holding the keys of ``emb`` (a sample or subset of it)."""
    return np.arange(len(full)) if emb is full else full.indices(emb.keys)


# -- what the figure needs -------------------------------------------------------------------------
def title(emb, proj) -> str:
    ev = getattr(proj, "explained_variance", None)
    extra = f" · {float(np.sum(ev)) * 100:.0f}% of variance" if ev is not None and len(ev) else ""
    return f"{emb.name or 'Embeddings'} · {method_label(proj.method)} {proj.dims}-D{extra}"


def axis_titles(proj) -> list[str] | None:
    """The axis titles the registry gives this projection's method (``Reducer.axis_titles``)."""
    from .reduce import REDUCERS

    cls = REDUCERS.get(proj.method)
    return None if cls is None else [str(t) for t in cls.axis_titles(proj)]


@dataclass
class MapSpec:
    """Everything :func:`embviz.figures.scatter.scatter` draws for one map (see :func:`map_spec`)."""

    coords: np.ndarray
    keys: list[str]
    color: np.ndarray | None = None
    colors: dict | None = None
    color_name: str = ""
    hover: np.ndarray | None = None
    regions: object = None
    plan: object = None
    labels: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    highlight: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    query: int | None = None
    neighbors: list[int] = field(default_factory=list)
    title: str = ""
    note: str = ""
    axis_titles: list[str] | None = None
    present: bool = False
    dragmode: str | None = None
    height: int | None = None
    overlay: object = None  # placed new points (embviz.mapplace.Overlay), their own layer

    def kwargs(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def map_spec(emb, proj, *, color=None, colors: dict | None = None, color_name: str = "", hover=None,
             regions=None, found: Found | None = None, highlight=(), n_words: int = 30, title: str = "",
             note: str = "", present: bool = False, width: float = MIN_WIDTH, view=None,
             dragmode: str | None = None, axis_titles: Sequence[str] | None = None,
             height: int | None = None, overlay=None) -> MapSpec:
    """The figure of ``proj`` (a map of the points ``emb``) with the reader's choices.

    ``color``: per point, a category or a number; ``colors``: value -> colour decided from the
    whole table (:func:`embviz.colors.category_colors`). ``regions``: the map's named islands.
    ``found``: a :func:`search` on these points. ``width``: the figure's width in px (labels
    never overlap at this width or wider); ``view``: ``(x0, x1, y0, y1)`` to frame a window of
    the map (labels are placed for the window); ``height``: the figure's (default
    :data:`embviz.labels.HEIGHT`). ``overlay``: placed new points (:func:`embviz.mapplace.overlay`),
    labelled in the same plan. 3-D maps get plain labels on the most frequent words instead.
    """
    from .layout import plan_map

    coords = np.asarray(proj.coords, dtype=np.float32)
    n, dims = coords.shape
    if len(emb) != n:
        raise ParameterError("map_spec", "proj", f"a map of the {len(emb):,} points drawn", n)
    found = found or Found()
    values = None if color is None else np.asarray(color)
    if values is not None and values.dtype.kind not in "fiu":
        values = values.astype(str)
        colors = colors if colors is not None else category_colors(values)
    highlight = np.unique(np.concatenate([np.asarray(found.matches, dtype=np.int64),
                                          np.asarray(highlight, dtype=np.int64).ravel()]))
    spec = MapSpec(coords, list(emb.keys), values, colors, color_name, hover, None, None,
                   highlight=highlight, query=found.query, neighbors=list(found.drawn), title=title,
                   note=note, axis_titles=None if axis_titles is None else list(axis_titles),
                   present=present, dragmode=dragmode, height=height, overlay=overlay)
    if dims == 3:
        spec.labels = labels_3d(emb, coords, int(n_words))
        return spec
    spec.regions = regions if regions is not None and len(regions.labels) == n else None
    spec.plan = plan_map(coords, spec.keys, color=values, colors=colors, color_name=color_name, title=title,
                         note=note, axis_titles=spec.axis_titles, present=present, width=max(1.0, float(width)),
                         height=float(height or HEIGHT), view=view, frequency=emb.frequency(), regions=spec.regions, query=found.query,
                         neighbors=spec.neighbors, highlight=highlight, n_words=int(n_words), placed=overlay)
    return spec


def layout_spec(emb, coords, title: str = "") -> MapSpec:
    """An intermediate layout (coordinates a method sends while it optimises), drawn plain."""
    return MapSpec(np.asarray(coords, dtype=np.float32), list(emb.keys), title=title, dragmode="pan")


def preview(emb, proj, n: int = 2_000) -> MapSpec:
    """A light figure of a map: ``n`` of its points spread over the rows, no labels (a few kB
    to draw while the whole map is prepared)."""
    rows = np.unique(np.linspace(0, len(emb) - 1, min(n, len(emb))).astype(np.int64))
    return map_spec(emb.take(rows), take_rows(proj, rows), n_words=0, title=title(emb, proj))


def labels_3d(emb, coords, n: int) -> np.ndarray:
    """Rows to label on a 3-D map, where labels cannot be placed: at most a third of ``n``, each
    the most frequent word of its part of the map (spread over the first two axes as a 600-px
    square), so they do not pile up where the frequent words are."""
    from .labels import spread

    n = min(int(n), len(emb)) // 3 if n > 3 else min(int(n), len(emb))
    if n <= 0:
        return np.array([], dtype=np.int64)
    xy = np.asarray(coords, dtype=np.float64)[:, :2]
    lo, span = xy.min(axis=0), np.ptp(xy, axis=0)
    return spread((xy - lo) / np.where(span > 0, span, 1.0) * 600, emb.frequency(), cell=(120.0, 80.0))[:n]


def draw(spec: MapSpec):
    """The Plotly figure of ``spec``."""
    from .figures.scatter import scatter

    return scatter(**spec.kwargs())


# -- zoom and faithfulness -------------------------------------------------------------------------
def window(box: dict | None) -> tuple[float, float, float, float] | None:
    """A Plotly box selection (``{"x": [x0, x1], "y": [y0, y1]}``) as a view window, or ``None``.

    >>> window({"x": [3, 1], "y": [0, 2]}), window({"x": [1, 1], "y": [0, 2]})
    ((1.0, 3.0, 0.0, 2.0), None)
    """
    try:
        xs = sorted(float(v) for v in box["x"][:2])
        ys = sorted(float(v) for v in box["y"][:2])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
    if len(xs) < 2 or len(ys) < 2 or not all(map(math.isfinite, xs + ys)) or xs[0] >= xs[1] or ys[0] >= ys[1]:
        return None
    return xs[0], xs[1], ys[0], ys[1]


def faithfulness(quality: dict | None, k: int = K) -> dict | None:
    """The two numbers shown beside a map: trustworthiness@k and kNN recall@k, the map's points
    ``n`` and the ``queries`` they were measured from, or ``None`` when unknown."""
    if not quality or f"trustworthiness@{k}" not in quality:
        return None
    n = int(quality.get("n") or 0)
    return {"trustworthiness": float(quality[f"trustworthiness@{k}"]),
            "knn_recall": float(quality.get(f"knn_recall@{k}", float("nan"))), "k": k, "n": n,
            "queries": int(quality.get("sample_size") or n), "sampled": bool(quality.get("sampled", False))}
