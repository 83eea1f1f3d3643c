"""Figures for training and the one-hot story: the learning animation, loss and accuracy per
epoch, one-hot vs dense similarity histograms, memory, and pretrained-vs-trained transfer.

Pure Plotly builders: arrays and tables in, ``go.Figure`` out; keys and group names from data are
escaped (:mod:`embviz.figures.text`).

>>> import numpy as np
>>> coords = [np.zeros((3, 2)), np.eye(3, 2)]
>>> fig = learning_animation(coords, ["a", "b", "c"], highlight=["b"])
>>> len(fig.frames), [s.label for s in fig.layout.sliders[0].steps]
(2, ['start', 'epoch 1'])
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .text import escape, escape_all

HIGHLIGHT = "#d62728"
BACKGROUND = "rgba(100, 116, 139, 0.45)"


def _frame_traces(xy: np.ndarray, keys: Sequence[str], mask: np.ndarray) -> list[go.Scatter]:
    rest, hot = ~mask, mask
    keys = escape_all(keys)
    return [
        go.Scatter(x=xy[rest, 0], y=xy[rest, 1], mode="markers", name="other words",
                   text=[k for k, m in zip(keys, rest) if m], hovertemplate="%{text}<extra></extra>",
                   marker=dict(size=6, color=BACKGROUND)),
        go.Scatter(x=xy[hot, 0], y=xy[hot, 1], mode="markers+text", name="chosen words",
                   text=[k for k, m in zip(keys, hot) if m], textposition="top center",
                   hovertemplate="%{text}<extra></extra>",
                   marker=dict(size=10, color=HIGHLIGHT), textfont=dict(size=13)),
    ]


def _range(values: np.ndarray) -> list[float]:
    lo, hi = float(values.min()), float(values.max())
    pad = 0.08 * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def learning_animation(coords: Sequence[np.ndarray], keys: Sequence[str], *,
                       highlight: Sequence[str] = (), labels: Sequence[str] | None = None,
                       duration: int = 700) -> go.Figure:
    """Words moving from their random start into their neighbourhoods, one frame per snapshot.

    ``coords[e]`` are the (aligned) 2-D positions of ``keys`` at snapshot ``e``; ``highlight``
    words are drawn larger, in red and labelled. A slider picks the epoch; Play animates.
    """
    keys = list(keys)
    mask = np.isin(np.array(keys, dtype=object), np.array(list(highlight), dtype=object))
    labels = list(labels) if labels else ["start"] + [f"epoch {e}" for e in range(1, len(coords))]
    every = np.concatenate([np.asarray(c) for c in coords])
    frames = [go.Frame(data=_frame_traces(np.asarray(c), keys, mask), name=label)
              for c, label in zip(coords, labels)]
    fig = go.Figure(data=frames[0].data if frames else [], frames=frames)
    anim = dict(frame=dict(duration=duration, redraw=False), transition=dict(duration=duration * 0.8),
                mode="immediate")
    steps = [dict(label=label, method="animate", args=[[label], anim]) for label in labels]
    fig.update_layout(
        xaxis=dict(range=_range(every[:, 0]), showticklabels=False, zeroline=False, title=None),
        yaxis=dict(range=_range(every[:, 1]), showticklabels=False, zeroline=False, title=None,
                   scaleanchor="x"),
        height=560, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=1.06),
        sliders=[dict(active=0, steps=steps, currentvalue=dict(prefix="Snapshot: "),
                      x=0.2, len=0.8, pad=dict(t=30))],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=0, xanchor="left", yanchor="top",
                          pad=dict(t=45), direction="left",
                          buttons=[dict(label="▶ Play", method="animate",
                                        args=[None, {**anim, "fromcurrent": True}]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False),
                                                           mode="immediate")])])],
    )
    return fig


def group_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per semantic group, by its place in :data:`embviz.groups.GROUPS` (stable across
    runs and corpora: "numbers" is always the same colour)."""
    from ..colors import PALETTE
    from ..groups import GROUPS

    order = list(GROUPS)
    return {g: PALETTE[(order.index(g) if g in order else len(order) + i) % len(PALETTE)]
            for i, g in enumerate(names)}


