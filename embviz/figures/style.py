"""Figures for a projector: one place that sizes a figure to the screen and makes its type large,
and the morph from one slide's layout to the next's.

:func:`presentation` takes any Plotly figure (a map, a bar chart, a heatmap, subplots, 3-D) and
sets its height to the pixels it may use and every text in it — the base font, titles, tick labels,
word labels, legends, annotations, colour bars, sliders — to at least :data:`MIN_TEXT` pixels, which
reads from the back of a lecture hall at 1280×720 and at 1920×1080. When two slides show the same
points (:func:`can_morph`), :func:`morph` gives the browser their start positions and
:data:`MORPH_JS` moves them to their new places instead of cutting.

>>> import numpy as np, plotly.graph_objects as go
>>> fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="markers+text", text=["a", "b"]))
>>> fig = presentation(fig, 1920, 800)
>>> fig.layout.height, fig.data[0].textfont.size >= MIN_TEXT, fig.layout.xaxis.tickfont.size >= MIN_TEXT
(800, True, True)
>>> b = go.Figure(go.Scatter(x=[2, 3], y=[0, 5], mode="markers+text", text=["a", "b"]))
>>> can_morph(fig, b), can_morph(fig, go.Figure(go.Bar(x=[1], y=[2])))   # the same points move; a cut
(True, False)
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

MIN_TEXT = 20          # px: tick labels, word labels, legends (the brief asks for >= 18)
BASE_TEXT = 22         # px: the figure's base font
TITLE_TEXT = 30        # px
MORPH_POINTS = 25_000  # larger clouds cut instead of morphing (frames would be megabytes)
# Presenting, 2-D point sets up to this many points are drawn as SVG, not WebGL: a WebGL chart costs
# a context and a full-canvas redraw whose time grows with the pixels (a projector's 1920x1080 took
# 1.2-1.9 s per Learn step in headless Chromium, against 0.4-0.5 s for the SVG steps), and SVG text
# and markers stay sharp when a projector scales them. Larger clouds keep WebGL.
SVG_POINTS = 5_000
_AXES = ("xaxis", "yaxis")


def _at_least(value, size: float):
    """``max(value, size)``, element-wise for arrays, ``size`` when unset."""
    if value is None:
        return size
    if isinstance(value, (list, tuple, np.ndarray)):
        return np.maximum(np.asarray(value, dtype=float), size).tolist()
    return max(float(value), size)


def _font(obj, size: float) -> None:
    if obj is None:
        return
    obj.font.size = _at_least(obj.font.size, size)


def _plain(title: str) -> str:
    import re

    return re.sub(r"<[^>]+>", "", title or "")


def presentation(fig: go.Figure, width: int, height: int, *, text: int = MIN_TEXT) -> go.Figure:
    """``fig`` restyled (in place, and returned) for a ``width`` × ``height`` pixel area.

    The figure's height becomes ``height``; its width follows its container (``width``, the
    container's expected width, sizes the title so that it fits on one line)."""
    width, height = int(width), int(height)
    lay = fig.layout
    lay.height, lay.width, lay.autosize = max(200, height), None, True
    lay.font.size = _at_least(lay.font.size, max(BASE_TEXT, text))
    if lay.title.text:
        # as large as fits on one line of the figure's width (about 0.55 em per character), >= 22 px
        fits = width / (0.56 * max(12, len(_plain(lay.title.text))))
        lay.title.font.size = max(BASE_TEXT, min(TITLE_TEXT, int(fits)))
        lay.margin.t = max(lay.margin.t or 0, int(lay.title.font.size * 2 + 10))
    names = {k for k in lay.to_plotly_json() if k.startswith(_AXES)} | set(_AXES)
    for name in sorted(names):
        axis = lay[name]
        axis.tickfont.size = _at_least(axis.tickfont.size, text)
        axis.title.font.size = _at_least(axis.title.font.size, text + 2)
    scenes = [k for k in lay.to_plotly_json() if k.startswith("scene")]
    for name in scenes:
        for axis_name in ("xaxis", "yaxis", "zaxis"):
            axis = lay[name][axis_name]
            axis.tickfont.size = _at_least(axis.tickfont.size, text)
            axis.title.font.size = _at_least(axis.title.font.size, text + 2)
    _font(lay.legend, text)
    lay.legend.title.font.size = _at_least(lay.legend.title.font.size, text)
    lay.hoverlabel.font.size = _at_least(lay.hoverlabel.font.size, text)
    for ann in lay.annotations:
        if ann.text:
            _font(ann, text)
    for control in (*lay.sliders, *lay.updatemenus):
        _font(control, text)
    for slider in lay.sliders:
        slider.currentvalue.font.size = _at_least(slider.currentvalue.font.size, text)
    _svg_when_small(fig)
    for trace in fig.data:
        _trace(trace, text)
    for frame in fig.frames or ():
        for trace in frame.data:
            _trace(trace, text)
    meta = dict(lay.meta) if isinstance(lay.meta, dict) else {}
    lay.meta = {**meta, "present": [width, height]}
    return fig


