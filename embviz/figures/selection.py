"""A Plotly selection back to data rows: every point a figure draws carries its row number in
``customdata`` (:func:`embviz.figures.scatter.scatter`, the Compare and Models maps)."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go


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
