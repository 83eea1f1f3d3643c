"""Analogy pictures: the parallelogram on any projection, and what a 2-D map keeps of neighbours.

:func:`parallelogram` draws ``a → b`` and ``c → result`` (and ``c → expected`` when given) as arrows
over given 2-D or 3-D coordinates: annotations with arrowheads in 2-D, line segments with cones in
3-D; :func:`analogy_figure` draws it on a local view (PCA fitted to the words involved and their
nearest neighbours, :func:`embviz.reduce.pca.analogy_view`). Figures only draw: coordinates and the
neighbour table (:func:`embviz.faithfulness.neighbour_comparison`) come from the package; words and
titles from data are escaped (:mod:`embviz.figures.text`).

>>> import numpy as np
>>> coords = np.array([[0, 0], [0, 1], [1, 0], [1, 1], [5, 5]], dtype=float)
>>> fig = parallelogram(coords, ["man", "king", "woman", "queen", "apple"], ("man", "king", "woman"), "queen")
>>> [a.text for a in fig.layout.annotations if a.showarrow]
['', '']
>>> [t.name for t in fig.data]
['other words', 'parallelogram', 'inputs', 'result']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ParameterError
from .analogy_labels import nominal_pixels, place_text_labels  # noqa: F401  (nominal_pixels: tests)
from .text import escape, escape_all

INPUT_COLOR = "#4C78A8"
RESULT_COLOR = "#E4572E"
EXPECTED_COLOR = "#54A24B"
CONTEXT_COLOR = "#B8BEC7"
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"


def _arrow2d(p: np.ndarray, q: np.ndarray, color: str, dash: bool = False) -> dict:
    return dict(
        x=float(q[0]),
        y=float(q[1]),
        ax=float(p[0]),
        ay=float(p[1]),
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        text="",
        showarrow=True,
        arrowhead=2,
        arrowsize=1.4,
        arrowwidth=2.6 if not dash else 1.6,
        arrowcolor=color,
        opacity=0.95 if not dash else 0.7,
        standoff=5,
        startstandoff=5,
    )


def _cone(p: np.ndarray, q: np.ndarray, color: str, size: float) -> go.Cone:
    d = q - p
    return go.Cone(
        x=[q[0]],
        y=[q[1]],
        z=[q[2]],
        u=[d[0]],
        v=[d[1]],
        w=[d[2]],
        anchor="tip",
        sizemode="absolute",
        sizeref=size,
        showscale=False,
        colorscale=[[0, color], [1, color]],
        hoverinfo="skip",
        name="arrowhead",
        showlegend=False,
    )


def parallelogram(
    coords: np.ndarray,
    keys: Sequence[str],
    triple: tuple[str, str, str] | None,
    result: str | None,
    *,
    expected: str | None = None,
    inputs: Sequence[str] = (),
    others: Sequence[str] | None = None,
    label_others: int = 20,
    title: str = "",
    axis_titles: Sequence[str] | None = None,
    height: int = 560,
) -> go.Figure:
    """The analogy ``a : b :: c : result`` drawn over ``coords`` (N × 2 or N × 3, rows = ``keys``).

    Arrows ``a → b`` and ``c → result`` (green ``c → expected`` when ``expected`` differs), dotted
    sides ``a → c`` and ``b → result`` close the parallelogram. Without a triple (a free
    expression) the ``inputs`` are marked and joined to the result. Every other row is drawn
    faintly; the first ``label_others`` of ``others`` (default: all) get labels.
    """
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3) or len(coords) != len(keys):
        raise ParameterError(
            "parallelogram", "coords", f"an array of shape ({len(keys)}, 2 or 3)", coords.shape
        )
    dims = coords.shape[1]
    pos = {k: i for i, k in enumerate(keys)}
    words = list(triple) if triple else list(inputs)
    missing = [w for w in [*words, result, expected] if w is not None and w not in pos]
    if missing:
        raise ParameterError("parallelogram", "keys", "containing every word of the analogy", missing)
    at = {w: coords[pos[w]] for w in [*words, result, expected] if w is not None}
    special = set(at)
    rest = [i for i, k in enumerate(keys) if k not in special]
    fig = go.Figure()
    _add_points(
        fig,
        coords[rest],
        [keys[i] for i in rest],
        dims,
        "other words",
        CONTEXT_COLOR,
        6,
        labels=set(list(others if others is not None else [keys[i] for i in rest])[:label_others]),
    )
    if triple:
        a, b, c = triple
        arrows = [(a, b, INPUT_COLOR, False)]
        if result:
            arrows.append((c, result, RESULT_COLOR, False))
        if expected and expected != result:
            arrows.append((c, expected, EXPECTED_COLOR, False))
        sides = [(a, c), (b, result)] if result else []
    else:
        arrows = [(w, result, RESULT_COLOR, True) for w in words] if result else []
        sides = []
    _add_sides(fig, [(at[p], at[q]) for p, q in sides], dims)
    _add_points(
        fig, np.array([at[w] for w in words]), words, dims, "inputs", INPUT_COLOR, 11, labels=set(words)
    )
    if result:
        _add_points(
            fig,
            at[result][None, :],
            [result],
            dims,
            "result",
            RESULT_COLOR,
            14,
            labels={result},
            symbol="star" if dims == 2 else "diamond",
        )
    if expected and expected != result:
        _add_points(
            fig, at[expected][None, :], [expected], dims, "expected", EXPECTED_COLOR, 12, labels={expected}
        )
    span = float(np.ptp(coords, axis=0).max()) if len(coords) > 1 else 1.0
    if dims == 2:
        for p, q, color, dash in arrows:
            fig.add_annotation(**_arrow2d(at[p], at[q], color, dash))
    else:
        for p, q, color, _ in arrows:
            seg = np.array([at[p], at[q]])
            fig.add_trace(
                go.Scatter3d(
                    x=seg[:, 0],
                    y=seg[:, 1],
                    z=seg[:, 2],
                    mode="lines",
                    name=escape(f"{p} → {q}"),
                    line=dict(color=color, width=7),
                    hoverinfo="skip",
                    showlegend=False,
                )
            )
            fig.add_trace(_cone(at[p], at[q], color, 0.06 * span))
    if dims == 2:
        place_text_labels(fig, height)
    _layout(fig, dims, escape(title) if title else "", [escape(t) for t in axis_titles] if axis_titles else None,
            height)
    return fig


# where a label sits beside its point (labels.place's xanchor/yanchor of the box) as Plotly says it
def _add_points(fig, xy, names, dims, trace_name, color, size, *, labels=frozenset(), symbol="circle"):
    if len(xy) == 0:
        return
    text = [escape(n) if n in labels else "" for n in names]  # words from data, as Plotly text
    common = dict(name=trace_name, text=text, hovertext=escape_all(names), hoverinfo="text", showlegend=True)
    faint = trace_name == "other words"
    marker = dict(
        color=color,
        size=size if dims == 2 else size * 0.6,
        symbol=symbol,
        opacity=0.55 if faint else 1.0,
        line=dict(width=0 if faint else 1.5, color="white"),
    )
    font = dict(size=11 if faint else 15, color="#6B7280" if faint else color, family=FONT)
    mode = "markers+text"
    if dims == 2:
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode=mode,
                marker=marker,
                textposition="top center",
                textfont=font,
                **common,
            )
        )
    else:
        fig.add_trace(
            go.Scatter3d(
                x=xy[:, 0],
                y=xy[:, 1],
                z=xy[:, 2],
                mode=mode,
                marker=marker,
                textposition="top center",
                textfont=font,
                **common,
            )
        )


def _add_sides(fig, segments, dims):
    """The two dotted sides that close the parallelogram (one trace, gaps between segments)."""
    pts: list[list[float | None]] = []
    for p, q in segments:
        pts += [list(p), list(q), [None] * dims]
    pts = pts or [[None] * dims]
    cols = list(zip(*pts))
    line = dict(color="#9AA3AF", width=1.5 if dims == 2 else 3, dash="dot" if dims == 2 else "dash")
    if dims == 2:
        fig.add_trace(
            go.Scatter(x=cols[0], y=cols[1], mode="lines", line=line, name="parallelogram", hoverinfo="skip")
        )
    else:
        fig.add_trace(
            go.Scatter3d(
                x=cols[0],
                y=cols[1],
                z=cols[2],
                mode="lines",
                line=line,
                name="parallelogram",
                hoverinfo="skip",
            )
        )


def _layout(fig, dims, title, axis_titles, height):
    names = list(axis_titles or ([f"component {i + 1}" for i in range(dims)]))
    fig.update_layout(
        title=dict(text=title, x=0.01, y=0.99, yanchor="top", font=dict(size=15)) if title else None,
        height=height,
        margin=dict(l=10, r=10, t=72 if title else 36, b=10),  # the title, then the legend above the plot
        template="plotly_white",
        font=dict(family=FONT),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, x=0),
        hovermode="closest",
    )
    if dims == 2:
        fig.update_xaxes(title=names[0], zeroline=False, showgrid=True, gridcolor="#EEF0F3")
        fig.update_yaxes(
            title=names[1], zeroline=False, showgrid=True, gridcolor="#EEF0F3", scaleanchor="x", scaleratio=1
        )
    else:
        fig.update_layout(
            scene=dict(xaxis_title=names[0], yaxis_title=names[1], zaxis_title=names[2], aspectmode="data")
        )


def analogy_figure(view, result, *, title: str | None = None) -> go.Figure:
    """The parallelogram of an :class:`~embviz.analogies.AnalogyResult` on a local view
    (:func:`embviz.reduce.pca.analogy_view`: coordinates, keys, explained variance)."""
    from ..analogies import triple_of

    dims = view.coords.shape[1]
    ev = ", ".join(f"{v:.0%}" for v in view.explained_variance)
    return parallelogram(
        view.coords,
        view.keys,
        triple_of(result.expression),
        result.top,
        expected=result.expected,
        inputs=result.inputs,
        title=title if title is not None else f"{result.expression}  →  {result.top}",
        axis_titles=[f"local PC{i + 1}" for i in range(dims)],
    ).update_layout(meta={"explained_variance": ev})


# -- neighbours kept by a map (the table comes from embviz.faithfulness.neighbour_comparison) --------
STATUS_COLORS = {"kept": "#54A24B", "lost": "#E45756", "invented": "#F58518"}


def neighbour_map(
    coords: np.ndarray, keys: Sequence[str], word: str, table: pd.DataFrame, *, height: int = 480
) -> go.Figure:
    """The map around ``word`` with its true neighbours kept / lost and the invented ones coloured."""
    coords = np.asarray(coords, dtype=np.float64)[:, :2]
    pos = {w: i for i, w in enumerate(keys)}
    c = coords[pos[word]]
    fig = go.Figure()
    radius = (
        max(float(np.abs(coords[[pos[k] for k in table["key"]]] - c).max()) * 1.3, 1e-9)
        if len(table)
        else 1.0
    )
    near = np.flatnonzero((np.abs(coords - c) <= radius).all(axis=1))
    fig.add_trace(
        go.Scattergl(
            x=coords[near, 0],
            y=coords[near, 1],
            mode="markers",
            name="other words",
            marker=dict(color=CONTEXT_COLOR, size=5),
            hovertext=escape_all([keys[i] for i in near]),
            hoverinfo="text",
        )
    )
    for status, color in STATUS_COLORS.items():
        part = table[table["status"] == status]
        xy = coords[[pos[k] for k in part["key"]]] if len(part) else np.zeros((0, 2))
        for x, y in xy:
            fig.add_shape(
                type="line",
                x0=c[0],
                y0=c[1],
                x1=x,
                y1=y,
                line=dict(color=color, width=1, dash="dot"),
                layer="below",
            )
        fig.add_trace(
            go.Scatter(
                x=xy[:, 0],
                y=xy[:, 1],
                mode="markers+text",
                name=f"{status} ({len(part)})",
                text=escape_all(part["key"]),
                textposition="top center",
                marker=dict(color=color, size=10, line=dict(width=1, color="white")),
                textfont=dict(color=color),
            )
        )
    fig.add_trace(
        go.Scatter(
            x=[c[0]],
            y=[c[1]],
            mode="markers+text",
            name=escape(word),
            text=[escape(word)],
            textposition="bottom center",
            marker=dict(color="#111111", size=13, symbol="star"),
            textfont=dict(size=15),
        )
    )
    _layout(fig, 2, escape(f"Neighbours of “{word}”: in the space vs on the map"), ["x", "y"], height)
    return fig
