"""Figures handed to ``st.plotly_chart`` without a deep copy of their data.

Streamlit turns a figure into JSON through ``Figure.to_dict()``, which deep-copies every trace
before it converts numeric arrays to base64 — for a 20,000-point map that copies 20,000 hover
strings one by one on every rerun (about a fifth of a search's server time, measured with
cProfile on Explore). :func:`served` gives the same figure a ``to_dict`` that copies only the
containers (the dicts and lists that the base64 conversion rewrites) and shares the leaves
(arrays and strings, which nothing mutates), so the JSON is identical and the figure unchanged.
"""
from __future__ import annotations

import plotly.graph_objects as go
from _plotly_utils.utils import convert_to_base64


def _tree(value):
    """``value`` with its dicts, lists and tuples copied and everything else shared."""
    if isinstance(value, dict):
        return {k: _tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        if value and not isinstance(value[0], (dict, list, tuple)):
            return list(value)  # a column of plain values: one shallow copy
        return [_tree(v) for v in value]
    return value


class ServedFigure(go.Figure):
    """A :class:`plotly.graph_objects.Figure` whose ``to_dict`` does not deep-copy its data."""

    def to_dict(self):
        res = {"data": _tree(self._data), "layout": _tree(self._layout)}
        frames = _tree([frame._props for frame in self._frame_objs])
        if frames:
            res["frames"] = frames
        convert_to_base64(res)
        return res


def served(fig):
    """``fig`` itself, answering ``to_dict`` without the deep copy (any other object: as it is)."""
    if type(fig) is go.Figure:
        fig.__class__ = ServedFigure  # same attributes, one method more: nothing is copied
    return fig
