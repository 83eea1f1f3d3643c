"""The embedding map: a 2-D (WebGL) or 3-D scatter of projected points.

One pure builder, :func:`scatter`, used by the dashboard, the command line and notebooks. Layers,
bottom to top: every point (coloured by a category or a number), labels for the most frequent
words, highlighted matches of a search, and a query word joined to its nearest neighbours.

Positions go out as float32 NumPy arrays, which Plotly serialises as base64 typed arrays; each point
carries its row number in ``customdata`` so a selection maps back to the data.

>>> import numpy as np
>>> coords = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)
>>> fig = scatter(coords, ["a", "b", "c", "d"], color=["x", "x", "y", "y"],
...               highlight=[3], query=0, neighbors=[1, 2], labels=[0])
>>> [t.name for t in fig.data]
['x', 'y', 'labels', 'matches', 'links', 'neighbours of a', 'a']
>>> fig.data[0].type, [int(i) for i in fig.data[1].customdata]
('scattergl', [2, 3])
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from ..errors import ParameterError

PALETTE = [
    "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2",
    "#FF9DA6", "#9D755D", "#EECA3B", "#6F4E7C", "#0099C6", "#BAB0AC",
]
OTHER_COLOR = "#C8CCD2"
BASE_COLOR = "#5B7DB1"
HIGHLIGHT_COLOR = "#7B2CBF"
QUERY_COLOR = "#E4572E"
NEIGHBOR_COLOR = "#1F2430"
DIMMED = 0.3          # base-layer opacity factor while something is highlighted
MAX_CATEGORIES = 12
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"


def scatter(
    coords: np.ndarray,
    keys: Sequence[str],
    *,
    color: Sequence | np.ndarray | None = None,
    color_name: str = "",
    hover: Sequence[str] | np.ndarray | None = None,
    labels: Sequence[int] | np.ndarray = (),
    highlight: Sequence[int] | np.ndarray = (),
    query: int | None = None,
    neighbors: Sequence[int] | np.ndarray = (),
    title: str = "",
    note: str = "",
    axis_titles: Sequence[str] | None = None,
    present: bool = False,
    height: int | None = None,
) -> go.Figure:
    """A scatter of ``coords`` (N × 2 or N × 3) named by ``keys``.

    ``color``: per-point categories (the 12 most common get a colour and a legend entry, the rest
    are "other") or numbers (a continuous colour scale). ``labels``, ``highlight`` and
    ``neighbors`` are row numbers; ``query`` is the row whose ``neighbors`` are joined to it by
    lines. ``note`` is written on the figure (e.g. "random sample of 20,000 of 50,000 points").
    ``present`` makes fonts and markers large enough for a projector.
    """
    coords = np.asarray(coords, dtype=np.float32)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise ParameterError("scatter", "coords", "an N × 2 or N × 3 array", coords.shape)
    n, dims = coords.shape
    if len(keys) != n:
        raise ParameterError("scatter", "keys", f"one key per point ({n})", len(keys))
    hover = _as_text(keys if hover is None else hover)
    size = _marker_size(n, dims, present)
    fig = go.Figure()
    focus = bool(len(highlight)) or query is not None
    for trace in _base_traces(coords, hover, color, color_name, size, DIMMED if focus else 1.0):
        fig.add_trace(trace)
    label_rows = _rows(labels, n)
    if label_rows.size:
        fig.add_trace(_text_trace(coords, keys, label_rows, "labels", present))
    hl = _rows(highlight, n)
    if hl.size:
        fig.add_trace(_points(coords, hl, hover, "matches", size=size * 2.2 + 3, color=HIGHLIGHT_COLOR,
                              text=keys, line=True, font=20 if present else 14))
    if query is not None:
        for trace in _neighbor_traces(coords, keys, hover, int(query), _rows(neighbors, n), size, present):
            fig.add_trace(trace)
    _layout(fig, dims, title, note, axis_titles, present, height, n)
    return fig


def _as_text(values) -> np.ndarray:
    """Text as an object array: Plotly validates it far faster than a list (20k rows: 15 ms)."""
    arr = np.asarray(values, dtype=object)
    return arr


def _rows(rows, n: int) -> np.ndarray:
    arr = np.asarray(rows if rows is not None else [], dtype=np.int64).ravel()
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ParameterError("scatter", "rows", f"row numbers in [0, {n})", int(arr.max()))
    return arr


def _marker_size(n: int, dims: int, present: bool) -> float:
    base = 7.0 if n < 2_000 else 5.0 if n < 10_000 else 4.0
    if dims == 3:
        base *= 0.6
    return base * (1.6 if present else 1.0)


def _cls(dims: int):
    return go.Scattergl if dims == 2 else go.Scatter3d


def _xyz(coords: np.ndarray, rows: np.ndarray | None = None) -> dict:
    sub = coords if rows is None else coords[rows]
    out = {"x": np.ascontiguousarray(sub[:, 0]), "y": np.ascontiguousarray(sub[:, 1])}
    if coords.shape[1] == 3:
        out["z"] = np.ascontiguousarray(sub[:, 2])
    return out


def _base_traces(coords, hover, color, color_name, size, fade=1.0) -> list:
    n, dims = coords.shape
    cls = _cls(dims)
    common = dict(mode="markers", hovertemplate="%{hovertext}<extra></extra>")
    if color is None:
        return [cls(**_xyz(coords), hovertext=hover, customdata=np.arange(n, dtype=np.int32),
                    marker=dict(size=size, color=BASE_COLOR, opacity=0.55 * fade), name="words",
                    showlegend=False, **common)]
    values = np.asarray(color)
    if len(values) != n:
        raise ParameterError("scatter", "color", f"one value per point ({n})", len(values))
    if values.dtype.kind in "fiu":
        vals = values.astype(np.float32)
        return [cls(**_xyz(coords), hovertext=hover, customdata=np.arange(n, dtype=np.int32),
                    marker=dict(size=size, color=vals, colorscale="Viridis", opacity=0.75 * fade,
                                colorbar=dict(title=dict(text=color_name), thickness=14)),
                    name=color_name or "value", showlegend=False, **common)]
    return _category_traces(coords, hover, values.astype(str), size, cls, common, fade)


def _category_traces(coords, hover, values, size, cls, common, fade) -> list:
    cats, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    shown = order[:MAX_CATEGORIES] if len(cats) > MAX_CATEGORIES else order
    traces = []
    for j, c in enumerate(shown):
        rows = np.flatnonzero(inverse == c).astype(np.int32)
        traces.append(cls(**_xyz(coords, rows), hovertext=hover[rows], customdata=rows,
                          marker=dict(size=size, color=PALETTE[j % len(PALETTE)], opacity=0.7 * fade),
                          name=str(cats[c]), **common))
    rest = np.flatnonzero(~np.isin(inverse, shown)).astype(np.int32)
    if rest.size:
        traces.insert(0, cls(**_xyz(coords, rest), hovertext=hover[rest], customdata=rest,
                             marker=dict(size=size, color=OTHER_COLOR, opacity=0.5 * fade),
                             name=f"+{len(cats) - len(shown)} more", **common))
    return traces


def _points(coords, rows, hover, name, *, size, color, text=None, line=False, symbol="circle", font=14):
    dims = coords.shape[1]
    marker = dict(size=size, color=color, symbol=symbol, opacity=1.0)
    if line:
        marker["line"] = dict(color="white", width=1.5)
    kw = {}
    if text is not None and dims == 2 and len(rows) <= 60:
        kw = dict(mode="markers+text", text=[text[i] for i in rows], textposition="top center",
                  textfont=dict(color=color, size=font))
    else:
        kw = dict(mode="markers")
    cls = _cls(dims)  # WebGL in 2-D: an SVG trace would be drawn *under* the WebGL canvas
    return cls(**_xyz(coords, rows), hovertext=hover[rows], customdata=rows.astype(np.int32),
               hovertemplate="%{hovertext}<extra>" + name + "</extra>", marker=marker, name=name, **kw)


def _text_trace(coords, keys, rows, name, present):
    cls = _cls(coords.shape[1])
    return cls(**_xyz(coords, rows), mode="text", text=[keys[i] for i in rows], name=name,
               textfont=dict(size=16 if present else 12, color="#1F2430"), hoverinfo="skip",
               showlegend=False)


def _neighbor_traces(coords, keys, hover, query, nbrs, size, present) -> list:
    dims = coords.shape[1]
    cls = _cls(dims)
    traces = []
    if nbrs.size:
        seg = np.full((3 * len(nbrs), dims), np.nan, dtype=np.float32)
        seg[0::3] = coords[query]
        seg[1::3] = coords[nbrs]
        traces.append(cls(**_xyz(seg), mode="lines", line=dict(color="rgba(31,36,48,0.45)", width=1.5),
                          hoverinfo="skip", showlegend=False, name="links"))
        grow = 2 if dims == 2 else 1.5  # scatter3d draws the same marker size much larger
        traces.append(_points(coords, nbrs, hover, f"neighbours of {keys[query]}", size=size * grow + 4,
                              color=NEIGHBOR_COLOR, text=keys, line=True, font=20 if present else 14))
    q = np.array([query])
    star = _points(coords, q, hover, keys[query], size=size * 4 + 12 if dims == 2 else size * 2 + 6,
                   color=QUERY_COLOR, text=keys,
                   line=True, symbol="star" if dims == 2 else "diamond")
    if dims == 2:
        star.textfont = dict(color=QUERY_COLOR, size=30 if present else 18)
    traces.append(star)
    return traces


def _layout(fig, dims, title, note, axis_titles, present, height, n) -> None:
    big = present
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=28 if big else 17)) if title else None,
        font=dict(family=FONT, size=20 if big else 13),
        template="plotly_white",
        height=height or (860 if big else 640),
        margin=dict(l=10, r=10, t=60 if title else 20, b=10),
        legend=dict(itemsizing="constant", bgcolor="rgba(255,255,255,0.8)", font=dict(size=18 if big else 12)),
        hoverlabel=dict(font_size=18 if big else 13),
        dragmode="lasso" if dims == 2 and n > 0 else None,
        uirevision="embviz",
        meta={"points": n},
    )
    names = list(axis_titles or [])
    if dims == 2:
        fig.update_xaxes(showgrid=False, zeroline=False, showticklabels=False, title=names[0] if names else None)
        fig.update_yaxes(showgrid=False, zeroline=False, showticklabels=False, title=names[1] if len(names) > 1 else None,
                         scaleanchor="x", scaleratio=1)
    else:
        axis = dict(showgrid=True, gridcolor="#EEF0F3", zeroline=False, showticklabels=False,
                    backgroundcolor="white", showbackground=True)
        fig.update_layout(scene=dict(
            xaxis=dict(axis, title=names[0] if names else ""),
            yaxis=dict(axis, title=names[1] if len(names) > 1 else ""),
            zaxis=dict(axis, title=names[2] if len(names) > 2 else ""),
            aspectmode="data"))
    if note:
        fig.add_annotation(text=note, xref="paper", yref="paper", x=0.995, y=0.005, xanchor="right",
                           yanchor="bottom", showarrow=False, font=dict(size=16 if big else 12, color="#555"),
                           bgcolor="rgba(255,255,255,0.85)")


def trace_rows(fig: go.Figure) -> list[np.ndarray | None]:
    """Row numbers of every trace's points (from ``customdata``), to map a selection back."""
    return [None if t.customdata is None else np.asarray(t.customdata, dtype=np.int64).ravel()
            for t in fig.data]


def selected_rows(selection: dict | None, rows: list[np.ndarray | None]) -> np.ndarray:
    """Unique data rows of a Streamlit Plotly selection (points carry curve and point index).

    >>> selected_rows({"points": [{"curve_number": 1, "point_index": 0}]}, [None, np.array([7, 9])])
    array([7])
    """
    if not selection:
        return np.array([], dtype=np.int64)
    found = []
    for p in selection.get("points", []) or []:
        c, i = p.get("curve_number"), p.get("point_index", p.get("point_number"))
        if c is None or i is None or c >= len(rows) or rows[c] is None or i >= len(rows[c]):
            continue
        found.append(int(rows[c][i]))
    return np.unique(np.array(found, dtype=np.int64))
