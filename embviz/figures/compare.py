"""Figures for comparing projection methods: metrics table, kNN recall against k, and an
animated transition from one method's layout to another's.

The maps themselves are :func:`embviz.figures.scatter.scatter` figures (same colours, aligned
coordinates); these builders add what a comparison needs.

>>> import numpy as np
>>> fig = recall_curve({"PCA": {5: 0.1, 10: 0.15}, "t-SNE": {5: 0.5, 10: 0.55}})
>>> [t.name for t in fig.data], list(fig.data[1].y)
(['PCA', 't-SNE'], [0.5, 0.55])
>>> a, b = np.zeros((3, 2), np.float32), np.ones((3, 2), np.float32)
>>> fig = transition(a, b, ["x", "y", "z"], start_name="PCA", end_name="UMAP", steps=4)
>>> len(fig.frames), fig.frames[-1].name
(4, 'UMAP')
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ParameterError
from .scatter import BASE_COLOR, FONT, OTHER_COLOR, PALETTE
from .text import escape, escape_all

METHOD_COLORS = ["#4C78A8", "#E45756", "#54A24B", "#B279A2"]


def metrics_frame(results: dict[str, dict], seconds: dict[str, float] | None = None) -> pd.DataFrame:
    """One row per method: seconds and every quality metric (columns in a stable order).

    >>> metrics_frame({"PCA": {"trustworthiness@10": 0.8, "n": 5, "sampled": False}}, {"PCA": 0.1}).columns.tolist()
    ['method', 'seconds', 'trustworthiness@10']
    """
    rows = []
    for method, q in results.items():
        row = {"method": method}
        if seconds is not None:
            row["seconds"] = round(float(seconds.get(method, float("nan"))), 2)
        for key, value in q.items():
            if "@" in key or key == "spearman":
                row[key] = round(float(value), 4)
        rows.append(row)
    df = pd.DataFrame(rows)
    families = ["trustworthiness", "continuity", "knn_recall"]  # the headline score first
    metric_cols = sorted((c for c in df.columns if "@" in c),
                         key=lambda c: (families.index(c.split("@")[0]) if c.split("@")[0] in families else len(families),
                                        c.split("@")[0], int(c.split("@")[1])))
    rest = [c for c in ("spearman",) if c in df.columns]
    return df[[c for c in ("method", "seconds") if c in df.columns] + metric_cols + rest]


def recall_curve(curves: dict[str, dict[int, float]], *, title: str = "kNN recall against k") -> go.Figure:
    """Lines of kNN recall (share of true neighbours kept) against k, one per method."""
    fig = go.Figure()
    all_ks = sorted({k for points in curves.values() for k in points})
    for i, (method, points) in enumerate(curves.items()):
        ks = sorted(points)
        name = escape(method)
        fig.add_trace(go.Scatter(x=ks, y=[points[k] for k in ks], mode="lines+markers", name=name,
                                 line={"color": METHOD_COLORS[i % len(METHOD_COLORS)], "width": 2.5},
                                 hovertemplate=f"{name}<br>k = %{{x}}<br>recall %{{y:.3f}}<extra></extra>"))
    fig.update_layout(title=escape(title), font={"family": FONT}, xaxis_title="k (neighbours)", yaxis_title="kNN recall",
                      yaxis={"range": [0, 1]}, xaxis={"type": "log", "tickvals": all_ks}, height=340,
                      margin={"l": 50, "r": 20, "t": 50, "b": 40}, legend={"orientation": "h", "y": -0.25}, template="plotly_white")
    return fig


def _colours(values: Sequence | None, n: int, colors: dict | None = None) -> list[str] | np.ndarray | str:
    """Per-point colours: categories by ``colors`` (value -> colour, e.g. the whole table's
    :func:`embviz.colors.category_colors`; default: the 12 most common here), numbers stay numbers."""
    if values is None:
        return BASE_COLOR
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu":
        return arr.astype(np.float32)
    labels = pd.Series(arr.astype(str))
    if colors is None:
        top = labels.value_counts().index[: len(PALETTE)]
        colors = {v: PALETTE[i] for i, v in enumerate(top)}
    return [colors.get(v, OTHER_COLOR) for v in labels]


def transition(
    start: np.ndarray,
    end: np.ndarray,
    keys: Sequence[str],
    *,
    color: Sequence | None = None,
    colors: dict | None = None,
    start_name: str = "",
    end_name: str = "",
    steps: int = 12,
    duration_ms: int = 120,
) -> go.Figure:
    """An animated 2-D scatter that moves every point from ``start`` to ``end`` (align the two
    first, :mod:`embviz.reduce.align`: this draws them as given).

    Frames are eased straight-line interpolations; Play and a slider drive them. ``color``: per
    point, categories (coloured by ``colors`` when given) or numbers. Frames carry only
    positions: the points' text and colours are sent once.
    """
    from ..reduce.align import interpolate

    start, end = np.asarray(start, np.float32), np.asarray(end, np.float32)
    if start.shape != end.shape or start.ndim != 2 or start.shape[1] != 2:
        raise ParameterError("transition", "end", f"an N × 2 array like the start {start.shape}", end.shape)
    frames_xy = interpolate(start, end, steps)
    start_name, end_name = escape(start_name), escape(end_name)
    names = [start_name or "start"] + [f"{i}" for i in range(1, steps - 1)] + [end_name or "end"]
    colours = _colours(color, len(start), colors)
    marker = {"size": 4, "color": colours, "opacity": 0.75}
    if isinstance(colours, np.ndarray):
        marker.update(colorscale="Viridis", showscale=False)

    def trace(xy):
        return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", marker=marker, text=escape_all(keys),
                          hovertemplate="%{text}<extra></extra>", showlegend=False)

    frames = [go.Frame(data=[go.Scatter(x=xy[:, 0], y=xy[:, 1])], name=name) for xy, name in zip(frames_xy, names)]
    lo = np.minimum(start.min(axis=0), end.min(axis=0))
    hi = np.maximum(start.max(axis=0), end.max(axis=0))
    pad = (hi - lo) * 0.05 + 1e-6
    play = {"frame": {"duration": duration_ms, "redraw": False}, "transition": {"duration": 0}, "fromcurrent": True}
    fig = go.Figure(data=[trace(frames_xy[0])], frames=frames)
    fig.update_layout(
        title=f"From {start_name or 'start'} to {end_name or 'end'}", font={"family": FONT}, height=480,
        template="plotly_white", margin={"l": 20, "r": 20, "t": 50, "b": 20},
        xaxis={"range": [lo[0] - pad[0], hi[0] + pad[0]], "showticklabels": False, "zeroline": False},
        yaxis={"range": [lo[1] - pad[1], hi[1] + pad[1]], "showticklabels": False, "zeroline": False},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.02, "xanchor": "left", "yanchor": "top",
                          "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, play]},
                                   {"label": "◀ Back", "method": "animate", "args": [names[::-1], play]}]}],
        sliders=[{"active": 0, "x": 0.2, "len": 0.8, "y": -0.02, "currentvalue": {"prefix": ""},
                      "steps": [{"label": name if i in (0, steps - 1) else "", "method": "animate",
                                  "args": [[name], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]}
                             for i, name in enumerate(names)]}],
    )
    return fig
