"""embviz.mapplace: the rows to place and the overlay layer of placed points (no streamlit).

Oracles: scikit-learn's exact cosine NearestNeighbors for the neighbours and the interpolated
positions; the projection's own coordinates for copies of fitted points."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

import embviz
from embviz import mapplace, mapview
from embviz.errors import InputError, ParameterError
from embviz.reduce.place import CONFIDENCE, NEIGHBOURS


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(4, 16)) * 3
    truth = np.repeat(np.arange(4), 75)
    meta = pd.DataFrame({"zipf": rng.uniform(1, 7, 300)})
    return embviz.Embeddings([f"w{i}" for i in range(300)], centres[truth] + rng.normal(size=(300, 16)), meta,
                             name="planted")


@pytest.fixture(scope="module")
def pca(table):
    return embviz.project(table, "pca", 2, cache=False)


@pytest.fixture(scope="module")
def no_model(pca):
    """The same map without its fitted model, as a shipped or disk-cached map comes."""
    return dataclasses.replace(pca, model=None)


def _new(table, rows, scale=0.05, seed=0, names=None):
    rng = np.random.default_rng(seed)
    x = table.vectors[rows] + rng.normal(scale=scale, size=(len(rows), table.dim))
    return embviz.Embeddings(names or [f"new{i}" for i in range(len(rows))], x, name="new table")


def test_choose_named_words_unknown_ones_noted_default_and_cap(table):
    new, notes = mapplace.choose(table, " w3, w1 ,w3, w10x ")
    assert new.keys == ["w3", "w1"] and np.array_equal(new.vectors, table.vectors[[3, 1]])
    assert len(notes) == 1 and "'w10x' is not in the table" in notes[0] and "'w10'" in notes[0]
    first, notes = mapplace.choose(table, "")
    assert first.keys == table.keys[: mapplace.DEFAULT_WORDS] and notes == []
    assert mapplace.choose(table, None, limit=4)[0].keys == table.keys[:4]
    big = embviz.Embeddings([f"k{i}" for i in range(700)], np.random.default_rng(0).normal(size=(700, 3)))
    capped, notes = mapplace.choose(big, [f"k{i}" for i in range(700)])
    assert len(capped) == mapplace.MAX_POINTS == 500 and capped.keys[-1] == "k499"
    assert any("700 words named; the first 500 are placed" in n for n in notes)
    with pytest.raises(InputError, match="none of the words named is in 'planted'"):
        mapplace.choose(table, "nothing, here")
    with pytest.raises(ParameterError, match="'limit'"):
        mapplace.choose(table, "", limit=501)


def test_overlay_rows_neighbours_and_positions_match_sklearn(table, no_model):
    from sklearn.neighbors import NearestNeighbors

    new = _new(table, [5, 80, 160, 290], scale=0.3)
    ov = mapplace.overlay(no_model, table, new, k=10)
    assert ov.keys == new.keys and ov.coords.shape == (4, 2) and ov.placement.kind == "neighbours"
    nn = NearestNeighbors(n_neighbors=NEIGHBOURS, metric="cosine", algorithm="brute").fit(table.vectors)
    idx = nn.kneighbors(new.vectors, return_distance=False)
    np.testing.assert_allclose(ov.coords, np.median(no_model.coords[idx], axis=1), atol=1e-5)
    shown = ov.table()
    assert list(shown.columns) == ["key", "confidence", "distance percentile", "nearest original neighbours"]
    for i, row in enumerate(shown["nearest original neighbours"]):
        names = [part.split(" (")[0] for part in row.split(", ")]
        assert names == [table.keys[j] for j in idx[i, : mapplace.SHOWN_NEIGHBOURS]]
        for name in names:  # the hover names the same three
            assert name in ov.hover[i]
    assert "neighbour interpolation" in ov.caption and "not kept in saved views" in ov.caption


def test_native_transform_puts_a_copy_on_its_point_and_says_so(table, pca):
    ov = mapplace.overlay(pca, table, _new(table, [12, 200], scale=0.0))
    np.testing.assert_allclose(ov.coords, pca.coords[[12, 200]], atol=1e-4)
    assert ov.placement.kind == "native" and "PCA's own transform" in ov.caption


def test_confidence_follows_the_distance_percentile(table, no_model):
    rng = np.random.default_rng(1)
    near = table.vectors[:3] + 0.01
    far = rng.normal(size=(3, table.dim)) * 10  # random directions: far from every fitted point
    new = embviz.Embeddings(["n0", "n1", "n2", "f0", "f1", "f2"], np.vstack([near, far]))
    ov = mapplace.overlay(no_model, table, new)
    pct = ov.placement.percentile
    expected = [next((name for limit, name in CONFIDENCE if p <= limit), "low") for p in pct]
    assert ov.confidence == expected
    assert ov.confidence[:3] == ["high"] * 3 and ov.confidence[3:] == ["low"] * 3
    assert ov.legend == ["placed · high confidence", "placed · low confidence"]
    assert "farther from the map than 99%" in ov.hover[3]


def test_dimension_mismatch_names_both_dimensions(table, pca):
    other = embviz.Embeddings(["a", "b"], np.ones((2, 9)), name="nine.txt")
    with pytest.raises(InputError, match=r"'nine.txt' has vectors of 9 dimensions, but this map's table "
                                         r"'planted' has 16"):
        mapplace.overlay(pca, table, other)


def test_more_than_the_cap_is_refused(table, no_model):
    many = embviz.Embeddings([f"m{i}" for i in range(501)], np.tile(table.vectors[:1], (501, 1)))
    with pytest.raises(ParameterError, match="at most 500 points"):
        mapplace.overlay(no_model, table, many)


def test_the_overlay_is_drawn_as_its_own_layer_and_labelled_in_the_plan(table, no_model):
    new = _new(table, [1, 2, 3, 150], names=["w1", "p2", "p3", "p4"])  # "w1" is also a word of the map
    ov = mapplace.overlay(no_model, table, new)
    outside = dataclasses.replace(ov, coords=np.vstack([ov.coords[:3], no_model.coords.max(axis=0) * 3]),
                                  confidence=["high", "high", "medium", "low"])
    spec = mapview.map_spec(table, no_model, n_words=300, overlay=outside, width=900)
    placed = [lab for lab in spec.plan.labels if lab.kind == "placed"]
    assert sorted(lab.text for lab in placed) == ["p2", "p3", "p4", "w1"]
    assert not spec.plan.overlapping()
    assert not any(lab.kind == "word" and lab.text == "w1" for lab in spec.plan.labels)
    x0, x1 = spec.plan.canvas.x_range  # the frame holds the point placed outside the map
    assert x0 <= outside.coords[3, 0] <= x1
    fig = mapview.draw(spec)
    layers = {t.name: t for t in fig.data if t.name.startswith("placed")}
    assert set(layers) == {"placed · high confidence", "placed · medium confidence", "placed · low confidence"}
    high = layers["placed · high confidence"]
    assert high.customdata is None and high.marker.symbol == "diamond-open" and len(high.x) == 2
    assert high.marker.color == mapplace.STYLE["high"][0] and high.opacity == mapplace.STYLE["high"][1]
    assert layers["placed · low confidence"].opacity < high.opacity
    assert "nearest original points" in high.hovertext[0]
    assert [a.text for a in fig.layout.annotations if a.name == "label:placed"]
    # a key the overlay does not hold, or coordinates of the wrong width, are refused
    with pytest.raises(ParameterError, match="'overlay'"):
        mapview.draw(dataclasses.replace(spec, overlay=dataclasses.replace(ov, coords=np.zeros((4, 3)))))


def test_placed_labels_come_before_words_and_regions():
    from embviz.layout import map_labels

    rng = np.random.default_rng(0)
    coords = rng.normal(size=(2_000, 2))
    keys = [f"word{i}" for i in range(2_000)]
    layer = dataclasses.make_dataclass("Layer", ["coords", "keys", "legend"])(coords[:40] + 0.01,
                                                                              [f"P{i}" for i in range(40)], [])
    plan = map_labels(coords, keys, n_words=200, placed=layer)
    kinds = [lab.kind for lab in plan.labels]
    assert kinds.count("placed") >= 30 and kinds.index("placed") < kinds.index("word")
    assert not plan.overlapping() and plan.requested["placed"] == 40


def test_texts_have_the_transformer_dimension_not_the_bundled_tables():
    from embviz import encode

    assert embviz.demo().dim == 128 != encode.DIM  # why texts cannot be placed on the bundled map
    if encode.missing_extra():
        pytest.skip(encode.missing_extra())
    assert encode.embed_texts(["a cat sat on the mat", "king"]).dim == encode.DIM
