"""A million points at once: a density image for the whole, real points for a sample or a zoom.

A scatter plot of a million markers is slow to draw and hides its own structure (overplotting).
:func:`density_figure` draws a 2-D histogram of every point as a heatmap (log colour, so sparse
regions stay visible) and, over it, interactive ``Scattergl`` markers for a random sample — or,
when ``x_range``/``y_range`` zoom in, the points inside that window (the histogram is recomputed for
the window, so zooming adds detail). Coordinates files are read by
:func:`embviz.coords.read_coordinates`; this module only draws.

>>> import numpy as np
>>> xy = np.random.default_rng(0).normal(size=(10_000, 2))
>>> fig = density_figure(xy, sample=500, bins=64)
>>> [t.type for t in fig.data], len(fig.data[1].x), int(fig.data[0].customdata.sum())
(['heatmap', 'scattergl'], 500, 10000)
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .text import escape, escape_all


def _as_xy(coords) -> np.ndarray:
    if isinstance(coords, pd.DataFrame):
        missing = [a for a in ("x", "y") if a not in coords.columns]
        if missing:
            raise ParameterError("density_figure", "coords", "a table with x and y columns", list(coords.columns))
        return coords[["x", "y"]].to_numpy(np.float64)
    xy = np.asarray(coords, dtype=np.float64)
    if xy.ndim != 2 or xy.shape[1] < 2 or len(xy) == 0:
        raise ParameterError("density_figure", "coords", "a non-empty N×2 array", getattr(xy, "shape", None))
    return xy[:, :2]


def _check_range(name: str, value) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lo, hi = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError("density_figure", name, "a pair (low, high)", value) from None
    if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
        raise ParameterError("density_figure", name, "a pair (low, high) with low < high", value)
    return lo, hi


def window_mask(xy: np.ndarray, x_range=None, y_range=None) -> np.ndarray:
    """Rows inside the window (a missing range means that axis is unbounded).

    >>> window_mask(np.array([[0, 0], [2, 2], [5, 1]]), x_range=(1, 6), y_range=(0, 1.5)).tolist()
    [False, False, True]
    """
    mask = np.isfinite(xy).all(axis=1)
    for axis, rng in ((0, x_range), (1, y_range)):
        if rng is not None:
            mask &= (xy[:, axis] >= rng[0]) & (xy[:, axis] <= rng[1])
    return mask


def density_figure(
    coords,
    labels=None,
    *,
    keys=None,
    sample: int = 5_000,
    x_range=None,
    y_range=None,
    bins: int = 256,
    seed: int = 0,
    title: str = "",
):
    """Heatmap of log(1 + count) over every point, plus up to ``sample`` interactive points.

    coords: N×2 array or a table with ``x``/``y`` (``key`` gives hover text).
    labels: optional N values to colour the points by (categorical).
    x_range, y_range: a zoom window; the histogram covers the window and the points are those
        inside it (a random ``sample`` of them when there are more).
    The heatmap's ``customdata`` holds the raw counts; the points trace's ``customdata`` their row
    numbers in ``coords``, so a selection maps back to rows.
    """
    import plotly.graph_objects as go

    xy = _as_xy(coords)
    if keys is None and isinstance(coords, pd.DataFrame) and "key" in coords.columns:
        keys = coords["key"].to_numpy()
    if not isinstance(sample, (int, np.integer)) or sample < 0:
        raise ParameterError("density_figure", "sample", "an integer >= 0", sample)
    if not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 4096:
        raise ParameterError("density_figure", "bins", "an integer in [2, 4096]", bins)
    if labels is not None and len(labels) != len(xy):
        raise ParameterError("density_figure", "labels", f"one value per point ({len(xy)})", len(labels))
    x_range, y_range = _check_range("x_range", x_range), _check_range("y_range", y_range)
    inside = window_mask(xy, x_range, y_range)
    rows = np.flatnonzero(inside)
    extent = [x_range or _span(xy[rows, 0]), y_range or _span(xy[rows, 1])]
    counts, xe, ye = np.histogram2d(xy[rows, 0], xy[rows, 1], bins=bins, range=extent)
    counts = counts.T  # histogram2d is x-major; a heatmap's z is row = y
    fig = go.Figure()
    fig.add_trace(go.Heatmap(
        x=(xe[:-1] + xe[1:]) / 2, y=(ye[:-1] + ye[1:]) / 2,
        z=np.where(counts > 0, np.log10(1 + counts), np.nan), customdata=counts,
        colorscale="Viridis", colorbar={"title": "points<br>(log10)"}, name="density",
        hovertemplate="x %{x:.3g}, y %{y:.3g}<br>%{customdata:,} points<extra></extra>",
    ))
    shown = rows
    if sample and len(rows) > sample:
        shown = np.sort(np.random.default_rng(seed).choice(rows, size=sample, replace=False))
    elif not sample:
        shown = rows[:0]
    _add_points(fig, xy, shown, labels, keys)
    where = "in view" if (x_range or y_range) else "in all"
    fig.update_layout(
        title=escape(title) if title else f"{len(rows):,} points {where}; {len(shown):,} drawn as markers",
        xaxis={"range": list(extent[0]), "title": "x"}, yaxis={"range": list(extent[1]), "title": "y"},
        dragmode="zoom", legend={"itemsizing": "constant"}, margin={"l": 40, "r": 10, "t": 50, "b": 40},
        plot_bgcolor="white",
    )
    return fig


def _span(values: np.ndarray) -> tuple[float, float]:
    if len(values) == 0:
        return (0.0, 1.0)
    lo, hi = float(values.min()), float(values.max())
    pad = (hi - lo) * 0.02 or 0.5
    return lo - pad, hi + pad


def _add_points(fig, xy: np.ndarray, shown: np.ndarray, labels, keys) -> None:
    import plotly.graph_objects as go

    text = None if keys is None else escape_all(np.asarray(keys, dtype=object)[shown])
    common = {"mode": "markers", "hovertemplate": "%{text}<extra></extra>" if text is not None else None}
    if labels is None:
        fig.add_trace(go.Scattergl(x=xy[shown, 0], y=xy[shown, 1], customdata=shown, text=text, name="points",
                                   marker={"size": 3, "color": "rgba(255,255,255,0.75)",
                                           "line": {"width": 0.3, "color": "#444"}}, **common))
        return
    values = np.asarray(labels, dtype=object)[shown].astype(str)
    for value in pd.unique(values):
        pick = values == value
        fig.add_trace(go.Scattergl(x=xy[shown[pick], 0], y=xy[shown[pick], 1], customdata=shown[pick],
                                   text=None if text is None else text[pick], name=escape(value),
                                   marker={"size": 4, "opacity": 0.8}, **common))
