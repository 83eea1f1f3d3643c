"""Word labels of the analogy figures that never overlap: Plotly text labels moved to the side
where :func:`embviz.labels.place` finds room (the analogy's own words always shown, the other
words where they fit), planned for the plot area Plotly draws on equal axes."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

TEXT_POSITION = {("left", "middle"): "middle right", ("right", "middle"): "middle left",
                 ("center", "bottom"): "top center", ("center", "top"): "bottom center",
                 ("left", "bottom"): "top right", ("right", "bottom"): "top left",
                 ("left", "top"): "bottom right", ("right", "top"): "bottom left"}
NOMINAL_WIDTH = 900.0  # px of plot area the placement plans for (a narrower chart packs its labels closer)


def nominal_pixels(points: np.ndarray, height: int):
    """``px(xy)``: data coordinates to pixels (y down) of the plot area the labels are planned for."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    span = np.maximum(hi - lo, 1e-12) * 1.1
    h = max(200.0, height - 110.0)
    scale = min(NOMINAL_WIDTH / span[0], h / span[1])
    centre = (lo + hi) / 2

    def px(xy):
        out = (np.asarray(xy, dtype=np.float64) - centre) * scale + [NOMINAL_WIDTH / 2, h / 2]
        out[..., 1] = h - out[..., 1]
        return out

    return px


def place_text_labels(fig: go.Figure, height: int) -> None:
    """Move or drop word labels so that no two overlap: the analogy's own words first (always
    shown), then the other words in the order given. Planned for a plot area of
    :data:`NOMINAL_WIDTH` × the figure's height on equal axes, as Plotly draws it."""
    from ..labels import label_size, place

    traces = [t for t in fig.data if t.mode and "text" in t.mode and t.text is not None]
    rows = [(ti, j) for ti, t in enumerate(traces) for j, word in enumerate(t.text) if word]
    points = np.array([[x, y] for t in traces for x, y in zip(t.x, t.y)], dtype=np.float64).reshape(-1, 2)
    if not rows or len(points) < 2:
        return
    px = nominal_pixels(points, height)
    anchors = px([[traces[ti].x[j], traces[ti].y[j]] for ti, j in rows])
    sizes = np.array([float(traces[ti].textfont.size or 12) for ti, _ in rows])
    faint = np.array([traces[ti].name == "other words" for ti, _ in rows])
    gaps = np.array([float(traces[ti].marker.size or 6) / 2 + 2 for ti, _ in rows])
    texts = [str(traces[ti].text[j]) for ti, j in rows]
    own, rest = np.flatnonzero(~faint), np.flatnonzero(faint)
    boxes: list = [None] * len(rows)
    # the analogy's own words first, always shown (above their point when nothing else fits) ...
    for k, box in zip(own, place(anchors[own], [texts[k] for k in own], sizes[own], -own, gaps=gaps[own])):
        boxes[k] = box
    taken = [(x, y, 3.0, 3.0) for x, y in px(points)]
    for k in own:  # where each sits (an unplaced one: above its point) is kept clear of the rest
        w, h = label_size(texts[k], sizes[k])
        b = boxes[k]
        x0, y0, x1, y1 = ((b.x0, b.y0, b.x1, b.y1) if b is not None else
                          (anchors[k][0] - w / 2, anchors[k][1] - gaps[k] - h, anchors[k][0] + w / 2, anchors[k][1] - gaps[k]))
        taken.append(((x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2 + 1, (y1 - y0) / 2 + 1))
    # ... then the other words, in the order given, where they fit
    for k, box in zip(rest, place(anchors[rest], [texts[k] for k in rest], sizes[rest], -rest, gaps=gaps[rest],
                                  obstacles=taken)):
        boxes[k] = box
    text = {ti: list(t.text) for ti, t in enumerate(traces)}
    where = {ti: ["top center"] * len(t.text) for ti, t in enumerate(traces)}
    for (ti, j), box, other in zip(rows, boxes, faint):
        if box is not None:
            where[ti][j] = TEXT_POSITION.get((box.xanchor, box.yanchor), "top center")
        elif other:
            text[ti][j] = ""  # another word's label is there
    for ti, t in enumerate(traces):
        t.update(text=text[ti], textposition=where[ti])
