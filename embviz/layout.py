"""What a map shows and where: its pixel frame, marker sizes and every label's place.

:func:`map_labels` decides the labels of a 2-D embedding map: the searched word first (beside its
star, never on it), then its neighbours and highlighted matches, then region names (larger type;
a region's two-word name is tried when its three-word name has no room), then word labels spread
over the map (:func:`embviz.labels.spread`). Placement is :func:`embviz.labels.place`, so no two
boxes overlap at the stated minimum figure width or any wider one (see :mod:`embviz.labels`).

:class:`Canvas` is the frame the placement assumed — figure size, margins, room kept for the
legend, axis ranges — and the figure builder applies it as is, so the drawing matches the plan.

>>> import numpy as np
>>> coords = np.random.default_rng(0).normal(size=(500, 2))
>>> plan = map_labels(coords, [f"w{i}" for i in range(500)], query=0, neighbors=[1, 2], n_words=20)
>>> plan.labels[0].kind, plan.labels[0].text
('query', 'w0')
>>> plan.placed("word") <= 20, plan.overlapping()
(True, False)
"""
from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .errors import ParameterError
from .labels import HEIGHT, MARGIN, MIN_WIDTH, RANGE_PAD, Box, label_size, overlaps, place, spread, text_width

WORD, NEIGHBOR, QUERY, MATCH, REGION, PLACED = "word", "neighbor", "query", "match", "region", "placed"
FONT_SIZES = {WORD: 11, NEIGHBOR: 12, MATCH: 12, QUERY: 16, PLACED: 12}
REGION_SIZES = (12, 16)      # px, smallest and largest region name (word labels are 11)
PRESENT_FACTOR = 1.45        # presentation mode: larger type and markers
FAR = "around+far"           # query, neighbours and matches may sit apart with a leader line
WORD_CANDIDATES = 40         # try up to this many candidates per requested word label


def marker_sizes(n: int, dims: int = 2, present: bool = False) -> dict[str, float]:
    """Marker diameters in px for a map of ``n`` points: every point, matches, neighbours, the star."""
    base = 7.0 if n < 2_000 else 5.0 if n < 10_000 else 4.0
    if dims == 3:
        base *= 0.6
    base *= 1.6 if present else 1.0
    grow = 2 if dims == 2 else 1.5  # scatter3d draws the same marker size much larger
    return {"point": base, "match": base * 2.2 + 3, "neighbor": base * grow + 4,
            "star": base * 4 + 12 if dims == 2 else base * 2 + 6}


@dataclass(frozen=True)
class Canvas:
    """The frame a map is drawn in: figure size and margins in px, legend room, axis ranges.

    Axes keep a 1:1 aspect (Plotly ``scaleanchor``), so pixels per data unit are the same on both
    axes: ``scale`` = the smaller of plot width / x span and plot height / y span.
    """

    width: float
    height: float
    margin: tuple[float, float, float, float]
    legend: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]

    @property
    def plot_width(self) -> float:
        return self.width - self.margin[0] - self.margin[1] - self.legend

    @property
    def plot_height(self) -> float:
        return self.height - self.margin[2] - self.margin[3]

    @property
    def scale(self) -> float:
        xr, yr = np.ptp(self.x_range), np.ptp(self.y_range)
        return float(min(self.plot_width / xr, self.plot_height / yr))

    def pixels(self, xy) -> np.ndarray:
        """Data coordinates to px in the plot area (origin top left, y down) at this size."""
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        s = self.scale
        x = self.plot_width / 2 + s * (xy[:, 0] - np.mean(self.x_range))
        y = self.plot_height / 2 - s * (xy[:, 1] - np.mean(self.y_range))
        return np.stack([x, y], axis=1)

    def inside(self, xy) -> np.ndarray:
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        return ((xy[:, 0] >= self.x_range[0]) & (xy[:, 0] <= self.x_range[1])
                & (xy[:, 1] >= self.y_range[0]) & (xy[:, 1] <= self.y_range[1]))


