"""Figures served to st.plotly_chart without a deep copy give the same JSON and stay unchanged."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from embviz.app.served import ServedFigure, served


def _figure():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(500, 2)).astype(np.float32)
    fig = go.Figure(go.Scattergl(x=xy[:, 0], y=xy[:, 1], mode="markers", customdata=np.arange(500),
                                 hovertext=np.array([f"w{i}" for i in range(500)], dtype=object),
                                 marker=dict(color=rng.random(500), size=4)))
    fig.add_trace(go.Scatter(x=[0.0], y=[1.0], mode="text", text=["king"]))
    fig.update_layout(annotations=[dict(x=0, y=0, text="a <b>region</b>"), dict(x=1, y=1, text="b")], title="t")
    fig.frames = [go.Frame(data=[go.Scattergl(x=xy[:, 1], y=xy[:, 0])], name="f")]
    return fig


def test_the_same_json_and_the_figure_is_unchanged():
    plain = _figure()
    want = pio.to_json(plain.to_dict(), validate=False)
    fig = served(_figure())
    assert isinstance(fig, ServedFigure)
    got = pio.to_json(fig.to_dict(), validate=False)
    assert json.loads(got) == json.loads(want)
    assert isinstance(fig.data[0].x, np.ndarray) and fig.data[0].x.dtype == np.float32  # not turned into base64
    assert isinstance(fig.data[0].marker.color, np.ndarray)
    assert pio.to_json(fig.to_dict(), validate=False) == got  # and again: nothing was consumed


def test_other_objects_pass_through():
    assert served({"data": []}) == {"data": []}
    fig = _figure()
    assert served(served(fig)) is fig