def groups_animation(coords: Sequence[np.ndarray], keys: Sequence[str], groups: dict[str, Sequence[str]], *,
                     labels: Sequence[str] | None = None, duration: int = 700, labelled: int = 3) -> go.Figure:
    """Semantic groups converging while word2vec learns: one frame per snapshot, the words of
    each group in its colour (its first ``labelled`` words written, every word on hover), every
    other word grey. ``coords[e]`` are the aligned 2-D positions of ``keys`` at snapshot ``e``
    (:func:`embviz.train.learning_trajectory`). Once a group has gathered, all its labels would sit
    on top of each other: a few name it.

    >>> fig = groups_animation([np.zeros((3, 2)), np.eye(3, 2)], ["a", "b", "c"], {"numbers": ["a", "b"]})
    >>> [t.name for t in fig.data], len(fig.frames)
    (['other words', 'numbers'], 2)
    """
    keys = list(keys)
    where = {k: i for i, k in enumerate(keys)}
    safe = escape_all(keys)
    members = {g: [where[w] for w in ws if w in where] for g, ws in groups.items()}
    members = {g: rows for g, rows in members.items() if rows}
    colors = group_colors(list(members))
    grouped = np.zeros(len(keys), dtype=bool)
    for rows in members.values():
        grouped[rows] = True
    rest = np.flatnonzero(~grouped)
    labels = list(labels) if labels else ["start"] + [f"epoch {e}" for e in range(1, len(coords))]

    def traces(xy):
        xy = np.asarray(xy)
        out = [go.Scatter(x=xy[rest, 0], y=xy[rest, 1], mode="markers", name="other words",
                          text=safe[rest], hovertemplate="%{text}<extra></extra>",
                          marker=dict(size=5, color="rgba(100, 116, 139, 0.25)"))]
        for g, rows in members.items():
            shown = [safe[r] if j < labelled else "" for j, r in enumerate(rows)]
            out.append(go.Scatter(x=xy[rows, 0], y=xy[rows, 1], mode="markers+text", name=escape(g),
                                  text=shown, hovertext=safe[rows], textposition="top center",
                                  hovertemplate="%{hovertext}<extra>" + escape(g) + "</extra>",
                                  textfont=dict(size=12, color=colors[g]),
                                  marker=dict(size=10, color=colors[g], line=dict(color="white", width=1))))
        return out

    every = np.concatenate([np.asarray(c) for c in coords])
    frames = [go.Frame(data=traces(c), name=label) for c, label in zip(coords, labels)]
    fig = go.Figure(data=frames[0].data if frames else [], frames=frames)
    anim = dict(frame=dict(duration=duration, redraw=False), transition=dict(duration=duration * 0.8),
                mode="immediate")
    fig.update_layout(
        xaxis=dict(range=_range(every[:, 0]), showticklabels=False, zeroline=False, title=None),
        yaxis=dict(range=_range(every[:, 1]), showticklabels=False, zeroline=False, title=None, scaleanchor="x"),
        height=560, margin=dict(l=10, r=10, t=40, b=10), legend=dict(orientation="h", y=1.06),
        sliders=[dict(active=0, steps=[dict(label=lab, method="animate", args=[[lab], anim]) for lab in labels],
                      currentvalue=dict(prefix="Snapshot: "), x=0.2, len=0.8, pad=dict(t=30))],
        updatemenus=[dict(type="buttons", showactive=False, x=0, y=0, xanchor="left", yanchor="top",
                          pad=dict(t=45), direction="left",
                          buttons=[dict(label="▶ Play", method="animate", args=[None, {**anim, "fromcurrent": True}]),
                                   dict(label="❚❚ Pause", method="animate",
                                        args=[[None], dict(frame=dict(duration=0, redraw=False), mode="immediate")])])],
    )
    return fig


def group_similarity_figure(table: pd.DataFrame, *, per_group: bool = True) -> go.Figure:
    """Mean cosine similarity within groups vs between groups at every snapshot (epoch 0 = the
    random start), from :func:`embviz.groups.group_similarity`; each group's own curve faint.

    >>> t = pd.DataFrame({"epoch": [0, 1], "within": [0.0, 0.4], "between": [0.0, 0.1], "gap": [0, 0.3], "a": [0, .4]})
    >>> [tr.name for tr in group_similarity_figure(t).data]
    ['a', 'within groups', 'between groups']
    """
    fig = go.Figure()
    fixed = {"epoch", "within", "between", "gap"}
    groups = [c for c in table.columns if c not in fixed]
    colors = group_colors(groups)
    if per_group:
        for g in groups:
            fig.add_trace(go.Scatter(x=table["epoch"], y=table[g], mode="lines", name=escape(g),
                                     line=dict(width=1, color=colors[g]), opacity=0.45, legendgroup="groups"))
    fig.add_trace(go.Scatter(x=table["epoch"], y=table["within"], mode="lines+markers", name="within groups",
                             line=dict(width=3, color="#1F2430")))
    fig.add_trace(go.Scatter(x=table["epoch"], y=table["between"], mode="lines+markers", name="between groups",
                             line=dict(width=3, color="#94A3B8", dash="dash")))
    last = table.iloc[-1]
    fig.update_layout(title=f"Similarity within vs between groups (gap {last['gap']:+.2f} after epoch {int(last['epoch'])})",
                      height=380, margin=dict(l=10, r=10, t=50, b=10),
                      legend=dict(orientation="h", y=-0.12, yanchor="top", x=0, font=dict(size=11)),
                      xaxis=dict(title=None, tickvals=list(table["epoch"]),
                                 ticktext=["start" if e == 0 else f"epoch {e}" for e in table["epoch"]]),
                      yaxis=dict(title="cosine (centred)"))
    return fig


