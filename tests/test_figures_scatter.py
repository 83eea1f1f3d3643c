"""The scatter builder: layers, typed arrays, colour modes, row mapping of selections."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from embviz.errors import ParameterError
from embviz.figures.scatter import MAX_CATEGORIES, scatter
from embviz.figures.selection import selected_rows, trace_rows


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


# -- stable colours, placed labels, regions ------------------------------------------------------
def _colour_by_name(fig):
    return {t.name: t.marker.color for t in fig.data if t.type == "scattergl" and t.mode == "markers"}


def test_colours_of_a_column_are_identical_across_two_samples(demo):
    from embviz.colors import category_colors

    colors = category_colors(demo.metadata["lexname"])  # decided once, for the whole table
    seen = []
    for seed in (0, 1):
        sample = demo.sample(400, seed=seed)
        fig = scatter(np.random.default_rng(seed).normal(size=(400, 2)), sample.keys,
                      color=sample.metadata["lexname"].to_numpy(), colors=colors)
        seen.append(_colour_by_name(fig))
    shared = set(seen[0]) & set(seen[1]) - {n for n in seen[0] if n.startswith("+")}
    assert len(shared) >= 8
    assert all(seen[0][c] == seen[1][c] == colors[c] for c in shared)
    # without the table's colours, two samples can disagree (the reason for category_colors)
    loose = [_colour_by_name(scatter(np.zeros((400, 2)), demo.sample(400, seed=s).keys,
                                     color=demo.sample(400, seed=s).metadata["lexname"].to_numpy()))
             for s in (0, 1, 2, 3)]
    assert any(a[c] != b[c] for a in loose for b in loose for c in set(a) & set(b) if not c.startswith("+"))


def test_category_colors_order_and_errors():
    from embviz.colors import OTHER_COLOR, PALETTE, category_colors, color_of

    colors = category_colors(["b", "a", "a", "b", "c", 1, "1"], max_colors=2)
    assert colors == {"1": PALETTE[0], "a": PALETTE[1]}  # 1 and "1" are one value; ties by name
    assert list(category_colors(["b", "a", "a", "b"])) == ["a", "b"]  # ties by name
    assert color_of("zzz", colors) == OTHER_COLOR
    with pytest.raises(ParameterError, match="'max_colors'"):
        category_colors(["a"], max_colors=0)


@pytest.fixture
def islands():
    from embviz import Embeddings
    from embviz.regions import describe

    rng = np.random.default_rng(5)
    centres = np.array([[0, 0], [12, 0], [0, 12], [12, 12]])
    truth = np.repeat(np.arange(4), 150)
    coords = centres[truth] + rng.normal(size=(600, 2)) * np.where(truth[:, None] == 0, 0.2, 1.5)
    emb = Embeddings([f"w{i:03d}" for i in range(600)], np.eye(4)[truth] + rng.normal(scale=0.1, size=(600, 4)))
    return emb, coords, describe(emb, coords, truth)


def test_placed_labels_are_drawn_as_annotations_in_the_plans_frame(islands):
    from embviz.layout import plan_map

    emb, coords, regions = islands
    color = np.array(["noun", "verb"])[np.arange(600) % 2]
    plan = plan_map(coords, emb.keys, color=color, regions=regions, query=3, neighbors=[4, 5], n_words=20,
                    title="t", note="n")
    fig = scatter(coords, emb.keys, color=color, regions=regions, plan=plan, query=3, neighbors=[4, 5],
                  title="t", note="n")
    anns = [a for a in fig.layout.annotations if (a.name or "").startswith("label:")]
    assert len(anns) == len(plan.labels) and anns[0].name == "label:query"
    assert {a.name for a in anns} >= {"label:query", "label:neighbor", "label:region", "label:word"}
    region = next(a for a in anns if a.name == "label:region")
    word = next(a for a in anns if a.name == "label:word")
    assert region.text.startswith("<b>") and region.font.size > word.font.size and region.bgcolor
    assert fig.layout.height == plan.canvas.height
    assert tuple(fig.layout.xaxis.range) == plan.canvas.x_range
    assert fig.layout.margin.r == plan.canvas.margin[1] + plan.canvas.legend > 60
    # with a plan no WebGL text is drawn (it could not be placed)
    assert all(t.mode in ("markers", "lines") for t in fig.data if t.type == "scattergl")
    # only compact islands whose name is drawn are shaded: island 0 is the tight one
    shaded = [t for t in fig.data if t.name == "regions"]
    assert regions.compact.tolist().count(True) >= 1 and len(shaded) == 1
    assert np.isnan(np.array(shaded[0].x, dtype=float)).sum() == sum(
        1 for r in np.flatnonzero(regions.compact) if r in {lab.region for lab in plan.labels})


def test_keys_are_escaped_in_annotations(islands):
    from embviz.layout import plan_map

    emb, coords, _ = islands
    keys = list(emb.keys)
    keys[3] = "<b>&x"
    plan = plan_map(coords, keys, query=3, n_words=0)
    fig = scatter(coords, keys, plan=plan, query=3)
    assert fig.layout.annotations[0].text == "<b>&lt;b&gt;&amp;x</b>"


def test_three_d_map_writes_region_names_and_ignores_a_plan(islands):
    emb, coords, regions = islands
    xyz = np.c_[coords, np.zeros(len(coords))]
    fig = scatter(xyz, emb.keys, regions=regions, query=0)
    names = next(t for t in fig.data if t.name == "regions")
    assert names.type == "scatter3d" and len(names.text) == regions.n_regions
