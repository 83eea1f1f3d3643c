"""embviz.mapview: what a map shows, decided once for every page (no streamlit)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import embviz
from embviz import mapview
from embviz.colors import category_colors
from embviz.errors import InputError
from embviz.labels import overlaps


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(5, 12)) * 4
    truth = np.repeat(np.arange(5), 80)
    meta = pd.DataFrame({"group": [f"g{g}" for g in truth], "zipf": rng.uniform(1, 7, 400).round(1),
                         "rank": np.arange(1, 401)})
    keys = [f"w{i}" for i in range(400)]
    return embviz.Embeddings(keys, centres[truth] + rng.normal(size=(400, 12)), meta, name="planted")


@pytest.fixture(scope="module")
def tsne(planted):
    return embviz.project(planted, "tsne", 2, cache=False)


def test_one_categorical_column_rule():
    many = [f"v{i}" for i in range(mapview.CATEGORY_VALUES + 1)]
    meta = pd.DataFrame({"n": np.arange(201), "f": np.linspace(0, 1, 201), "few": ["a", "b", "c"] * 67,
                         "many": many, "flag": [True, False] * 100 + [True],
                         "lists": [[1]] * 201})
    assert mapview.categorical_columns(meta) == ["few", "flag"]
    assert mapview.categorical_columns(meta, max_values=300) == ["few", "many", "flag"]
    assert mapview.numeric_columns(meta) == ["n", "f"]
    assert mapview.color_options(meta) == ["none", "n", "f", "few", "flag", mapview.CLUSTER, mapview.DISTORTION]


def test_one_frequency_order():
    vec = np.eye(4, 3)
    by_zipf = embviz.Embeddings(list("abcd"), vec, pd.DataFrame({"zipf": [3.0, 5.0, 5.0, 1.0]}))
    assert mapview.frequency_order(by_zipf).tolist() == [1, 2, 0, 3]  # ties keep file order
    by_rank = embviz.Embeddings(list("abcd"), vec, pd.DataFrame({"rank": [4, 2, 1, 3]}))
    assert mapview.frequency_order(by_rank).tolist() == [2, 1, 3, 0]
    assert mapview.frequency_order(embviz.Embeddings(list("abcd"), vec)).tolist() == [0, 1, 2, 3]


def test_first_method_prefers_the_map_that_keeps_neighbours():
    shipped = {"pca": {"trustworthiness@10": 0.68, "knn_recall@10": 0.01, "n": 100},
               "umap": {"trustworthiness@10": 0.83, "knn_recall@10": 0.17, "n": 100},
               "tsne": {"trustworthiness@10": 0.96, "knn_recall@10": 0.41, "n": 100}}
    method, why = mapview.first_method(100, shipped)
    assert method == "tsne" and "0.960" in why and "UMAP 0.830" in why and "nothing is computed" in why
    assert why.index("UMAP") < why.index("PCA")  # the others, best first
    method, why = mapview.first_method(10_000, reference=shipped)
    assert method == "tsne" and "t-SNE 0.960 / 0.410; UMAP 0.830" in why and "computed once" in why
    assert mapview.first_method(mapview.MIN_NEIGHBOUR_MAP - 1)[0] == "pca"
    assert mapview.first_method(10_000, available=("pca",))[0] == "pca"


def test_search_finds_neighbours_in_the_whole_table_and_rows_among_the_drawn(planted):
    unit = planted.vectors / np.linalg.norm(planted.vectors, axis=1, keepdims=True)
    sims = unit @ unit[planted.index("w7")]
    sims[planted.index("w7")] = -np.inf
    oracle = [planted.keys[i] for i in np.argsort(-sims)[:6]]
    keep = mapview.keep_keys(planted, "w7", k=6, pins=["w300", "nope"])
    assert keep == ["w7", *oracle, "w300"]
    sample = planted.sample(50, seed=1, keep=keep)
    found = mapview.search(planted, sample, "w7", k=6)
    assert [w for w, _ in found.neighbors] == oracle
    assert sample.keys[found.query] == "w7" and [sample.keys[r] for r in found.drawn] == oracle
    missing = mapview.search(planted, planted.subset([k for k in planted.keys if k != "w7"]), "w7", k=6)
    assert missing.query is None and missing.drawn == [] and len(missing.neighbors) == 6


def test_text_and_pattern_search(planted):
    assert mapview.search(planted, planted, "w39").is_word  # a key: its neighbours
    text = mapview.search(planted, planted, "w3x")
    assert text.total == 0 and text.unknown is not None
    sub = mapview.search(planted, planted, "39")
    assert sorted(planted.keys[i] for i in sub.matches) == sorted(k for k in planted.keys if "39" in k)
    pattern = mapview.search(planted, planted, r"^w1\d$", regex=True)
    assert sorted(planted.keys[i] for i in pattern.matches) == [f"w1{d}" for d in range(10)]
    bad = mapview.search(planted, planted, "(", regex=True)
    assert isinstance(bad.error, InputError) and bad.total == 0


def test_pin_rows_names_the_words_not_drawn(planted):
    sample = planted.subset(planted.keys[:100])
    rows, problems = mapview.pin_rows(planted, sample, ["w3", "w250", "zzz"])
    assert rows.tolist() == [3]
    assert problems[0] == "'w250' is not among the points drawn (sampled out)" and "zzz" in problems[1]


def test_rows_of_a_whole_map_and_its_regions(planted, tsne):
    from embviz.regions import find_regions

    regions = find_regions(planted, tsne.coords, cache=False)
    sample = planted.sample(120, seed=2)
    rows = mapview.rows_in(planted, sample)
    part = mapview.take_rows(tsne, rows, sample.keys)
    assert np.array_equal(part.coords, tsne.coords[rows]) and part.keys == sample.keys
    assert part.extra["rows_of"] == 400 and part.method == "tsne"
    sub = mapview.take_regions(regions, rows)
    assert np.array_equal(sub.labels, regions.labels[rows]) and sub.names == regions.names
    assert sub.keys == sample.keys


def test_map_spec_places_labels_that_never_overlap_and_keeps_colours(planted, tsne):
    from embviz.regions import find_regions

    regions = find_regions(planted, tsne.coords, cache=False)
    colors = category_colors(planted.metadata["group"])
    found = mapview.search(planted, planted, "w10", k=8)
    spec = mapview.map_spec(planted, tsne, color=planted.metadata["group"], colors=colors, regions=regions,
                            found=found, n_words=100, title="t", note="n")
    plan = spec.plan
    assert not plan.overlapping() and not overlaps([lab.box for lab in plan.labels])
    assert plan.labels[0].kind == "query" and plan.labels[0].text == "w10"
    assert plan.placed("region") >= 3 and plan.placed("neighbor") >= 6
    assert spec.colors is colors and spec.regions is regions and spec.neighbors == found.drawn
    fig = mapview.draw(spec)
    drawn = {t.name: t.marker.color for t in fig.data if t.type == "scattergl" and t.name in colors}
    assert drawn == {g: colors[g] for g in drawn} and len(drawn) == 5
    # a sample gets the same colours (decided from the whole column)
    sample = planted.sample(100, seed=4)
    part = mapview.take_rows(tsne, mapview.rows_in(planted, sample), sample.keys)
    fig2 = mapview.draw(mapview.map_spec(sample, part, color=sample.metadata["group"], colors=colors))
    assert {t.name: t.marker.color for t in fig2.data if t.name in colors} == {g: colors[g] for g in drawn}


def test_a_wider_figure_names_at_least_as_many_regions(demo):
    from embviz.datasets import shipped_projection, shipped_regions

    proj, regions = shipped_projection(demo, "tsne", 2), shipped_regions(demo, "tsne")
    if proj is None:
        pytest.skip("no shipped maps")
    counts = [mapview.map_spec(demo, proj, regions=regions, n_words=30, width=w, title="t").plan.placed("region")
              for w in (600, 853)]
    assert counts[0] >= 20 and counts[1] >= 30 and counts[1] >= counts[0]


def test_a_view_window_frames_the_figure_and_labels_its_own_points(planted, tsne):
    lo, hi = tsne.coords.min(axis=0), tsne.coords.max(axis=0)
    view = (lo[0], (lo[0] + hi[0]) / 2, lo[1], (lo[1] + hi[1]) / 2)
    spec = mapview.map_spec(planted, tsne, n_words=20, view=view)
    assert spec.plan.canvas.x_range == (float(view[0]), float(view[1]))
    for lab in spec.plan.labels:
        assert view[0] <= lab.x <= view[1] and view[2] <= lab.y <= view[3]
    fig = mapview.draw(spec)
    assert tuple(fig.layout.xaxis.range) == (float(view[0]), float(view[1]))


def test_three_d_maps_get_the_most_frequent_labels(planted):
    proj = embviz.project(planted, "pca", 3, cache=False)
    spec = mapview.map_spec(planted, proj, n_words=21)
    assert spec.plan is None and len(spec.labels) == 7 and len(set(spec.labels.tolist())) == 7
    top = mapview.frequency_order(planted)[:7]
    spread_out = np.ptp(proj.coords[spec.labels, :2], axis=0).mean() > np.ptp(proj.coords[top, :2], axis=0).mean()
    assert spread_out  # labels cover the map, not the corner where the frequent words are
    with pytest.raises(embviz.ParameterError, match="map of the 10 points drawn. Got 400"):
        mapview.map_spec(planted.subset(planted.keys[:10]), proj)


def test_window_faithfulness_and_adapt():
    assert mapview.window({"x": [2, 1], "y": [5, 3]}) == (1.0, 2.0, 3.0, 5.0)
    assert mapview.window({"x": [1], "y": [0, 1]}) is None and mapview.window(None) is None
    assert mapview.window({"x": [0, float("nan")], "y": [0, 1]}) is None
    q = {"trustworthiness@10": 0.9, "knn_recall@10": 0.3, "n": 5000, "sample_size": 1000, "sampled": True}
    assert mapview.faithfulness(q) == {"trustworthiness": 0.9, "knn_recall": 0.3, "k": 10, "n": 5000,
                                       "queries": 1000, "sampled": True}
    assert mapview.faithfulness({}) is None
    assert mapview.adapt("tsne", {}, 40)["perplexity"] < (40 - 1) / 3
    assert mapview.adapt("umap", {}, 10)["n_neighbors"] == 9 and mapview.adapt("umap", {}, 500) == {}


def test_group_regions_renames_one_region_and_moving_with_the_points(planted, tsne):
    import embviz as ev

    labels = np.repeat(np.arange(5), 80)[::-1].copy()  # group 4 first in the file
    regions, region_of = mapview.group_regions(planted, tsne.coords, labels)
    assert sorted(region_of) == [0, 1, 2, 3, 4] and sorted(region_of.values()) == [0, 1, 2, 3, 4]
    for g, r in region_of.items():
        assert np.array_equal(regions.labels == r, labels == g)
    named = mapview.renamed_regions(regions, {0: "my · group"})
    assert named.names[0] == "my · group" and named.words[0] == ["my", "group"] and named.names[1] == regions.names[1]
    one = mapview.only_region(regions, 2)
    assert one.names == [regions.names[2]] and np.array_equal(one.labels == 0, regions.labels == 2)
    turned = ev.align(ev.project(planted, "pca", cache=False), tsne)
    moved = mapview.moved_regions(regions, tsne.coords, turned.coords)
    for r in range(regions.n_regions):  # a region's place is one of its points: it moves with it
        row = np.argmin(np.linalg.norm(tsne.coords - regions.centres[r], axis=1))
        assert np.allclose(moved.centres[r], turned.coords[row], atol=1e-3)


def test_points_placed_on_a_sample_map_by_its_transform(planted):
    base = planted.subset(planted.keys[:300])
    proj = embviz.project(base, "pca", cache=False)
    drawn = planted.subset(planted.keys[:300] + ["w350", "w399"])
    placed = mapview.with_placed(proj, drawn, 300)
    assert placed.keys == drawn.keys and placed.extra["placed"] == ["w350", "w399"]
    assert np.array_equal(placed.coords[:300], proj.coords)
    assert np.allclose(placed.coords[300:], proj.transform(planted.vectors[[350, 399]]), atol=1e-5)
    assert mapview.with_placed(proj, base, 300) is proj
