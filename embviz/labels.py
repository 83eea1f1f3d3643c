"""Label placement for maps: labels that never collide, chosen to cover the map.

Pure computation, no plotting. :func:`place` takes anchor points in pixels, texts, font sizes and
priorities and returns, per label, a box beside (or centred on) its anchor — or ``None`` when
every candidate position would collide. :func:`map_labels` uses it for an embedding map: the
searched word, its neighbours, region names (larger type) and word labels picked to *cover* the
map (the most frequent word of each grid cell, cells in turn, not the N most frequent overall,
which sit together in one corner).

**Width of the figure.** A Streamlit chart with ``width="stretch"`` gets its width in the browser,
so the server cannot know it. Placement therefore assumes a stated **minimum figure width**
(:data:`MIN_WIDTH`, 600 px) and a fixed height. A map keeps its aspect ratio
(``scaleanchor``), so a wider figure only multiplies the distances between anchors by one factor
``s >= 1`` while labels keep their pixel size and their pixel offset from their anchor. Two labels
are accepted only if their boxes stay apart for *every* ``s`` from 1 to ``max_scale`` (infinite by
default, which also covers zooming in): the scale at which two boxes touch is solved exactly per
axis, as in dynamic map labelling (Been, Daiches & Yap 2006, which Embedding Atlas uses). Narrower
than the stated minimum, labels may overlap.

**Speed.** Placed boxes sit in a grid keyed on their anchors; a candidate is tested only against
anchors that could reach it at some scale (their distance is bounded by the two boxes' extents).
5,000 candidates place in 0.15 s, 20,000 in 0.4 s; the same greedy placement testing every placed
box takes 4 s and 12 s and places the same labels (``bench/labels.py``, loaded 2-core machine).

>>> boxes = place([[100, 100], [100, 100], [104, 100]], ["alpha", "beta", "gamma"], 12, [3, 2, 1],
...               bounds=(600, 600))
>>> [(b.xanchor, b.yanchor) if b else None for b in boxes]   # beta goes left; gamma has no room
[('left', 'middle'), ('right', 'middle'), None]
>>> overlaps(boxes)
False
"""
from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .errors import ParameterError

MIN_WIDTH = 600          # px: the narrowest figure the placement is guaranteed for
HEIGHT = 640             # px: the map's fixed height
MARGIN = (10, 10, 20, 10)  # px: left, right, top, bottom (a title adds 40 on top)
RANGE_PAD = 0.04         # data range padding on each side
BORDER = 2               # px: an annotation's borderpad (+ borderwidth 0)
GAP = 3                  # px between a marker and its label
LINE = 1.3               # plotly's line height in font sizes
PAD = 1.0                # px of clear space kept around every box
LABEL_FONT = "Arial, 'Liberation Sans', Helvetica, sans-serif"  # metrics below are Arial's

# advance widths of ASCII 32..126 in 1/1000 em (Arial = Liberation Sans = Helvetica metrics)
_REGULAR = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *[556] * 10,
            278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556,
            833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
            333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333,
            500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584]
_BOLD = [278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, *[556] * 10,
         333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611,
         833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
         333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389,
         556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584]
SAFETY = 1.06            # estimated widths are stretched 6 % for fonts a little wider than Arial


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Estimated width in px of ``text`` in Arial at ``size`` px (wide CJK characters count 1 em).

    >>> round(text_width("king", 10), 1)
    19.4
    """
    table = _BOLD if bold else _REGULAR
    total = 0
    for ch in str(text):
        code = ord(ch)
        if 32 <= code < 127:
            total += table[code - 32]
            continue
        base = unicodedata.normalize("NFKD", ch)[:1]
        if base and 32 <= ord(base) < 127:
            total += table[ord(base) - 32]
        elif unicodedata.east_asian_width(ch) in "WF":
            total += 1000
        elif unicodedata.combining(ch):
            continue
        else:
            total += 600
    return total * size / 1000 * SAFETY


def label_size(text: str, size: float, bold: bool = False) -> tuple[float, float]:
    """Width and height in px of an annotation box holding ``text`` (borderpad included)."""
    return text_width(text, size, bold) + 2 * BORDER, size * LINE + 2 * BORDER


@dataclass(frozen=True)
class Box:
    """A placed label: its box in px at the minimum figure size (``x0 < x1``, ``y0 < y1``, y down),
    the anchor it is attached to, and how to tell Plotly: ``xanchor``/``yanchor`` of the box at
    the anchor moved by ``xshift``/``yshift`` px (``yshift`` up), or, for a label set apart with a
    leader line, ``arrow = (ax, ay)``: the px offset (y down) of the box's anchor point from the
    data point, as Plotly's annotation ``ax``/``ay``."""

    x0: float
    y0: float
    x1: float
    y1: float
    ax: float
    ay: float
    xanchor: str
    yanchor: str
    xshift: float
    yshift: float
    text: str
    arrow: tuple[float, float] | None = None