def _svg_when_small(fig: go.Figure) -> None:
    """Redraw ``fig``'s ``scattergl`` traces as SVG ``scatter`` when they hold at most
    :data:`SVG_POINTS` points in all (in place; a figure with frames is left as it is).

    >>> fig = go.Figure([go.Scattergl(x=[0, 1], y=[1, 0], mode="markers", name="a"), go.Bar(x=[1], y=[2])])
    >>> _svg_when_small(fig); [t.type for t in fig.data], fig.data[0].name
    (['scatter', 'bar'], 'a')
    """
    gl = [i for i, t in enumerate(fig.data) if t.type == "scattergl"]
    if not gl or fig.frames or sum(len(fig.data[i].x if fig.data[i].x is not None else ()) for i in gl) > SVG_POINTS:
        return
    specs = [t.to_plotly_json() for t in fig.data]
    for i in gl:
        specs[i]["type"] = "scatter"
    fig.data = ()
    fig.add_traces(specs)


def _trace(trace, text: int) -> None:
    if "textfont" in trace and (getattr(trace, "text", None) is not None
                                or "text" in (getattr(trace, "mode", "") or "")):
        trace.textfont.size = _at_least(trace.textfont.size, text)
    if "insidetextfont" in trace and getattr(trace, "text", None) is not None:
        trace.insidetextfont.size = _at_least(trace.insidetextfont.size, text)
        trace.outsidetextfont.size = _at_least(trace.outsidetextfont.size, text)
    marker = getattr(trace, "marker", None)
    if marker is not None and "colorbar" in marker and marker.colorbar.to_plotly_json():
        # only a colour bar already there: setting its font on a trace without one would draw one
        marker.colorbar.tickfont.size = _at_least(marker.colorbar.tickfont.size, text)
        marker.colorbar.title.font.size = _at_least(marker.colorbar.title.font.size, text)
        if marker.colorbar.title.text:  # beside the bar: above it, large type met the top tick label
            marker.colorbar.title.side = "right"
    if "colorbar" in trace and trace.type in ("heatmap", "histogram2d", "contour") and trace.showscale is not False:
        trace.colorbar.tickfont.size = _at_least(trace.colorbar.tickfont.size, text)


# -- morph ---------------------------------------------------------------------------------------
def _points(fig: go.Figure) -> list[tuple[str, str, np.ndarray, np.ndarray, object]] | None:
    """(type, name, x, y, identity) of every trace, or ``None`` when a trace is not a 2-D point set."""
    out = []
    for t in fig.data:
        if t.type not in ("scatter", "scattergl") or t.x is None or t.y is None:
            return None
        try:
            x, y = np.asarray(t.x, dtype=np.float32), np.asarray(t.y, dtype=np.float32)
        except (TypeError, ValueError):
            return None
        ident = t.customdata if t.customdata is not None else (t.hovertext if t.hovertext is not None else t.text)
        out.append((t.type, t.name or "", x, y, ident))
    return out


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a, dtype=object).ravel(), np.asarray(b, dtype=object).ravel()
    return a.shape == b.shape and bool((a == b).all())


def _range(values: list[np.ndarray], axis) -> list[float]:
    """The axis range Plotly shows: the layout's own, or the data's with Plotly's 5 % padding."""
    if axis.range is not None and axis.autorange in (None, False):
        return [float(v) for v in axis.range]
    vals = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.zeros(1)
    lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
    pad = 0.05 * (hi - lo or 1.0)
    return [lo - pad, hi + pad]


