"""The embedding map: a 2-D (WebGL) or 3-D scatter of projected points.

One pure builder, :func:`scatter`, used by the dashboard, the command line and notebooks. Layers,
bottom to top: shaded compact regions, every point (coloured by a category or a number, muted
when regions are named), highlighted matches of a search, a query word joined to its nearest
neighbours, and labels. Labels come placed from the package (``plan=`` from
:func:`embviz.layout.plan_map`): region names in larger bold type on a light background, word
labels, the query beside its star — drawn as annotations exactly where the plan put them, with
the plan's frame (height, margins, legend room, axis ranges). Without a plan, ``labels=`` draws
plain text at the given rows as before. Category colours come from ``colors=``
(:func:`embviz.colors.category_colors` of the whole table) so they agree across samples and pages.

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

from collections.abc import Mapping, Sequence
from functools import cache, partial

import numpy as np
import plotly.graph_objects as go

from ..colors import OTHER_COLOR, PALETTE, category_colors
from ..errors import ParameterError
from ..labels import BORDER, LABEL_FONT
from ..layout import legend_entries, marker_sizes
from .selection import selected_rows, trace_rows  # noqa: F401  (re-exported: pages map a selection back)
from .text import escape, escape_all

# Plotly checks every property of every trace as it is set, and copies the arrays it checks: for a
# map of 20,000 words that was 40 % of a search's server time (65 of 168 ms). The map is built
# unchecked; tests/test_scatter_validate.py draws every kind of map with VALIDATE on and
# compares, so a property Plotly does not know still fails a test, not a user.
VALIDATE = False
BASE_COLOR = "#5B7DB1"
HIGHLIGHT_COLOR = "#7B2CBF"
QUERY_COLOR = "#E4572E"
NEIGHBOR_COLOR = "#1F2430"
DIMMED = 0.3          # base-layer opacity factor while something is highlighted
MUTED = 0.6           # and while region names are drawn: the islands read before the dots
MAX_CATEGORIES = len(PALETTE)
FONT = "Inter, 'Source Sans Pro', 'Helvetica Neue', Arial, sans-serif"
REGION_FILL = "rgba(76, 120, 168, 0.16)"
REGION_LINE = "rgba(76, 120, 168, 0.45)"
LABEL_STYLE = {  # kind -> text colour, background (the halo that keeps text readable on points)
    "region": ("#1F2430", "rgba(255,255,255,0.78)"),
    "word": ("#2B303A", "rgba(255,255,255,0.55)"),
    "query": (QUERY_COLOR, "rgba(255,255,255,0.9)"),
    "neighbor": (NEIGHBOR_COLOR, "rgba(255,255,255,0.8)"),
    "match": (HIGHLIGHT_COLOR, "rgba(255,255,255,0.8)"),
    "placed": ("#10231A", "rgba(255,255,255,0.85)"),
}


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
    colors: Mapping[str, str] | None = None,
    regions=None,
    plan=None,
    dragmode: str | None = None,
    overlay=None,
) -> go.Figure:
    """A scatter of ``coords`` (N × 2 or N × 3) named by ``keys``.

    ``color``: per-point categories (coloured by ``colors``, value -> colour, when given — pass
    :func:`embviz.colors.category_colors` of the whole table; otherwise the 12 most common values
    here; the rest are "other") or numbers (a continuous colour scale). ``labels``, ``highlight``
    and ``neighbors`` are row numbers; ``query`` is the row whose ``neighbors`` are joined to it
    by lines. ``regions`` (:class:`embviz.regions.Regions`): compact islands are shaded and the
    points muted. ``plan`` (:class:`embviz.layout.MapLabels`, 2-D only): placed labels, drawn
    instead of ``labels`` and of the marker texts; its canvas sets height, margins and ranges.
    ``note`` is written on the figure (e.g. "random sample of 20,000 of 50,000 points").
    ``present`` makes fonts and markers large enough for a projector. ``dragmode``: Plotly's
    (default ``"lasso"`` in 2-D). Every text from data (keys, categories, ``color_name``,
    ``title``, ``note``, axis titles, region names) is escaped here; ``hover`` is Plotly text as
    :func:`embviz.figures.text.hover_text` builds it (escaped keys when not given). ``overlay``
    (:class:`embviz.mapplace.Overlay`): placed new points, drawn on top as open diamonds, one
    trace per confidence level (colour and opacity from :data:`embviz.mapplace.STYLE`; no
    ``customdata``: they are not rows of the map); their labels come in ``plan``.
    """
    coords = np.asarray(coords, dtype=np.float32)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise ParameterError("scatter", "coords", "an N × 2 or N × 3 array", coords.shape)
    n, dims = coords.shape
    if len(keys) != n:
        raise ParameterError("scatter", "keys", f"one key per point ({n})", len(keys))
    if regions is not None and len(regions.labels) != n:
        raise ParameterError("scatter", "regions", f"regions of these {n} points", len(regions.labels))
    plan = plan if dims == 2 else None
    hover = _as_text(escape_all(keys) if hover is None else hover)
    safe = escape_all(keys)  # keys as Plotly text (names, labels)
    marks = marker_sizes(n, dims, present)
    size = marks["point"]
    fig = go.Figure(_validate=VALIDATE)
    if regions is not None and dims == 2:
        named = None if plan is None else {lab.region for lab in plan.labels if lab.kind == "region"}
        for trace in _region_areas(regions, named):
            fig.add_trace(trace)
    focus = bool(len(highlight)) or query is not None
    fade = DIMMED if focus else MUTED if regions is not None or plan is not None else 1.0
    for trace in _base_traces(coords, hover, color, escape(color_name), size, fade, colors):
        fig.add_trace(trace)
    label_rows = _rows(labels, n)
    if label_rows.size and plan is None:
        fig.add_trace(_text_trace(coords, safe, label_rows, "labels", present))
    if regions is not None and dims == 3:
        fig.add_trace(_region_names_3d(regions, present))
    texts = plan is None  # with a plan, every label is an annotation placed by the package
    hl = _rows(highlight, n)
    if hl.size:
        fig.add_trace(_points(coords, hl, hover, "matches", size=marks["match"], color=HIGHLIGHT_COLOR,
                              text=safe if texts else None, line=True, font=20 if present else 14))
    if query is not None:
        for trace in _neighbor_traces(coords, safe, hover, int(query), _rows(neighbors, n), marks, present, texts):
            fig.add_trace(trace)
    if overlay is not None:
        for trace in _overlay_traces(overlay, dims, marks):
            fig.add_trace(trace)
    _layout(fig, dims, escape(title) if title else "", escape(note) if note else "",
            [escape(t) for t in axis_titles] if axis_titles else None, present, height, n, plan, dragmode)
    if plan is not None:
        _annotate(fig, plan, marks)
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
    return marker_sizes(n, dims, present)["point"]


def _cls(dims: int):
    """The trace class (unchecked unless :data:`VALIDATE`)."""
    return partial(go.Scattergl if dims == 2 else go.Scatter3d, _validate=VALIDATE)


def _xyz(coords: np.ndarray, rows: np.ndarray | None = None) -> dict:
    sub = coords if rows is None else coords[rows]
    out = {"x": np.ascontiguousarray(sub[:, 0]), "y": np.ascontiguousarray(sub[:, 1])}
    if coords.shape[1] == 3:
        out["z"] = np.ascontiguousarray(sub[:, 2])
    return out


def _base_traces(coords, hover, color, color_name, size, fade=1.0, colors=None) -> list:
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
    return _category_traces(coords, hover, values.astype(str), size, cls, common, fade, colors)


def _category_traces(coords, hover, values, size, cls, common, fade, colors=None) -> list:
    colors = category_colors(values) if colors is None else dict(colors)
    shown, rest_name = legend_entries(values, colors)
    traces = []
    for value in shown:
        rows = np.flatnonzero(values == value).astype(np.int32)
        traces.append(cls(**_xyz(coords, rows), hovertext=hover[rows], customdata=rows,
                          marker=dict(size=size, color=colors[value], opacity=0.7 * fade),
                          name=escape(value), **common))
    rest = np.flatnonzero(~np.isin(values, shown)).astype(np.int32)
    if rest.size:
        traces.insert(0, cls(**_xyz(coords, rest), hovertext=hover[rest], customdata=rest,
                             marker=dict(size=size, color=OTHER_COLOR, opacity=0.5 * fade),
                             name=escape(rest_name), **common))
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
    elif text is not None and dims == 3:
        kw = dict(mode="markers+text", text=[text[i] for i in rows], textposition="top center",
                  textfont=dict(color=color, size=font)) if len(rows) == 1 else dict(mode="markers")
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


def _neighbor_traces(coords, keys, hover, query, nbrs, marks, present, texts=True) -> list:
    dims = coords.shape[1]
    cls = _cls(dims)
    traces = []
    if nbrs.size:
        seg = np.full((3 * len(nbrs), dims), np.nan, dtype=np.float32)
        seg[0::3] = coords[query]
        seg[1::3] = coords[nbrs]
        traces.append(cls(**_xyz(seg), mode="lines", line=dict(color="rgba(31,36,48,0.45)", width=1.5),
                          hoverinfo="skip", showlegend=False, name="links"))
        traces.append(_points(coords, nbrs, hover, f"neighbours of {keys[query]}", size=marks["neighbor"],
                              color=NEIGHBOR_COLOR, text=keys if texts else None, line=True,
                              font=20 if present else 14))
    q = np.array([query])
    star = _points(coords, q, hover, keys[query], size=marks["star"], color=QUERY_COLOR,
                   text=keys if texts or dims == 3 else None,
                   line=True, symbol="star" if dims == 2 else "diamond")
    if texts or dims == 3:  # the searched word in its colour, larger than any other label
        star.textfont = dict(color=QUERY_COLOR, size=30 if present else 18)
    traces.append(star)
    return traces


def _overlay_traces(overlay, dims: int, marks: dict) -> list:
    from ..mapplace import LEVELS, STYLE, legend_name

    xy = np.asarray(overlay.coords, dtype=np.float32)
    if xy.ndim != 2 or xy.shape[1] != dims or len(xy) != len(overlay.keys):
        raise ParameterError("scatter", "overlay", f"placed points with {dims} coordinates and a key each", xy.shape)
    levels = np.asarray(overlay.confidence, dtype=object)
    hover = _as_text(overlay.hover)
    traces = []
    for level in LEVELS:
        rows = np.flatnonzero(levels == level)
        if not rows.size:
            continue
        color, opacity = STYLE[level]
        size = marks["match"] + 3 if dims == 2 else marks["neighbor"]
        traces.append(_cls(dims)(**_xyz(xy, rows), mode="markers", hovertext=hover[rows], name=legend_name(level),
                                 hovertemplate="%{hovertext}<extra></extra>", opacity=opacity,
                                 marker=dict(size=size, color=color, symbol="diamond-open",
                                             line=dict(color=color, width=2.5))))
    return traces


def _region_areas(regions, named=None) -> list:
    """One shaded polygon per compact region (SVG, drawn under the WebGL points); with ``named``,
    only for the regions whose name is drawn (an unnamed shape reads as an artefact)."""
    xs: list[float] = []
    ys: list[float] = []
    for r in np.flatnonzero(regions.compact):
        if named is not None and int(r) not in named:
            continue
        ring = regions.outlines[r]
        if ring is None:
            continue
        xs += [*map(float, ring[:, 0]), None]
        ys += [*map(float, ring[:, 1]), None]
    if not xs:
        return []
    return [go.Scatter(_validate=VALIDATE, x=xs, y=ys, mode="lines", fill="toself", fillcolor=REGION_FILL,
                       line=dict(color=REGION_LINE, width=1), hoverinfo="skip", showlegend=False,
                       name="regions")]


def _region_names_3d(regions, present) -> go.Scatter3d:
    centres = np.asarray(regions.centres, dtype=np.float32)
    return go.Scatter3d(x=centres[:, 0], y=centres[:, 1], z=np.zeros(len(centres), np.float32), mode="text",
                        text=[escape(regions.short_name(r)) for r in range(regions.n_regions)], name="regions",
                        hoverinfo="skip", showlegend=False,
                        textfont=dict(size=18 if present else 13, color="#1F2430", family=LABEL_FONT))


def _annotate(fig: go.Figure, plan, marks) -> None:
    fig.update_layout(annotations=[*fig.layout.annotations, *label_annotations(plan, marks)])


def label_annotations(plan, marks: dict | None = None) -> list[dict]:
    """Every label of ``plan`` (:class:`embviz.layout.MapLabels`) as a Plotly annotation where the
    plan put it (with a leader line when it was set apart); ``marks``: marker sizes
    (:func:`embviz.layout.marker_sizes`) so leader lines stop at the marker's edge."""
    marks = marks or {"star": 0, "neighbor": 0, "match": 0}
    standoff = {"query": marks["star"] / 2, "neighbor": marks["neighbor"] / 2, "match": marks["match"] / 2}
    notes = []
    for lab in plan.labels:
        fg, bg = LABEL_STYLE.get(lab.kind, LABEL_STYLE["word"])
        text = escape(lab.text)
        box = lab.box
        ann = dict(x=lab.x, y=lab.y, xref="x", yref="y", text=f"<b>{text}</b>" if lab.bold else text,
                   xanchor=box.xanchor, yanchor=box.yanchor, font=dict(size=lab.size, color=fg, family=LABEL_FONT),
                   bgcolor=bg, borderpad=BORDER, borderwidth=0, name=f"label:{lab.kind}", captureevents=False)
        if box.arrow is None:
            ann.update(showarrow=False, xshift=box.xshift, yshift=box.yshift)
        else:
            ann.update(showarrow=True, axref="pixel", ayref="pixel", ax=box.arrow[0], ay=box.arrow[1],
                       arrowhead=0, arrowwidth=1, arrowcolor="rgba(31,36,48,0.55)",
                       standoff=standoff.get(lab.kind, 0))
        notes.append(ann)
    return notes


