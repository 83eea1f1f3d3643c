"""Cluster figures: the map coloured by cluster, and how strong each cluster is.

:func:`cluster_map` draws one trace per cluster (so a click on a legend entry isolates it; a double
click brings the others back), legend entries "name (size)", noise in grey, in 2-D a shaded hull
around each cluster's core and its name at its centre. :func:`cluster_strength` sets each cluster's
silhouette beside how well the map keeps it together.

>>> import numpy as np
>>> coords = np.array([[0, 0], [1, 0], [0, 1], [9, 9], [9, 8], [8, 9], [5, 0]], dtype=float)
>>> labels = np.array([0, 0, 0, 1, 1, 1, -1])
>>> fig = cluster_map(coords, list("abcdefg"), labels, {0: "a · b", 1: "d · e"})
>>> [t.name for t in fig.data if t.showlegend is not False]
['noise (1)', 'a · b (3)', 'd · e (3)']
>>> [t.customdata.tolist() for t in fig.data if t.mode == "markers"]
[[6], [0, 1, 2], [3, 4, 5]]
>>> [t.name for t in fig.data if t.showlegend is False]
['a · b (area)', 'd · e (area)', 'cluster names']
>>> fig.layout.legend.itemclick
'toggleothers'
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from ..errors import ParameterError
from .text import escape, escape_all

# 24 distinguishable colours (Plotly's "Dark24" then "Light24" family), cycled beyond
PALETTE = [
    "#2E91E5", "#E15F99", "#1CA71C", "#FB0D0D", "#DA16FF", "#B68100", "#750D86", "#EB663B",
    "#511CFB", "#00A08B", "#FB00D1", "#FC0080", "#B2828D", "#6C7C32", "#778AAE", "#862A16",
    "#A777F1", "#620042", "#1616A7", "#DA60CA", "#6C4516", "#0D2A63", "#AF0038", "#22A3A6",
]
NOISE_COLOR = "#C8CCD2"
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"
HULL_CORE = 0.8  # hulls wrap the 80 % of members nearest the cluster's centre on the map


def color_of(label: int) -> str:
    """The colour of cluster ``label`` (grey for noise, -1)."""
    return NOISE_COLOR if label < 0 else PALETTE[label % len(PALETTE)]


def cluster_map(
    coords: np.ndarray,
    keys: Sequence[str],
    labels: np.ndarray,
    names: Mapping[int, str],
    *,
    hulls: bool = True,
    centre_labels: bool = True,
    selected: int | None = None,
    title: str = "",
    note: str = "",
    height: int | None = None,
    regions=None,
    plan=None,
    legend: bool = True,
) -> go.Figure:
    """The map (N × 2 or N × 3 ``coords``) with one coloured trace per cluster.

    ``labels``: cluster per point (-1 noise); ``names``: label -> name. Each point carries its row
    in ``customdata``. In 2-D, ``hulls`` shades the convex hull of each cluster's core (the 80 %
    of members closest to its median on the map, so a few stray points do not swallow the
    picture) and ``centre_labels`` writes each name at the cluster's median. ``selected`` draws
    one cluster on top with bigger markers and dims the others.

    ``legend=False`` leaves the legend out (a projector: the names are on the map).

    ``regions`` (:func:`embviz.regions.describe` of these labels on this map) and ``plan``
    (:func:`embviz.layout.plan_map` with those regions, 2-D): only *compact* clusters are shaded,
    with the regions' outlines, and the names are the plan's placed labels (never overlapping)
    instead of text at every centre. Keys, names, ``title`` and ``note`` are escaped here.
    """
    coords = np.asarray(coords, dtype=np.float32)
    labels = np.asarray(labels)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise ParameterError("cluster_map", "coords", "an N × 2 or N × 3 array", coords.shape)
    n, dims = coords.shape
    if len(keys) != n or len(labels) != n:
        raise ParameterError("cluster_map", "labels", f"one key and one label per point ({n})",
                             (len(keys), len(labels)))
    ids = [int(c) for c in np.unique(labels) if c >= 0]
    missing = [c for c in ids if c not in names]
    if missing:
        raise ParameterError("cluster_map", "names", "a name for every cluster label", missing[:5])
    hover = escape_all(keys)
    names = {c: escape(names[c]) for c in ids}  # names from data, as Plotly text (and below, the plan's)
    size = (7.0 if n < 2_000 else 5.0 if n < 10_000 else 4.0) * (0.6 if dims == 3 else 1.0)
    fig = go.Figure()
    if (labels < 0).any():
        rows = np.flatnonzero(labels < 0).astype(np.int32)
        fig.add_trace(_points(coords, rows, hover, f"noise ({len(rows):,})", "noise", NOISE_COLOR, size, 0.35))
    for c in ids:
        rows = np.flatnonzero(labels == c).astype(np.int32)
        hi = selected is not None and c == selected
        dim = selected is not None and not hi
        fig.add_trace(_points(coords, rows, hover, f"{names[c]} ({len(rows):,})", f"c{c}", color_of(c),
                              size * (1.6 if hi else 1.0), 0.2 if dim else 0.75))
    plan = plan if dims == 2 else None
    if dims == 2 and hulls:
        for c in ids:
            if regions is not None:
                hull = regions.outlines[c] if c < regions.n_regions and regions.compact[c] else None
            else:
                hull = _core_hull(coords[labels == c])
            if hull is not None:
                fig.add_trace(_hull_trace(hull, c, names[c], emphasised=selected == c))
    if centre_labels and ids and plan is None:
        fig.add_trace(_centre_text(coords, labels, ids, names, dims))
    _layout(fig, dims, escape(title) if title else "", escape(note) if note else "", height, n, plan)
    if not legend:
        fig.update_layout(showlegend=False)
    if plan is not None:
        from .scatter import label_annotations

        fig.update_layout(annotations=[*fig.layout.annotations, *label_annotations(plan)])
    # noise first in the data (drawn underneath), but listed last in the legend
    if (labels < 0).any():
        fig.data[0].legendrank = 2000
    return fig


def _points(coords, rows, hover, name, group, color, size, opacity):
    cls = go.Scattergl if coords.shape[1] == 2 else go.Scatter3d
    return cls(**_xyz(coords[rows]), mode="markers", name=name, legendgroup=group, customdata=rows,
               hovertext=hover[rows], hovertemplate="%{hovertext}<extra>" + name.replace("%", "%%") + "</extra>",
               marker=dict(size=size, color=color, opacity=opacity))


def _xyz(sub: np.ndarray) -> dict:
    out = {"x": np.ascontiguousarray(sub[:, 0]), "y": np.ascontiguousarray(sub[:, 1])}
    if sub.shape[1] == 3:
        out["z"] = np.ascontiguousarray(sub[:, 2])
    return out


def _core_hull(points: np.ndarray) -> np.ndarray | None:
    """Closed polygon around the points nearest the median, or ``None`` when there is no area."""
    from scipy.spatial import ConvexHull, QhullError

    if len(points) < 3:
        return None
    centre = np.median(points, axis=0)
    dist = np.linalg.norm(points - centre, axis=1)
    core = points[dist <= np.quantile(dist, HULL_CORE)] if len(points) >= 10 else points
    if len(core) < 3:
        return None
    try:
        hull = ConvexHull(core)
    except (QhullError, ValueError):  # collinear or duplicate points: no area to shade
        return None
    ring = core[hull.vertices]
    return np.vstack([ring, ring[:1]])


def _hull_trace(ring: np.ndarray, c: int, name: str, emphasised: bool) -> go.Scatter:
    color = color_of(c)
    return go.Scatter(x=ring[:, 0], y=ring[:, 1], mode="lines", fill="toself", legendgroup=f"c{c}",
                      name=f"{name} (area)", showlegend=False, hoverinfo="skip",
                      line=dict(color=color, width=2.0 if emphasised else 1.0),
                      fillcolor=_rgba(color, 0.16 if emphasised else 0.07), opacity=0.9)


def _centre_text(coords, labels, ids, names, dims):
    centres = np.stack([np.median(coords[labels == c], axis=0) for c in ids])
    text = [_short(names[c]) for c in ids]
    cls = go.Scatter if dims == 2 else go.Scatter3d
    return cls(**_xyz(centres), mode="text", text=text, name="cluster names", showlegend=False,
               hoverinfo="skip", textfont=dict(size=12, color=[_darker(color_of(c)) for c in ids]))


def _short(name: str, words: int = 2) -> str:
    parts = name.split(" · ")
    return " · ".join(parts[:words]) if len(parts) > words else name


def _rgba(hex_color: str, alpha: float) -> str:
    r, g, b = (int(hex_color[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _darker(hex_color: str, factor: float = 0.7) -> str:
    r, g, b = (int(int(hex_color[i:i + 2], 16) * factor) for i in (1, 3, 5))
    return f"#{r:02x}{g:02x}{b:02x}"


def _layout(fig, dims, title, note, height, n, plan=None) -> None:
    canvas = plan.canvas if plan is not None else None
    margin = dict(l=10, r=10, t=60 if title else 20, b=10)
    if canvas is not None:  # the frame the names were placed in
        left, right, top, bottom = canvas.margin
        margin = dict(l=left, r=right + canvas.legend, t=top, b=bottom)
    fig.update_layout(
        title=dict(text=title, x=0.01, font=dict(size=17)) if title else None,
        font=dict(family=FONT, size=13), template="plotly_white",
        height=canvas.height if canvas is not None else height or 640,
        margin=margin,
        legend=dict(itemsizing="constant", itemclick="toggleothers", itemdoubleclick="toggle",
                    bgcolor="rgba(255,255,255,0.85)", font=dict(size=12), title=dict(text="cluster (size)")),
        dragmode="lasso" if dims == 2 else None, uirevision="embviz-clusters", meta={"points": n},
    )
    if dims == 2:
        fig.update_xaxes(showgrid=False, zeroline=False, showticklabels=False)
        fig.update_yaxes(showgrid=False, zeroline=False, showticklabels=False, scaleanchor="x", scaleratio=1)
        if canvas is not None:
            fig.update_layout(legend=dict(x=1.0, xanchor="left", y=1.0, yanchor="top"))
            fig.update_xaxes(range=list(canvas.x_range), automargin=False)
            fig.update_yaxes(range=list(canvas.y_range), automargin=False)
    else:
        axis = dict(showgrid=True, gridcolor="#EEF0F3", zeroline=False, showticklabels=False, title="")
        fig.update_layout(scene=dict(xaxis=axis, yaxis=axis, zaxis=axis, aspectmode="data"))
    if note:
        where = (dict(x=1.0, y=1.0, yanchor="bottom") if canvas is not None else dict(x=0.995, y=0.005, yanchor="bottom"))
        fig.add_annotation(text=note, xref="paper", yref="paper", xanchor="right", showarrow=False, name="note",
                           font=dict(size=12, color="#555"), bgcolor="rgba(255,255,255,0.85)", **where)


def cluster_strength(
    names: Mapping[int, str],
    silhouette: Mapping[int, float],
    agreement: Mapping[int, float] | None = None,
    *,
    chance: float | None = None,
    height: int | None = None,
) -> go.Figure:
    """Per cluster: silhouette (how separate it is in the space clustered) and, when given, map
    agreement (share of map neighbours in the same cluster), with the agreement a random map
    would get as a dashed line.

    >>> fig = cluster_strength({0: "a", 1: "b"}, {0: 0.4, 1: 0.1}, {0: 0.9, 1: 0.3}, chance=0.5)
    >>> [t.name for t in fig.data]
    ['silhouette', 'map agreement']
    """
    ids = sorted(names)
    labels = [escape(_short(names[c], 3)) for c in ids]
    fig = go.Figure()
    fig.add_trace(go.Bar(y=labels, x=[silhouette.get(c, np.nan) for c in ids], orientation="h",
                         name="silhouette", marker_color="#4C78A8"))
    if agreement is not None:
        fig.add_trace(go.Bar(y=labels, x=[agreement.get(c, np.nan) for c in ids], orientation="h",
                             name="map agreement", marker_color="#F58518"))
    if chance is not None and np.isfinite(chance):
        fig.add_vline(x=chance, line_dash="dash", line_color="#F58518",
                      annotation_text=f"random map {chance:.2f}", annotation_position="top")
    fig.update_layout(
        barmode="group", template="plotly_white", font=dict(family=FONT, size=12),
        height=height or max(260, 24 * len(ids) * (2 if agreement is not None else 1) + 90),
        margin=dict(l=10, r=10, t=30, b=30), legend=dict(orientation="h", y=1.02, yanchor="bottom"),
        yaxis=dict(autorange="reversed"), xaxis=dict(range=[min([-0.1, *(v for v in silhouette.values() if np.isfinite(v))]), 1]),
    )
    return fig