def map_canvas(coords, *, width: float = MIN_WIDTH, height: float = HEIGHT, title: bool = False,
               note: bool = False, axis_titles: bool = False, legend_texts: Sequence[str] = (),
               colorbar: str | None = None, view=None, present: bool = False) -> Canvas:
    """The frame of a 2-D map of ``coords`` at the minimum ``width`` (px) and fixed ``height``.

    ``title``/``note``/``axis_titles``: whether the figure has them (room is kept in the margins).
    ``legend_texts``: the legend's entries (room is kept at the right); ``colorbar``: its title
    when a colour bar is drawn. ``view``: ``(x0, x1, y0, y1)`` to frame a zoomed part instead of
    every point (its ranges are used as given).
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 2 or not len(coords):
        raise ParameterError("map_canvas", "coords", "an N × 2 array with N >= 1", coords.shape)
    if view is not None:
        x0, x1, y0, y1 = (float(v) for v in view)
        if not (x1 > x0 and y1 > y0):
            raise ParameterError("map_canvas", "view", "(x0, x1, y0, y1) with x1 > x0 and y1 > y0", view)
        xr, yr = (x0, x1), (y0, y1)
    else:
        finite = coords[np.isfinite(coords).all(axis=1)]
        lo, hi = (finite.min(axis=0), finite.max(axis=0)) if len(finite) else (np.zeros(2), np.ones(2))
        span = np.where(hi - lo > 0, hi - lo, 1.0)
        xr = (float(lo[0] - RANGE_PAD * span[0]), float(hi[0] + RANGE_PAD * span[0]))
        yr = (float(lo[1] - RANGE_PAD * span[1]), float(hi[1] + RANGE_PAD * span[1]))
    font = 18 if present else 12
    legend = 0.0
    if legend_texts:
        legend = 50 + 1.1 * max(text_width(t, font) for t in legend_texts)  # measured: text + 46 px
    if colorbar is not None:
        legend = max(legend, 80.0, text_width(colorbar, font) + 24)
    legend = min(legend, 0.4 * float(width))  # very long entries (names from data) are cut off, not the map
    left, right, top, bottom = MARGIN
    top += (40 if title else 0) + (10 if present else 0)
    if note and not title:
        top += 14 if not present else 20
    if axis_titles:
        left, bottom = left + font + 14, bottom + font + 14
    margin = (left, right, top, bottom)
    return Canvas(float(width), float(height), margin, float(math.ceil(legend)), xr, yr)


@dataclass(frozen=True)
class MapLabel:
    """One placed label: what it names (``kind``, ``row`` or ``region``), its text, font size, the
    data point it is attached to and its :class:`embviz.labels.Box`."""

    kind: str
    text: str
    size: float
    bold: bool
    x: float
    y: float
    box: Box
    row: int | None = None
    region: int | None = None


@dataclass
class MapLabels:
    """The labels of one map and the :class:`Canvas` they were placed for."""

    canvas: Canvas
    labels: list[MapLabel]
    requested: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def placed(self, kind: str | None = None) -> int:
        return sum(1 for lab in self.labels if kind is None or lab.kind == kind)

    def overlapping(self) -> bool:
        return overlaps([lab.box for lab in self.labels])


def map_labels(
    coords,
    keys: Sequence[str],
    *,
    frequency=None,
    regions=None,
    query: int | None = None,
    neighbors=(),
    highlight=(),
    n_words: int = 30,
    canvas: Canvas | None = None,
    present: bool = False,
    max_scale: float = math.inf,
    placed=None,
) -> MapLabels:
    """Place the labels of a 2-D map (see the module docstring for the order of importance).

    ``frequency``: per point, higher = more frequent (word labels prefer frequent words; default:
    file order). ``regions``: a :class:`embviz.regions.Regions` of these points. ``n_words``: how
    many word labels to aim for (fewer when the map has no room). ``canvas``: default
    :func:`map_canvas` of ``coords``. ``placed``: a layer of points that are not rows of the map
    (``.coords`` M × 2, ``.keys``; e.g. :class:`embviz.mapplace.Overlay`): labelled after the
    query and its neighbours, before matches and regions (kind ``"placed"``, ``row`` = its index
    in the layer); a word label with the same text as a placed key is not drawn.
    """
    start = time.perf_counter()
    coords = np.asarray(coords, dtype=np.float64)
    n = len(coords)
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise ParameterError("map_labels", "coords", "an N × 2 array (labels are placed on 2-D maps)", coords.shape)
    if len(keys) != n:
        raise ParameterError("map_labels", "keys", f"one key per point ({n})", len(keys))
    if isinstance(n_words, bool) or not isinstance(n_words, (int, np.integer)) or n_words < 0:
        raise ParameterError("map_labels", "n_words", "an integer >= 0", n_words)
    freq = -np.arange(n, dtype=float) if frequency is None else np.asarray(frequency, dtype=float)
    if freq.shape != (n,):
        raise ParameterError("map_labels", "frequency", f"one number per point ({n})", freq.shape)
    canvas = canvas or map_canvas(coords, present=present)
    px = canvas.pixels(coords)
    visible = canvas.inside(coords) & np.isfinite(coords).all(axis=1)
    nbrs = _rows(neighbors, n)
    hl = _rows(highlight, n)
    marks = marker_sizes(n, 2, present)
    grow = PRESENT_FACTOR if present else 1.0
    items: list[dict] = []
    obstacles = []
    if query is not None:
        q = int(_rows([query], n)[0])
        obstacles.append((*px[q], marks["star"] / 2 + 1, marks["star"] / 2 + 1))
        items.append(dict(kind=QUERY, text=str(keys[q]), row=q, at=coords[q], px=px[q], prio=1e9,
                          gap=marks["star"] / 2 + 2, size=FONT_SIZES[QUERY] * grow, bold=True, positions=FAR))
    for j, r in enumerate(nbrs):  # labels may cover other neighbours' markers, never the star
        items.append(dict(kind=NEIGHBOR, text=str(keys[r]), row=int(r), at=coords[r], px=px[r], prio=1e8 - j,
                          gap=marks["neighbor"] / 2 + 2, size=FONT_SIZES[NEIGHBOR] * grow, positions=FAR))
    for j, r in enumerate(hl):
        items.append(dict(kind=MATCH, text=str(keys[r]), row=int(r), at=coords[r], px=px[r], prio=1e7 - j,
                          gap=marks["match"] / 2 + 2, size=FONT_SIZES[MATCH] * grow, positions=FAR))
    named: set[str] = set()
    if placed is not None and len(placed.keys):
        items += _placed_items(placed, canvas, marks, grow)
        named = {str(k) for k in placed.keys}
    if regions is not None and len(regions.names):
        items += _region_items(regions, canvas, grow)
        named |= {w for words in regions.words for w in words}
    taken = {it["row"] for it in items if it.get("row") is not None and it["kind"] != PLACED}
    skip = [i for i in range(n) if i in taken or not visible[i] or str(keys[i]) in named]
    order = spread(px, freq, exclude=skip)[: max(WORD_CANDIDATES * n_words, 200) if n_words else 0]
    for j, r in enumerate(order):
        items.append(dict(kind=WORD, text=str(keys[r]), row=int(r), at=coords[r], px=px[r], prio=-j,
                          gap=marks["point"] / 2 + 1, size=FONT_SIZES[WORD] * grow))
    boxes = place([it["px"] for it in items], [it["text"] for it in items], [it["size"] for it in items],
                  [it["prio"] for it in items], positions=[it.get("positions", "around") for it in items],
                  gaps=[it["gap"] for it in items], bold=[it.get("bold", False) for it in items],
                  obstacles=obstacles, bounds=(canvas.plot_width, canvas.plot_height), max_scale=max_scale,
                  slots=[it.get("slot", ("item", i)) for i, it in enumerate(items)], limit=n_words,
                  counted=[it["kind"] == WORD for it in items])
    labels = [MapLabel(it["kind"], it["text"], it["size"], it.get("bold", False), float(it["at"][0]),
                       float(it["at"][1]), box, it.get("row"), it.get("region"))
              for it, box in sorted(zip(items, boxes), key=lambda p: -p[0]["prio"]) if box is not None]
    requested = {QUERY: int(query is not None), NEIGHBOR: len(nbrs), MATCH: len(hl), WORD: int(n_words),
                 PLACED: 0 if placed is None else len(placed.keys),
                 REGION: 0 if regions is None else len(regions.names)}
    return MapLabels(canvas, labels, requested, time.perf_counter() - start)


def legend_entries(values, colors: dict[str, str]) -> tuple[list[str], str]:
    """The legend of a categorical map: the values of ``colors`` present in ``values`` (in the
    order of ``colors``) and the name of the grey rest ("+3 more"), as :func:`scatter` draws it.

    >>> legend_entries(["a", "b", "z", "y"], {"b": "#111", "a": "#222", "c": "#333"})
    (['b', 'a'], '+2 more')
    """
    present = set(np.asarray(values).astype(str).tolist())
    shown = [v for v in colors if v in present]
    rest = len(present - set(shown))
    return shown, f"+{rest} more" if rest else ""


def plan_map(
    coords,
    keys: Sequence[str],
    *,
    color=None,
    colors: dict[str, str] | None = None,
    color_name: str = "",
    title: str = "",
    note: str = "",
    axis_titles: Sequence[str] | None = None,
    present: bool = False,
    width: float = MIN_WIDTH,
    height: float = HEIGHT,
    view=None,
    legend_texts: Sequence[str] | None = None,
    **options,
) -> MapLabels:
    """:func:`map_labels` in the frame :func:`embviz.figures.scatter.scatter` will draw with the
    same ``color``/``colors``/``title``/``note``/``axis_titles``/``present``: legend or colour-bar
    room, margins, ``width`` (the minimum figure width) and ``height``. ``options`` go to
    :func:`map_labels` (``frequency``, ``regions``, ``query``, ``neighbors``, ``highlight``, ``n_words``).
    ``legend_texts`` overrides the legend entries room is kept for (e.g. a cluster map's names).
    """
    from .colors import category_colors

    texts: list[str] = []
    colorbar = None
    if color is not None:
        values = np.asarray(color)
        if values.dtype.kind in "fiu":
            colorbar = color_name or "value"
        else:
            shown, rest = legend_entries(values.astype(str), colors or category_colors(values.astype(str)))
            texts = shown + ([rest] if rest else [])
    query = options.get("query")
    if len(options.get("highlight", ())):  # the marker layers scatter() lists in the legend too
        texts.append("matches")
    if query is not None:
        texts.append(str(keys[int(query)]))
        if len(options.get("neighbors", ())):
            texts.append(f"neighbours of {keys[int(query)]}")
    placed = options.get("placed")
    framed = coords
    if placed is not None and len(placed.keys):  # the frame holds the placed points too
        texts += list(placed.legend)
        framed = np.vstack([np.asarray(coords, dtype=np.float64),
                            np.asarray(placed.coords, dtype=np.float64).reshape(-1, 2)])
    canvas = map_canvas(framed, width=width, height=height, title=bool(title), note=bool(note),
                        axis_titles=bool(axis_titles), legend_texts=texts if legend_texts is None else legend_texts, colorbar=colorbar, view=view,
                        present=present)
    return map_labels(coords, keys, canvas=canvas, present=present, **options)


def _region_items(regions, canvas: Canvas, grow: float) -> list[dict]:
    sizes = np.sqrt(np.asarray(regions.sizes, dtype=float))
    lo, hi = sizes.min(), sizes.max()
    rel = (sizes - lo) / (hi - lo) if hi > lo else np.ones_like(sizes)
    inside = canvas.inside(regions.centres)
    px = canvas.pixels(regions.centres)
    out = []
    for r in np.argsort(-np.asarray(regions.sizes), kind="stable"):
        if not inside[r]:
            continue
        size = (REGION_SIZES[0] + rel[r] * (REGION_SIZES[1] - REGION_SIZES[0])) * grow
        texts = [regions.names[r]]
        if len(regions.words[r]) > 2:
            texts.append(regions.short_name(r, 2))
        for alt, text in enumerate(texts):
            out.append(dict(kind=REGION, text=text, region=int(r), at=regions.centres[r], px=px[r], gap=0.0,
                            prio=1e6 - 1e4 * alt - r, size=size, bold=True, positions="centre",
                            slot=("region", int(r))))
    return out


def _placed_items(placed, canvas: Canvas, marks: dict, grow: float) -> list[dict]:
    xy = np.asarray(placed.coords, dtype=np.float64).reshape(-1, 2)
    if len(xy) != len(placed.keys):
        raise ParameterError("map_labels", "placed", f"one key per placed point ({len(xy)})", len(placed.keys))
    visible = canvas.inside(xy) & np.isfinite(xy).all(axis=1)
    px = canvas.pixels(np.nan_to_num(xy))
    return [dict(kind=PLACED, text=str(placed.keys[j]), row=j, at=xy[j], px=px[j], prio=5e7 - j, slot=(PLACED, j),
                 gap=marks["match"] / 2 + 2, size=FONT_SIZES[PLACED] * grow, positions=FAR if j < 60 else "around")
            for j in np.flatnonzero(visible)]


def _rows(rows, n: int) -> np.ndarray:
    arr = np.asarray(rows if rows is not None else [], dtype=np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ParameterError("map_labels", "rows", f"row numbers in [0, {n})", int(arr.max()))
    return arr


__all__ = ["Canvas", "MapLabel", "MapLabels", "label_size", "legend_entries", "map_canvas", "map_labels",
           "marker_sizes", "plan_map"]
