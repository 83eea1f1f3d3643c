"""The map is built without Plotly's per-property checks (embviz.figures.scatter.VALIDATE): every
kind of map, drawn both ways, must give the same JSON, and that JSON must pass Plotly's checks.
A misspelt property, a wrong value type or a trace Plotly does not know fails here."""
from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from embviz import mapplace, mapview
from embviz.datasets import shipped_projection, shipped_regions
from embviz.figures import scatter as scatter_module
from embviz.figures.text import hover_text


@pytest.fixture(scope="module")
def shipped(demo):
    return shipped_projection(demo, "tsne", 2), shipped_regions(demo, "tsne")


def _specs(demo, shipped):
    proj, regions = shipped
    found = mapview.search(demo, demo, "king", k=8)
    lex = demo.metadata["lexname"].astype(str).to_numpy()
    new = demo.subset(["queen", "river", "violin"])
    overlay = mapplace.overlay(proj, demo, new)
    yield "categories, regions, search, matches, placed points", mapview.map_spec(
        demo, proj, color=lex, color_name="lexname", hover=hover_text(demo), regions=regions, found=found,
        highlight=[5, 6, 7], n_words=40, title="t-SNE · 20,000 words", note="a note", width=1200,
        axis_titles=["t-SNE 1", "t-SNE 2"], overlay=overlay)
    zipf = demo.metadata["zipf"].to_numpy(dtype=float) if "zipf" in demo.metadata else np.arange(len(demo), dtype=float)
    yield "numbers, presenting", mapview.map_spec(demo, proj, color=zipf, color_name="zipf", n_words=10, present=True)
    small = demo.take(np.arange(300))
    yield "one colour, plain labels", mapview.MapSpec(proj.coords[:300], list(small.keys),
                                                      labels=np.arange(0, 300, 30), dragmode="pan")
    three = shipped_projection(demo, "tsne", 3) or proj
    if three.dims == 3:
        yield "3-D with a search", mapview.map_spec(demo, three, color=lex, found=found, n_words=30)


def test_unchecked_maps_equal_checked_ones_and_pass_plotly_checks(demo, shipped, monkeypatch):
    seen = 0
    for name, spec in _specs(demo, shipped):
        monkeypatch.setattr(scatter_module, "VALIDATE", False)
        fast = pio.to_json(mapview.draw(spec), validate=False)
        monkeypatch.setattr(scatter_module, "VALIDATE", True)
        checked = pio.to_json(mapview.draw(spec), validate=True)
        assert json.loads(fast) == json.loads(checked), name
        go.Figure(json.loads(fast))  # Plotly's checks on what the browser receives
        seen += 1
    assert seen >= 3


def test_a_value_plotly_would_refuse_passes_unchecked_but_fails_the_check():
    """The comparison above can fail: a layout built unchecked is only checked by Plotly here."""
    fig = go.Figure(_validate=False)
    fig.update_layout(height="tall")  # unchecked: kept
    assert fig.to_dict()["layout"]["height"] == "tall"
    with pytest.raises(ValueError, match="height"):
        go.Figure(json.loads(pio.to_json(fig, validate=False)))