# candidate positions (name, xanchor, yanchor): the box's side that touches the anchor
AROUND = (("right", "left", "middle"), ("left", "right", "middle"), ("top", "center", "bottom"),
          ("bottom", "center", "top"), ("top-right", "left", "bottom"), ("top-left", "right", "bottom"),
          ("bottom-right", "left", "top"), ("bottom-left", "right", "top"))
CENTRE = (("centre", "center", "middle"), ("top", "center", "bottom"), ("bottom", "center", "top"),
          ("right", "left", "middle"), ("left", "right", "middle"))
FAR_RADII = (28.0, 48.0, 72.0)  # px from the anchor of labels set apart with a leader line
FAR_ANGLES = (0, 180, 30, 150, -30, -150, 60, 120, -60, -120, 90, -90)  # degrees, 0 = right, 90 = up
POSITIONS = ("around", "centre", "around+far")


def _side(angle: float) -> tuple[str, str]:
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    xa = "left" if c > 0.3 else "right" if c < -0.3 else "center"
    ya = "middle" if abs(s) < 0.6 and xa != "center" else "bottom" if s > 0 else "top"
    return xa, ya


def _box_at(w, h, tx, ty, xa, ya) -> tuple[float, float, float, float]:
    """Box offsets (y down) of a ``w`` × ``h`` box whose ``xa``/``ya`` side sits at ``(tx, ty)``."""
    x0 = tx if xa == "left" else tx - w if xa == "right" else tx - w / 2
    y0 = ty if ya == "top" else ty - h if ya == "bottom" else ty - h / 2
    return x0, y0, x0 + w, y0 + h


def _candidates(kind: str, w: float, h: float, gap: float):
    """Every candidate of one label: (x0, y0, x1, y1, xanchor, yanchor, xshift, yshift, arrow)."""
    near = CENTRE if kind == "centre" else AROUND
    for _, xa, ya in near:
        tx = gap if xa == "left" else -gap if xa == "right" else 0.0
        ty = gap if ya == "top" else -gap if ya == "bottom" else 0.0
        x0, y0, x1, y1 = _box_at(w, h, tx, ty, xa, ya)
        yield x0, y0, x1, y1, xa, ya, tx, -ty, None
    if kind != "around+far":
        return
    for radius in FAR_RADII:
        for angle in FAR_ANGLES:
            xa, ya = _side(angle)
            tx = (gap + radius) * math.cos(math.radians(angle))
            ty = -(gap + radius) * math.sin(math.radians(angle))
            x0, y0, x1, y1 = _box_at(w, h, tx, ty, xa, ya)
            yield x0, y0, x1, y1, xa, ya, 0.0, 0.0, (tx, ty)


def _conflict(a, b, max_scale: float) -> bool:
    """Do boxes ``a`` and ``b`` (anchor x, y and box offsets) overlap at some scale in [1, max_scale]?

    At scale ``s`` a box covers ``s * anchor + offsets``; on each axis they overlap while
    ``L < s * d < U`` (``d`` the anchor difference): an open interval of ``s`` per axis.
    """
    lo, hi = -math.inf, math.inf
    for d, lo_off, hi_off in ((a[0] - b[0], b[2] - a[4], b[4] - a[2]), (a[1] - b[1], b[3] - a[5], b[5] - a[3])):
        if d == 0:
            if not lo_off < 0 < hi_off:
                return False
            continue
        s0, s1 = (lo_off / d, hi_off / d) if d > 0 else (hi_off / d, lo_off / d)
        lo, hi = max(lo, s0), min(hi, s1)
        if lo >= hi:
            return False
    return lo < max_scale and hi > 1.0


