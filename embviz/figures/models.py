"""Figures for comparing two models: maps coloured by neighbour overlap, a morph from one model's
map to the other's, the spread of overlaps, and benchmark accuracy side by side.

Pure Plotly builders: words reach the figures escaped (:mod:`embviz.figures.text`).

>>> import numpy as np
>>> xy = np.random.default_rng(0).normal(size=(5, 2)).astype(np.float32)
>>> fig = morph(xy, xy + 1, list("abcde"), [0, 0.5, 1, 1, 0.2], k=10, names=("MiniLM", "word2vec"), steps=4)
>>> len(fig.frames), fig.frames[-1].name, fig.data[0].marker.cmax
(4, 'word2vec', 1.0)
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..errors import ParameterError
from .scatter import FONT, scatter
from .text import escape, escape_all

COLORSCALE = "Viridis"
A_COLOR, B_COLOR = "#4C78A8", "#E45756"


def hover_text(words: Sequence[str], overlap: Sequence[float], rank_change: Sequence[float], k: int) -> np.ndarray:
    """Per word: the word, its overlap@k and rank change (escaped for Plotly)."""
    ov = np.asarray(overlap, dtype=np.float64)
    rc = np.asarray(rank_change, dtype=np.float64)
    shown = [f"overlap@{k}: {o:.0%} · rank change {r:.2f}" if np.isfinite(o) else "no neighbours (a zero vector)"
             for o, r in zip(ov, rc)]
    return ("<b>" + escape_all(words) + "</b><br>" + np.asarray(shown, dtype=object)).astype(object)


def _colour(overlap) -> np.ndarray:
    ov = np.asarray(overlap, dtype=np.float32)
    return np.where(np.isfinite(ov), ov, 0.0).astype(np.float32)


def model_map(coords: np.ndarray, words: Sequence[str], overlap: Sequence[float], *, k: int,
              hover: Sequence[str] | None = None, highlight: Sequence[int] = (), title: str = "",
              note: str = "", height: int = 460) -> go.Figure:
    """One model's map, every word coloured by its neighbour overlap (0 to 1, the same scale in
    both maps), ``highlight`` rows (a linked selection) drawn on top."""
    colour = _colour(overlap)
    if len(colour) != len(words):
        raise ParameterError("model_map", "overlap", f"one value per word ({len(words)})", len(colour))
    fig = scatter(coords, list(words), color=colour, color_name=f"overlap@{k}", hover=hover,
                  highlight=highlight, title=title, note=note, height=height)
    fig.update_traces(selector={"name": f"overlap@{k}"}, marker={"cmin": 0.0, "cmax": 1.0})
    fig.update_traces(selector={"name": f"overlap@{k}"},
                      marker={"colorbar": {"title": {"text": f"overlap@{k}"}, "tickformat": ".0%",
                                           "thickness": 12, "len": 0.8}})
    fig.update_layout(margin={"l": 10, "r": 10})
    return fig


def morph(start: np.ndarray, end: np.ndarray, words: Sequence[str], overlap: Sequence[float], *, k: int,
          names: tuple[str, str] = ("A", "B"), hover: Sequence[str] | None = None, steps: int = 12,
          duration_ms: int = 120) -> go.Figure:
    """Every word moving from its place on A's map to its place on B's (maps aligned first), eased
    straight lines; Play/Back buttons and a slider drive the frames (SVG markers: Plotly animates
    them without redrawing, as :func:`embviz.figures.compare.transition` does)."""
    from ..reduce.align import interpolate

    start, end = np.asarray(start, np.float32), np.asarray(end, np.float32)
    if start.shape != end.shape or start.ndim != 2 or start.shape[1] != 2:
        raise ParameterError("morph", "end", f"an N × 2 array like the start {start.shape}", end.shape)
    text = hover if hover is not None else escape_all(words)
    marker = {"size": 5, "color": _colour(overlap), "colorscale": COLORSCALE, "cmin": 0.0, "cmax": 1.0,
              "opacity": 0.8, "colorbar": {"title": {"text": f"overlap@{k}"}, "tickformat": ".0%", "thickness": 12}}
    frames_xy = interpolate(start, end, steps)
    labels = [escape(names[0]) or "A"] + [str(i) for i in range(1, steps - 1)] + [escape(names[1]) or "B"]

    def trace(xy):
        return go.Scatter(x=xy[:, 0], y=xy[:, 1], mode="markers", marker=marker, hovertext=text,
                            hovertemplate="%{hovertext}<extra></extra>", showlegend=False, name="words")

    fig = go.Figure(data=[trace(frames_xy[0])],
                    frames=[go.Frame(data=[trace(xy)], name=n) for xy, n in zip(frames_xy, labels)])
    lo = np.minimum(start.min(axis=0), end.min(axis=0))
    hi = np.maximum(start.max(axis=0), end.max(axis=0))
    pad = (hi - lo) * 0.05 + 1e-6
    play = {"frame": {"duration": duration_ms, "redraw": False}, "transition": {"duration": 0}, "fromcurrent": True}
    fig.update_layout(
        title={"text": f"From {labels[0]} to {labels[-1]}", "x": 0.01}, font={"family": FONT}, height=520,
        template="plotly_white", margin={"l": 20, "r": 20, "t": 50, "b": 20},
        xaxis={"range": [lo[0] - pad[0], hi[0] + pad[0]], "showticklabels": False, "zeroline": False, "showgrid": False},
        yaxis={"range": [lo[1] - pad[1], hi[1] + pad[1]], "showticklabels": False, "zeroline": False,
               "showgrid": False, "scaleanchor": "x"},
        updatemenus=[{"type": "buttons", "direction": "left", "x": 0, "y": -0.02, "xanchor": "left", "yanchor": "top",
                      "buttons": [{"label": "▶ Play", "method": "animate", "args": [None, play]},
                                  {"label": "◀ Back", "method": "animate", "args": [labels[::-1], play]}]}],
        sliders=[{"active": 0, "x": 0.2, "len": 0.8, "y": -0.02, "currentvalue": {"prefix": ""},
                  "steps": [{"label": n if i in (0, steps - 1) else "", "method": "animate",
                             "args": [[n], {"mode": "immediate", "frame": {"duration": 0, "redraw": False}}]}
                            for i, n in enumerate(labels)]}],
    )
    return fig


def overlap_histogram(overlap: Sequence[float], k: int) -> go.Figure:
    """How many words share 0, 1, …, k of their k neighbours."""
    ov = np.asarray(overlap, dtype=np.float64)
    ov = ov[np.isfinite(ov)]
    counts = np.bincount(np.rint(ov * k).astype(int), minlength=k + 1)[: k + 1]
    fig = go.Figure(go.Bar(x=np.arange(k + 1), y=counts, marker={"color": np.arange(k + 1) / k,
                                                                    "colorscale": COLORSCALE, "cmin": 0, "cmax": 1},
                           hovertemplate=f"%{{x}} of {k} neighbours shared: %{{y:,}} words<extra></extra>"))
    fig.update_layout(title={"text": f"Neighbours shared (of {k})", "x": 0.01}, font={"family": FONT},
                      template="plotly_white", height=300, bargap=0.1, margin={"l": 40, "r": 10, "t": 50, "b": 40},
                      xaxis={"title": "shared neighbours", "dtick": 1 if k <= 20 else None}, yaxis={"title": "words"})
    return fig


def benchmark_bars(sections: pd.DataFrame, names: tuple[str, str] = ("A", "B")) -> go.Figure:
    """Analogy accuracy per section for both models (sections no shared question reaches left out)."""
    rows = sections[sections["asked"] > 0]
    labels = [f"{escape(s)} ({n:,})" for s, n in zip(rows["section"], rows["asked"])]
    fig = go.Figure()
    for side, name, colour in (("a", names[0], A_COLOR), ("b", names[1], B_COLOR)):
        fig.add_trace(go.Bar(y=labels, x=rows[f"accuracy_{side}"], orientation="h", name=escape(name),
                             marker={"color": colour},
                             hovertemplate="%{y}: %{x:.1%}<extra>" + escape(name) + "</extra>"))
    fig.update_layout(barmode="group", title={"text": "Analogy accuracy on the shared words", "x": 0.01},
                      font={"family": FONT}, template="plotly_white", height=120 + 34 * len(rows),
                      xaxis={"tickformat": ".0%", "range": [0, 1]}, yaxis={"autorange": "reversed"},
                      legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
                      margin={"l": 10, "r": 10, "t": 70, "b": 30})
    return fig
