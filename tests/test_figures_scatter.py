"""The scatter builder: layers, typed arrays, colour modes, row mapping of selections."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from embviz.errors import ParameterError
from embviz.figures.scatter import MAX_CATEGORIES, scatter, selected_rows, trace_rows


@pytest.fixture
def coords(rng):
    return rng.normal(size=(300, 2)).astype(np.float32)


def _decode(arr):
    return np.frombuffer(base64.b64decode(arr["bdata"]), np.dtype(arr["dtype"]))


def test_positions_travel_as_float32_typed_arrays(coords):
    fig = scatter(coords, [f"w{i}" for i in range(300)])
    spec = json.loads(fig.to_json())
    trace = spec["data"][0]
    assert trace["type"] == "scattergl"
    assert trace["x"]["dtype"] == "f4"
    np.testing.assert_array_equal(_decode(trace["x"]), coords[:, 0])
    np.testing.assert_array_equal(_decode(trace["customdata"]), np.arange(300))


def test_three_d_uses_scatter3d(rng):
    fig = scatter(rng.normal(size=(50, 3)), [str(i) for i in range(50)], query=0, neighbors=[1, 2])
    assert {t.type for t in fig.data} == {"scatter3d"}
    assert fig.layout.scene.aspectmode == "data"


def test_categories_beyond_the_palette_go_to_one_other_trace(coords):
    cats = np.array([f"c{i % 20}" for i in range(300)])
    fig = scatter(coords, [f"w{i}" for i in range(300)], color=cats)
    names = [t.name for t in fig.data]
    assert len(names) == MAX_CATEGORIES + 1
    assert names[0] == "+8 more"
    # every point is drawn exactly once, and customdata maps back to the right category
    rows = np.concatenate([r for r in trace_rows(fig) if r is not None])
    assert sorted(rows.tolist()) == list(range(300))
    for t in fig.data[1:]:
        assert set(cats[np.asarray(t.customdata)]) == {t.name}


def test_numeric_colour_gets_a_colour_bar(coords):
    fig = scatter(coords, [f"w{i}" for i in range(300)], color=np.linspace(0, 1, 300), color_name="zipf")
    assert len(fig.data) == 1
    assert fig.data[0].marker.colorbar.title.text == "zipf"


def test_layers_labels_highlight_and_neighbours(coords):
    keys = [f"w{i}" for i in range(300)]
    fig = scatter(coords, keys, labels=[0, 1, 2], highlight=[5, 6], query=10, neighbors=[11, 12, 13],
                  note="Sample: 300 of 1,000 points")
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["labels"].text) == ["w0", "w1", "w2"]
    assert list(by_name["matches"].customdata) == [5, 6]
    assert list(by_name["neighbours of w10"].customdata) == [11, 12, 13]
    links = by_name["links"]
    assert np.isnan(np.asarray(links.x, dtype=float)).sum() == 3  # three separate segments
    assert fig.layout.annotations[0].text == "Sample: 300 of 1,000 points"


def test_presentation_mode_enlarges_markers_and_type(coords):
    keys = [f"w{i}" for i in range(300)]
    small, big = scatter(coords, keys), scatter(coords, keys, present=True)
    assert big.data[0].marker.size > small.data[0].marker.size
    assert big.layout.font.size > small.layout.font.size


def test_bad_input_names_the_parameter(coords):
    with pytest.raises(ParameterError, match="'coords' parameter of scatter must be an N × 2 or N × 3"):
        scatter(np.zeros((5, 4)), list("abcde"))
    with pytest.raises(ParameterError, match="'keys' parameter"):
        scatter(coords, ["a"])
    with pytest.raises(ParameterError, match="'color' parameter"):
        scatter(coords, [f"w{i}" for i in range(300)], color=[1, 2])
    with pytest.raises(ParameterError, match=r"row numbers in \[0, 300\)"):
        scatter(coords, [f"w{i}" for i in range(300)], highlight=[300])


def test_selected_rows_maps_curve_and_point_index_to_data_rows(coords):
    cats = np.array(["a", "b", "c"])[np.arange(300) % 3]
    fig = scatter(coords, [f"w{i}" for i in range(300)], color=cats)
    rows = trace_rows(fig)
    sel = {"points": [{"curve_number": 1, "point_index": 0}, {"curve_number": 2, "point_index": 3},
                      {"curve_number": 9, "point_index": 0}]}  # last: a stale curve, ignored
    got = selected_rows(sel, rows)
    assert got.tolist() == sorted([int(rows[1][0]), int(rows[2][3])])
    assert {cats[i] for i in got} == {fig.data[1].name, fig.data[2].name}
    assert selected_rows(None, rows).size == 0