def _pairs(prev: go.Figure, fig: go.Figure) -> list[tuple[tuple, tuple | None]] | None:
    """Each trace of ``fig`` with the trace of ``prev`` that shows the same points (same type,
    name and identities), or ``None`` for a trace that only ``fig`` has (a layer that appears,
    such as a map's region names); ``None`` when either figure is not 2-D points."""
    a, b = _points(prev), _points(fig)
    if not a or not b:
        return None
    by_name = {(t[0], t[1]): t for t in a}
    out = []
    for t in b:
        old = by_name.get((t[0], t[1]))
        same = old is not None and old[2].shape == t[2].shape and old[3].shape == t[3].shape and _same(old[4], t[4])
        out.append((t, old if same else None))
    return out


def can_morph(prev: go.Figure, fig: go.Figure) -> bool:
    """Whether ``fig`` shows ``prev``'s points (traces of the same name with the same points in the
    same order, for at least 90 % of ``fig``'s points) in other places — so that moving from one to
    the other can animate instead of cutting. A layer only one of them has (a map's region names)
    appears or goes at the end."""
    pairs = _pairs(prev, fig)
    if not pairs:
        return False
    total = sum(len(t[2]) for t, _ in pairs)
    matched = sum(len(t[2]) for t, old in pairs if old is not None)
    if total > MORPH_POINTS or matched < 0.9 * total:
        return False
    return any(old is not None and not (np.allclose(old[2], t[2], equal_nan=True) and np.allclose(old[3], t[3], equal_nan=True))
               for t, old in pairs)


def morph(prev: go.Figure, fig: go.Figure) -> dict | None:
    """What the browser needs to morph ``prev``'s points into ``fig``'s: their start positions (per
    trace of ``fig``, float32 base64; a trace that only ``fig`` has starts where it ends) and the
    start axis ranges; ``None`` when :func:`can_morph` says no.

    The figure itself stays as it is (its data is the end state, right even where nothing is
    played); :data:`MORPH_JS` builds the in-between frames in the browser — a few hundred kB of
    start positions instead of megabytes of frames.

    >>> a = go.Figure(go.Scatter(x=[0, 1], y=[0, 1], mode="markers"))
    >>> b = go.Figure(go.Scatter(x=[2, 3], y=[0, 5], mode="markers"))
    >>> spec = morph(a, b)
    >>> sorted(spec), sorted(spec["from"][0]), spec["ranges"]["x"]
    (['from', 'ranges'], ['name', 'x', 'y'], [-0.05, 1.05])
    """
    import base64

    if not can_morph(prev, fig):
        return None
    a = _points(prev)
    start = [old if old is not None else t for t, old in _pairs(prev, fig)]
    b64 = lambda v: base64.b64encode(np.ascontiguousarray(v, dtype=np.float32).tobytes()).decode()
    return {"from": [{"name": name, "x": b64(x), "y": b64(y)} for _, name, x, y, _ in start],
            "ranges": {"x": _range([t[2] for t in a], prev.layout.xaxis), "y": _range([t[3] for t in a], prev.layout.yaxis)}}