def _layout(fig, dims, title, note, axis_titles, present, height, n, plan=None, dragmode=None) -> None:
    big = present
    canvas = plan.canvas if plan is not None else None
    margin = dict(l=10, r=10, t=60 if title else 20, b=10)
    if canvas is not None:
        left, right, top, bottom = canvas.margin
        margin = dict(l=left, r=right + canvas.legend, t=top, b=bottom)
    if title:
        fig.update_layout(title=dict(text=title, x=0.01, font=dict(size=28 if big else 17)))
    drag = dragmode or ("lasso" if dims == 2 and n > 0 else None)
    if drag:
        fig.update_layout(dragmode=drag)
    fig.update_layout(
        font=dict(family=FONT, size=20 if big else 13),
        template=_template(),
        height=canvas.height if canvas is not None else height or (860 if big else 640),
        margin=margin,
        legend=dict(itemsizing="constant", bgcolor="rgba(255,255,255,0.8)", font=dict(size=18 if big else 12),
                    **(dict(x=1.0, xanchor="left", y=1.0, yanchor="top") if canvas is not None else {})),
        hoverlabel=dict(font_size=18 if big else 13),
        uirevision="embviz",
        meta={"points": n, **({"min_width": canvas.width} if canvas is not None else {})},
    )
    names = list(axis_titles or [])
    if dims == 2:
        fig.update_xaxes(showgrid=False, zeroline=False, showticklabels=False, title=names[0] if names else None)
        fig.update_yaxes(showgrid=False, zeroline=False, showticklabels=False, title=names[1] if len(names) > 1 else None,
                         scaleanchor="x", scaleratio=1)
        if canvas is not None:  # the frame the labels were placed in
            fig.update_xaxes(range=list(canvas.x_range), automargin=False)
            fig.update_yaxes(range=list(canvas.y_range), automargin=False)
    else:
        axis = dict(showgrid=True, gridcolor="#EEF0F3", zeroline=False, showticklabels=False,
                    backgroundcolor="white", showbackground=True)
        fig.update_layout(scene=dict(
            xaxis=dict(axis, title=names[0] if names else ""),
            yaxis=dict(axis, title=names[1] if len(names) > 1 else ""),
            zaxis=dict(axis, title=names[2] if len(names) > 2 else ""),
            aspectmode="data"))
    if note:
        where = (dict(x=1.0, y=1.0, xanchor="right", yanchor="bottom") if canvas is not None else
                 dict(x=0.995, y=0.005, xanchor="right", yanchor="bottom"))  # with a plan: above the plot
        fig.add_annotation(text=note, xref="paper", yref="paper", showarrow=False, name="note",
                           font=dict(size=16 if big else 12, color="#555"), bgcolor="rgba(255,255,255,0.85)", **where)


@cache
def _template():
    """Plotly's "plotly_white" template object: unchecked, a template *name* would reach the browser
    as a string plotly.js ignores, and a plain dict makes every later layout update walk it."""
    import plotly.io as pio

    return pio.templates["plotly_white"]