def _line(x, y, *, title: str, ytitle: str, yformat: str | None = None) -> go.Figure:
    fig = go.Figure(go.Scatter(x=list(x), y=list(y), mode="lines+markers", line=dict(width=3)))
    fig.update_layout(title=title, height=270, margin=dict(l=10, r=10, t=40, b=10),
                      xaxis=dict(title="epoch", dtick=1), yaxis=dict(title=ytitle, tickformat=yformat))
    return fig


def loss_figure(loss: Sequence[float]) -> go.Figure:
    """Training loss of each epoch (gensim's summed negative-sampling loss)."""
    return _line(range(1, len(loss) + 1), loss, title="Loss per epoch", ytitle="loss")


def accuracy_figure(accuracy: pd.DataFrame) -> go.Figure:
    """Analogy accuracy at every snapshot; ``accuracy`` has columns ``epoch`` and ``accuracy``."""
    n = int(accuracy["questions"].iloc[0]) if "questions" in accuracy and len(accuracy) else 0
    return _line(accuracy["epoch"], accuracy["accuracy"], ytitle="accuracy", yformat=".0%",
                 title=f"Analogy accuracy ({n:,} Google questions)")


def similarity_histograms_figure(onehot_cos: np.ndarray, dense_cos: np.ndarray) -> go.Figure:
    """Side-by-side histograms of pairwise cosine similarity: one-hot (all 0) vs dense."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=False,
                        subplot_titles=("One-hot vectors", "Dense embeddings"))
    bins = dict(start=-1.0, end=1.0, size=0.02)
    for col, values, color in ((1, onehot_cos, "#64748b"), (2, dense_cos, "#2563eb")):
        fig.add_trace(go.Histogram(x=np.asarray(values), xbins=bins, marker_color=color,
                                   name=("one-hot", "dense")[col - 1], histnorm="percent"),
                      row=1, col=col)
        fig.update_xaxes(title_text="cosine similarity of a pair of distinct words", range=[-1, 1],
                         row=1, col=col)
    fig.update_yaxes(title_text="% of pairs", row=1, col=1)
    fig.update_layout(height=330, showlegend=False, bargap=0.02, margin=dict(l=10, r=10, t=40, b=10))
    return fig


def memory_figure(table: pd.DataFrame) -> go.Figure:
    """Bytes per representation (log scale) from :func:`embviz.onehot.memory_comparison`."""
    fig = go.Figure(go.Bar(x=table["bytes"], y=table["representation"], orientation="h",
                           text=table["size"], textposition="auto",
                           marker_color=["#64748b", "#94a3b8", "#2563eb"][: len(table)]))
    fig.update_layout(height=240, xaxis=dict(type="log", title="bytes (log scale)"),
                      yaxis=dict(autorange="reversed"), margin=dict(l=10, r=10, t=20, b=10))
    return fig


def transfer_figure(table: pd.DataFrame, names: tuple[str, str] = ("pretrained", "trained here")) -> go.Figure:
    """Grouped bars: accuracy per analogy section, pretrained table vs model trained here (when the
    table has a ``trained`` column)."""
    label = [escape(f"{s} ({q})") for s, q in zip(table["section"], table["questions"])]
    bars = [go.Bar(name=escape(names[0]), x=label, y=table["pretrained"], marker_color="#2563eb")]
    if "trained" in table.columns:  # without it: the pretrained table alone
        bars.append(go.Bar(name=escape(names[1]), x=label, y=table["trained"], marker_color="#f59e0b"))
    fig = go.Figure(bars)
    fig.update_layout(barmode="group", height=360, yaxis=dict(title="accuracy", tickformat=".0%",
                      range=[0, 1]), margin=dict(l=10, r=10, t=20, b=10),
                      legend=dict(orientation="h", y=1.08))
    return fig