# The browser side (used by the dashboard's component and by the offline talk): frames eased
# between the start positions and the figure's own, the axes moving with them.
MORPH_JS = """
function embvizMorph(Plotly, gd, from, ranges, opts) {
  // Eased frames from the start positions to the chart's own, drawn one by one with Plotly.update
  // (a loop of our own: it stops when the chart is replaced, e.g. by the next slide). Big clouds
  // move a sample of their points (every k-th, about opts.cap in all) and the last frame puts every
  // point back: each frame is a full WebGL redraw, so its cost must not grow with the table.
  // Frames follow the clock: the points reach their place after opts.duration ms whatever a frame
  // costs (about 40 ms with a GPU, 300 ms to 1 s at 1920x1080 in a software renderer), so a slow
  // machine shows fewer in-between frames instead of a longer morph, but never fewer than
  // opts.min_steps - 1 (a move, not a cut).
  opts = opts || {};
  const duration = opts.duration || 900, cap = opts.cap || 3000, minSteps = opts.min_steps || 3;
  const decode = v => (typeof v === 'string')
      ? new Float32Array(Uint8Array.from(atob(v), c => c.charCodeAt(0)).buffer) : Float32Array.from(v);
  const full = gd._fullData.slice().sort((p, q) => p.index - q.index);
  const own = t => ({x: Float32Array.from(t.x || []), y: Float32Array.from(t.y || [])});
  let start;
  if (from.length && from[0].name !== undefined) {  // by trace name: a layer only one chart has stays put
    const byName = new Map(from.map(t => [t.name, t]));
    start = full.map(t => { const f = byName.get(t.name || '');
      const p = f ? {x: decode(f.x), y: decode(f.y)} : null;
      return p && p.x.length === (t.x || []).length && p.y.length === (t.y || []).length ? p : own(t); });
  } else {
    if (full.length !== from.length) return null;
    start = from.map(t => ({x: decode(t.x), y: decode(t.y)}));
  }
  const isArray = v => Array.isArray(v) || ArrayBuffer.isView(v);
  const end = full.map(t => ({x: Float32Array.from(t.x), y: Float32Array.from(t.y),
                              color: t.marker && isArray(t.marker.color) ? Array.from(t.marker.color) : null}));
  for (let j = 0; j < end.length; j++) {
    if (start[j].x.length !== end[j].x.length || start[j].y.length !== end[j].y.length) return null;
  }
  const total = end.reduce((n, t) => n + t.x.length, 0);
  const stride = Math.max(1, Math.ceil(total / cap));
  const pick = (a, big) => { if (!big || stride === 1) return a;
    const out = new (ArrayBuffer.isView(a) ? a.constructor : Array)(Math.ceil(a.length / stride));
    for (let k = 0, m = 0; k < a.length; k += stride, m++) out[m] = a[k]; return out; };
  const lay = gd._fullLayout;
  const to = {x: lay.xaxis.range.slice(), y: lay.yaxis.range.slice()};
  const mix = (p, q, e) => { const r = new Float32Array(p.length);
    for (let k = 0; k < p.length; k++) r[k] = p[k] + (q[k] - p[k]) * e; return r; };
  const at = (r0, r1, e) => [r0[0] + (r1[0] - r0[0]) * e, r0[1] + (r1[1] - r0[1]) * e];
  const traces = end.map((_, j) => j);
  // the labels belong to the end state: off while the points move (every frame would lay out
  // each of them again, the largest cost of a frame on a map with names), back with the last
  const notes = ((gd.layout && gd.layout.annotations) || []).map(a => Object.assign({}, a));
  const frame = (t, first, last) => {
    const e = t * t * (3 - 2 * t);
    const big = q => !last && q.x.length > 200;
    const data = {x: end.map((q, j) => pick(mix(start[j].x, q.x, e), big(q))),
                  y: end.map((q, j) => pick(mix(start[j].y, q.y, e), big(q)))};
    if (end.some(q => q.color)) data['marker.color'] = end.map(q => q.color ? pick(q.color, big(q)) : undefined);
    const layout = {'xaxis.range': at(ranges.x, to.x, e), 'yaxis.range': at(ranges.y, to.y, e)};
    if (notes.length && (first || last)) layout.annotations = last ? notes : [];
    return [data, layout];
  };
  const alive = () => gd._fullLayout && gd._fullData && document.body.contains(gd);
  return new Promise(resolve => {
    let began = null, f = 0;  // the clock starts once the start positions are on screen
    const next = () => {
      if (!alive()) return resolve(false);
      const first = began === null;
      const t = first ? 0 : Math.min(1, (performance.now() - began) / duration, f / minSteps);
      f++;
      const last = t >= 1, [data, layout] = frame(t, first, last);
      Promise.resolve(Plotly.update(gd, data, layout, traces)).then(() => {
        if (first) { if (gd.emit) gd.emit('plotly_animatingframe', {name: 'embviz-morph'}); began = performance.now(); }
        if (last) return resolve(true);
        requestAnimationFrame(() => setTimeout(next, 0));  // after the frame is painted
      }, () => resolve(false));
    };
    next();
  });
}
"""