class _Grid:
    """Placed boxes indexed by anchor cell."""

    def __init__(self, cell: float = 64.0):
        self.cell, self.cells, self.reach = cell, {}, (0.0, 0.0)

    def add(self, box) -> None:
        key = (int(box[0] // self.cell), int(box[1] // self.cell))
        self.cells.setdefault(key, []).append(box)
        self.reach = (max(self.reach[0], abs(box[2]), abs(box[4])), max(self.reach[1], abs(box[3]), abs(box[5])))

    def hits(self, box, max_scale: float) -> bool:
        rx = self.reach[0] + max(abs(box[2]), abs(box[4]))
        ry = self.reach[1] + max(abs(box[3]), abs(box[5]))
        c = self.cell
        for i in range(int((box[0] - rx) // c), int((box[0] + rx) // c) + 1):
            for j in range(int((box[1] - ry) // c), int((box[1] + ry) // c) + 1):
                for other in self.cells.get((i, j), ()):
                    if _conflict(box, other, max_scale):
                        return True
        return False


class _Occupancy:
    """A raster of the plot area (2-px cells) marking cells wholly inside placed boxes: a
    candidate that has a marked cell wholly inside it overlaps a placed box at scale 1. Each
    raster row is one Python integer used as a bit set: a test is a few ``&`` of integers, ten
    times cheaper than slicing a NumPy array for boxes of a label's size."""

    CELL = 2.0

    def __init__(self, width: float, height: float):
        self.rows = [0] * (int(height // self.CELL) + 2)
        self.width = int(width // self.CELL) + 2

    def _span(self, x0, y0, x1, y1) -> tuple[int, int, int]:
        c = self.CELL
        r0, r1 = max(0, math.ceil(y0 / c)), min(len(self.rows), max(0, math.floor(y1 / c)))
        c0, c1 = max(0, math.ceil(x0 / c)), min(self.width, max(0, math.floor(x1 / c)))
        return r0, r1, (((1 << (c1 - c0)) - 1) << c0) if c1 > c0 else 0

    def mark(self, x0, y0, x1, y1) -> None:
        r0, r1, mask = self._span(x0, y0, x1, y1)
        if mask:
            rows = self.rows
            for r in range(r0, r1):
                rows[r] |= mask

    def busy(self, x0, y0, x1, y1) -> bool:
        r0, r1, mask = self._span(x0, y0, x1, y1)
        if not mask:
            return False
        for row in self.rows[r0:r1]:
            if row & mask:
                return True
        return False


def place(
    anchors,
    texts: Sequence[str],
    sizes,
    priorities=None,
    *,
    positions: str | Sequence[str] = "around",
    gaps=GAP,
    bold=False,
    obstacles=None,
    bounds: tuple[float, float] | None = None,
    max_scale: float = math.inf,
    slots=None,
    limit: int | None = None,
    counted=None,
) -> list[Box | None]:
    """Boxes for labels at pixel ``anchors`` (N × 2, y down), highest ``priorities`` first.

    ``sizes``, ``gaps`` (px between anchor and box), ``bold`` and ``positions`` (``"around"``: beside
    the anchor, right first; ``"centre"``: centred on it, then above, below, beside;
    ``"around+far"``: beside, then further out with a leader line) are scalars or one per label. ``obstacles``: boxes nothing may cover, rows ``(x, y, half_width, half_height)``
    around an anchor. ``bounds``: ``(width, height)`` the boxes must stay inside at scale 1.
    ``slots``: labels with the same slot are alternatives (e.g. a long and a short name): after one
    is placed the others are skipped. ``limit``: stop placing ``counted`` labels (a boolean per
    label, default all) once that many are placed. Returns one :class:`Box` or ``None`` per label.
    """
    pts = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    n = len(pts)
    if len(texts) != n:
        raise ParameterError("place", "texts", f"one text per anchor ({n})", len(texts))
    if not np.isfinite(pts).all():
        raise ParameterError("place", "anchors", "finite pixel positions", "NaN or infinity")
    if not (max_scale >= 1):
        raise ParameterError("place", "max_scale", "a number >= 1", max_scale)
    sizes, gaps, bold = (np.broadcast_to(np.asarray(v), (n,)) for v in (sizes, gaps, bold))
    if n and (not np.isfinite(sizes.astype(float)).all() or sizes.astype(float).min() <= 0):
        raise ParameterError("place", "sizes", "font sizes > 0 in px", sizes.min())
    kinds = [positions] * n if isinstance(positions, str) else list(positions)
    if len(kinds) != n or any(k not in POSITIONS for k in kinds):
        raise ParameterError("place", "positions", f"one of {POSITIONS} or one of them per label", positions)
    prio = np.zeros(n) if priorities is None else np.broadcast_to(np.asarray(priorities, dtype=float), (n,))
    slot = list(range(n)) if slots is None else list(slots)
    if len(slot) != n:
        raise ParameterError("place", "slots", f"one slot per label ({n})", len(slot))
    count = np.ones(n, dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
    grid = _Grid()
    taken = _Occupancy(*bounds) if bounds is not None else None
    for x, y, hw, hh in np.asarray(obstacles if obstacles is not None else [], dtype=float).reshape(-1, 4):
        grid.add((x, y, -hw, -hh, hw, hh))
        if taken is not None:
            taken.mark(x - hw, y - hh, x + hw, y + hh)
    out: list[Box | None] = [None] * n
    filled: set = set()
    placed = 0
    anchor = pts.tolist()
    for i in np.argsort(-prio, kind="stable").tolist():
        if slot[i] in filled or (limit is not None and count[i] and placed >= limit):
            continue
        w, h = label_size(texts[i], float(sizes[i]), bool(bold[i]))
        ax, ay = anchor[i]
        for x0, y0, x1, y1, xa, ya, xs, ys, arrow in _candidates(kinds[i], w, h, float(gaps[i])):
            if bounds is not None and not (0 <= ax + x0 and ax + x1 <= bounds[0] and 0 <= ay + y0
                                           and ay + y1 <= bounds[1]):
                continue
            if taken is not None and taken.busy(ax + x0, ay + y0, ax + x1, ay + y1):
                continue  # overlaps a placed box already at scale 1: no need for the exact test
            box = (ax, ay, x0 - PAD, y0 - PAD, x1 + PAD, y1 + PAD)
            if grid.hits(box, max_scale):
                continue
            grid.add(box)
            if taken is not None:
                taken.mark(ax + x0, ay + y0, ax + x1, ay + y1)
            out[i] = Box(ax + x0, ay + y0, ax + x1, ay + y1, ax, ay, xa, ya, xs, ys, str(texts[i]), arrow)
            filled.add(slot[i])
            placed += int(count[i])
            break
    return out


def overlaps(boxes: Sequence[Box | None], share: float = 0.0) -> bool:
    """Whether any two placed boxes share more than ``share`` of the smaller one's area."""
    b = np.array([[x.x0, x.y0, x.x1, x.y1] for x in boxes if x is not None], dtype=float).reshape(-1, 4)
    return bool(len(overlap_pairs(b, share)))


def overlap_pairs(b: np.ndarray, share: float = 0.0) -> np.ndarray:
    """Index pairs of rows of ``b`` (x0, y0, x1, y1) overlapping by more than ``share`` of the smaller."""
    b = np.asarray(b, dtype=float).reshape(-1, 4)
    iw = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    ih = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    inter = np.clip(iw, 0, None) * np.clip(ih, 0, None)
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    smaller = np.minimum(area[:, None], area[None, :])
    hit = (inter > share * smaller) & (inter > 0)
    i, j = np.nonzero(np.triu(hit, 1))
    return np.stack([i, j], axis=1)


# -- choosing word labels to cover the map ---------------------------------------------------------
def spread(pixels, frequency, *, cell: tuple[float, float] = (90.0, 36.0), exclude=()) -> np.ndarray:
    """Rows in the order to try as labels: first the most frequent row of every ``cell``-sized
    grid cell (px), visited farthest-first (each next cell is the one farthest from those already
    chosen, starting with the most frequent row of all); then every cell's second most frequent,
    and so on, more frequent first. The first labels cover the whole map, each the most common
    word of its neighbourhood, instead of packing where the frequent words are.

    >>> spread([[0, 0], [1, 1], [500, 0], [400, 300]], [3.0, 9.0, 1.0, 2.0]).tolist()
    [1, 2, 3, 0]
    """
    px = np.asarray(pixels, dtype=np.float64).reshape(-1, 2)
    freq = np.asarray(frequency, dtype=np.float64)
    keep = np.ones(len(px), dtype=bool)
    keep[np.asarray(list(exclude), dtype=np.int64)] = False
    rows = np.flatnonzero(keep & np.isfinite(px).all(axis=1))
    if not rows.size:
        return rows
    c = np.floor((px[rows] - px[rows].min(axis=0)) / np.asarray(cell)).astype(np.int64)
    ids = c[:, 0] * (int(c[:, 1].max()) + 1) + c[:, 1]
    order = np.lexsort((rows, -freq[rows], ids))
    start = np.r_[0, np.flatnonzero(np.diff(ids[order])) + 1]
    turn = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
    firsts = rows[order[start]]
    later = rows[order[turn > 0]]
    later = later[np.lexsort((later, -freq[later], turn[turn > 0]))]
    return np.concatenate([_farthest_first(px[firsts], firsts, freq), later])


def _farthest_first(points: np.ndarray, rows: np.ndarray, freq: np.ndarray) -> np.ndarray:
    """``rows`` reordered: the most frequent first, then each time the one farthest from all chosen."""
    n = len(rows)
    out = np.empty(n, dtype=np.int64)
    nearest = np.full(n, np.inf)
    pick = int(np.lexsort((rows, -freq[rows]))[0])
    for k in range(n):
        out[k] = rows[pick]
        nearest = np.minimum(nearest, np.hypot(*(points - points[pick]).T))
        nearest[pick] = -1.0
        pick = int(np.argmax(nearest))
    return out
