"""Clusters: planted groups are recovered, names are central members, bad parameters are named."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score, silhouette_score

from embviz import Embeddings, ParameterError
from embviz.clustering import Clustering, chance_agreement, cluster, map_agreement, rename
from embviz.progress import Recorder


def planted(n_per=(120, 80, 200, 60, 140), dim=32, spread=0.25, seed=1):
    """Clusters of unequal size around random directions (cosine geometry), with true labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(n_per), dim))
    truth = np.repeat(np.arange(len(n_per)), n_per)
    scale = rng.uniform(0.5, 3.0, size=(len(truth), 1))  # lengths vary: cosine must not care
    vecs = (centres[truth] + spread * rng.normal(size=(len(truth), dim)) * np.sqrt(dim) / 4) * scale
    keys = [f"p{i}" for i in range(len(truth))]
    return Embeddings(keys, vecs, name="planted"), truth


def group_labels(blobs):
    return blobs.metadata["group"].to_numpy()


# -- planted clusters --------------------------------------------------------------------------
@pytest.mark.parametrize("method, params", [
    ("kmeans", {"k": 5}),
    ("kmeans", {"k": "auto", "k_range": (2, 9)}),
    ("hdbscan", {}),
    ("agglomerative", {"k": 5}),
])
def test_planted_clusters_are_recovered(method, params):
    emb, truth = planted()
    c = cluster(emb, method, **params)
    assert adjusted_rand_score(truth, c.labels) >= 0.9
    assert c.n_clusters == 5
    assert c.silhouette > 0.5


def test_blobs_recovered_by_every_method(blobs):
    truth = group_labels(blobs)
    for method, params in [("kmeans", {"k": 3}), ("hdbscan", {}), ("agglomerative", {"k": 3})]:
        assert adjusted_rand_score(truth, cluster(blobs, method, **params).labels) >= 0.9, method


def test_auto_k_chooses_the_planted_number_and_states_scores():
    emb, _ = planted()
    c = cluster(emb, "kmeans", k="auto", k_range=(2, 12))
    assert c.params["k"] == 5 and c.params["k_auto"]
    scores = c.params["k_scores"]
    assert max(scores, key=scores.get) == 5 and min(scores) == 2


def test_agglomerative_on_a_sample_assigns_the_rest_and_says_so():
    emb, truth = planted()
    c = cluster(emb, "agglomerative", k=5, max_points=200)
    assert c.sampled["fit"] == 200 and c.params["fit_on"] == 200
    assert c.n_noise == 0
    assert adjusted_rand_score(truth, c.labels) >= 0.9


def test_agglomerative_distance_threshold_sets_the_number_of_clusters():
    emb, truth = planted()
    c = cluster(emb, "agglomerative", distance_threshold=0.6)
    assert c.params["k"] == c.n_clusters == 5
    assert adjusted_rand_score(truth, c.labels) >= 0.9


def test_projected_space_clusters_the_given_coordinates(blobs):
    from sklearn.decomposition import PCA

    coords = PCA(2, random_state=0).fit_transform(blobs.vectors)
    c = cluster(blobs, "kmeans", "projected", coords=coords, k=3)
    assert c.params["metric"] == "euclidean" and c.space == "projected"
    assert adjusted_rand_score(group_labels(blobs), c.labels) >= 0.9
    assert c.silhouette == pytest.approx(silhouette_score(coords, c.labels), abs=1e-5)


def test_hdbscan_marks_outliers_as_noise():
    emb, truth = planted()
    rng = np.random.default_rng(5)
    far = rng.normal(size=(15, 32)) * 3  # isolated random directions
    emb2 = Embeddings(emb.keys + [f"o{i}" for i in range(15)], np.vstack([emb.vectors, far]))
    c = cluster(emb2, "hdbscan")
    assert c.n_noise >= 10
    assert np.all(c.labels[-15:][c.labels[-15:] >= 0] >= 0)
    assert adjusted_rand_score(truth, c.labels[: len(truth)]) >= 0.9
    assert "noise" in c.table()["name"].tolist()
    assert c.label_names()[-1] in {"noise", *c.names.values()}


def test_hdbscan_reduction_above_threshold_is_stated(monkeypatch):
    import embviz.cluster_methods as mod  # the methods moved out of clustering.py (module size)

    monkeypatch.setattr(mod, "HDBSCAN_REDUCE_ABOVE", 100)
    emb, truth = planted()
    c = cluster(emb, "hdbscan")
    assert c.params["reduced_to"] == mod.HDBSCAN_REDUCED_DIMS
    assert adjusted_rand_score(truth, c.labels) >= 0.9
    assert cluster(emb, "hdbscan", reduce_to=None).params["reduced_to"] is None


# -- measures ------------------------------------------------------------------------------------
def test_silhouette_matches_sklearn_and_per_cluster_means(blobs):
    c = cluster(blobs, "kmeans", k=3)
    assert c.silhouette == pytest.approx(silhouette_score(blobs.unit_vectors, c.labels, metric="cosine"), abs=1e-5)
    assert not c.sampled
    sizes = np.array([c.sizes[i] for i in sorted(c.sizes)])
    per = np.array([c.cluster_silhouette[i] for i in sorted(c.sizes)])
    assert c.silhouette == pytest.approx(float((per * sizes).sum() / sizes.sum()), abs=1e-5)


def test_large_sets_state_the_silhouette_sample(monkeypatch):
    import embviz.clustering as mod

    monkeypatch.setattr(mod, "SILHOUETTE_SAMPLE", 150)
    emb, _ = planted()
    c = cluster(emb, "kmeans", k=5)
    assert c.sampled == {"silhouette": 150}
    assert 0.5 < c.silhouette <= 1


def test_labels_are_numbered_by_size_and_sizes_add_up():
    emb, _ = planted()
    c = cluster(emb, "kmeans", k=5)
    sizes = [c.sizes[i] for i in range(c.n_clusters)]
    assert sizes == sorted(sizes, reverse=True) == [200, 140, 120, 80, 60]
    assert sum(sizes) == len(emb)
    assert c.labels.dtype.kind == "i" and c.labels.shape == (len(emb),)


def test_same_seed_same_labels_and_seed_is_used():
    emb, _ = planted(spread=0.9)
    a = cluster(emb, "kmeans", k=8, seed=3)
    b = cluster(emb, "kmeans", k=8, seed=3)
    np.testing.assert_array_equal(a.labels, b.labels)
    assert a.names == b.names and a.params["seed"] == 3


def test_map_agreement_is_one_for_separated_maps_and_chance_for_random_ones(blobs):
    from sklearn.decomposition import PCA

    labels = group_labels(blobs)
    codes = pd.factorize(labels)[0]
    good = PCA(2, random_state=0).fit_transform(blobs.vectors)
    overall, per = map_agreement(codes, good, k=10)
    assert overall > 0.95 and set(per) == {0, 1, 2}
    rand = np.random.default_rng(0).normal(size=(len(codes), 2))
    overall_r, _ = map_agreement(codes, rand, k=10)
    assert overall_r == pytest.approx(chance_agreement(codes), abs=0.06)
    assert chance_agreement(codes) == pytest.approx(99 / 299)


def test_map_agreement_ignores_noise_points_as_queries():
    labels = np.array([0, 0, 0, -1, 1, 1, 1])
    coords = np.array([[0, 0], [0, 1], [1, 0], [5, 5], [9, 9], [9, 8], [8, 9]])
    overall, per = map_agreement(labels, coords, k=2)
    assert overall == 1.0 and set(per) == {0, 1}
    with pytest.raises(ParameterError, match="'coords' parameter of map_agreement"):
        map_agreement(labels, coords[:3])
    with pytest.raises(ParameterError, match="'k' parameter of map_agreement"):
        map_agreement(labels, coords, k=7)


# -- names ---------------------------------------------------------------------------------------
def test_names_are_the_most_central_members_ties_by_frequency():
    # cluster A around +x: "centre" lies on the mean direction; "twin_rare"/"twin_common" tie.
    vecs = [[1, 0, 0], [1, 0.3, 0], [1, -0.3, 0], [1, 0.1, 0], [1, -0.1, 0],
            [0, 0, 1], [0.3, 0, 1], [-0.3, 0, 1]]
    keys = ["centre", "edge1", "edge2", "twin_rare", "twin_common", "z0", "z1", "z2"]
    meta = pd.DataFrame({"rank": [50, 10, 11, 40, 3, 1, 2, 4]})
    c = cluster(Embeddings(keys, vecs, meta), "kmeans", k=2)
    assert c.names[0] == "centre · twin_common · twin_rare"
    assert c.members(0)[:3] == ["centre", "twin_common", "twin_rare"]
    assert c.names[1].startswith("z0")
    table = c.table(preview=2)
    assert list(table.columns) == ["label", "name", "size", "silhouette", "members"]
    assert table["size"].tolist() == [5, 3]
    frame = c.to_frame(np.zeros((8, 2)))
    assert list(frame.columns) == ["key", "label", "cluster", "x", "y"]
    assert frame.loc[frame.key == "z1", "cluster"].item() == c.names[1]


def test_rename_returns_a_renamed_copy(blobs):
    c = cluster(blobs, "kmeans", k=3)
    r = rename(c, 1, "  my group ")
    assert r.names[1] == "my group" and c.names[1] != "my group"
    assert isinstance(r, Clustering) and r.names[0] == c.names[0]
    with pytest.raises(ParameterError, match=r"'label' parameter of Clustering must be one of \[0, 1, 2\]"):
        rename(c, 7, "x")
    with pytest.raises(ParameterError, match="'name' parameter of rename must be a non-empty text"):
        rename(c, 0, "  ")


# -- the demo table: coherent groups of meaning -------------------------------------------------
def test_demo_groups_of_meaning_come_out_together(demo):
    emb = demo.sample(5000, method="top")
    c = cluster(emb, "kmeans", k=20)
    groups = {
        "colours": ["red", "blue", "green", "yellow", "purple", "orange", "pink", "brown"],
        "numbers": ["two", "three", "four", "five", "six", "seven", "eight", "nine"],
        "countries": ["france", "germany", "italy", "spain", "china", "japan", "russia", "india"],
        "months": ["january", "february", "april", "june", "july", "august", "september", "october"],
    }
    modal = {}
    for name, words in groups.items():
        labels = c.labels[emb.indices(words)]
        values, counts = np.unique(labels, return_counts=True)
        modal[name] = int(values[counts.argmax()])
        assert counts.max() >= 5, f"{name}: {dict(zip(words, labels.tolist()))}"
        # not trivially true: the shared cluster is a small part of the vocabulary
        assert c.sizes[modal[name]] < 0.1 * len(emb), name
    assert modal["colours"] != modal["countries"] != modal["numbers"]
    assert 0 < c.silhouette < 0.5  # word tables cluster weakly; the number says so
    assert c.sampled == {}


# -- bad parameters ------------------------------------------------------------------------------
@pytest.mark.parametrize("params, match", [
    ({"k": 400}, r"'k' parameter of KMeans must be an integer in \[2, 299\] \(fewer clusters than the 300 points\). Got 400"),
    ({"k": 1}, r"'k' parameter of KMeans must be 'auto' or an int in \[2, 1000\]\. Got 1"),
    ({"k": 5000}, r"'k' parameter of KMeans must be 'auto' or an int in \[2, 1000\]\. Got 5000"),
    ({"k": "auto", "k_max": 500}, r"'k_max' parameter of KMeans must be an int in \[3, 200\]"),
    ({"k": "three"}, r"'k' parameter of KMeans .* Got 'three'"),
    ({"k": "auto", "k_range": (5, 2)}, "'k_range' parameter of KMeans must be a pair"),
    ({"n_clusters": 3}, "'n_clusters' parameter of KMeans must be one of the known parameters k, k_min, k_max, n_init, max_iter, k_range"),
])
def test_bad_kmeans_parameters(blobs, params, match):
    with pytest.raises(ParameterError, match=match):
        cluster(blobs, "kmeans", **params)


def test_bad_hdbscan_and_agglomerative_parameters(blobs):
    with pytest.raises(ParameterError, match=r"'min_cluster_size' parameter of HDBSCAN must be an integer in "
                                             r"\[2, 150\] \(at most half of the 300 points"):
        cluster(blobs, "hdbscan", min_cluster_size=500)
    with pytest.raises(ParameterError, match="'min_samples' parameter of HDBSCAN"):
        cluster(blobs, "hdbscan", min_samples=0)
    with pytest.raises(ParameterError, match="'k' parameter of AgglomerativeClustering must be an integer in"):
        cluster(blobs, "agglomerative", k=300)
    with pytest.raises(ParameterError, match=r"'distance_threshold' parameter of AgglomerativeClustering must be a float in \(0, 2\]"):
        cluster(blobs, "agglomerative", distance_threshold=-1)
    with pytest.raises(ParameterError, match="'k' parameter of AgglomerativeClustering must be left out"):
        cluster(blobs, "agglomerative", k=3, distance_threshold=0.5)


def test_all_noise_is_reported_with_the_parameter_to_change():
    x = np.random.default_rng(0).uniform(size=(40, 8))
    emb = Embeddings([f"u{i}" for i in range(40)], x)
    expected = ("'min_cluster_size' parameter of HDBSCAN must be small enough that some of the 40 points "
                "form a cluster (every point came out as noise). Got 20")
    with pytest.raises(ParameterError, match=re.escape(expected)):
        cluster(emb, "hdbscan", min_cluster_size=20)


def test_bad_method_space_and_coords(blobs):
    with pytest.raises(ParameterError, match="'method' parameter of cluster must be one of 'kmeans', 'hdbscan'"):
        cluster(blobs, "dbscan")
    with pytest.raises(ParameterError, match="'space' parameter of cluster must be one of 'original', 'projected'"):
        cluster(blobs, space="2d")
    with pytest.raises(ParameterError, match="'coords' parameter of cluster must be given"):
        cluster(blobs, space="projected")
    with pytest.raises(ParameterError, match=r"'coords' parameter of cluster must be an array of 300 × 2"):
        cluster(blobs, space="projected", coords=np.zeros((10, 2)))
    with pytest.raises(ParameterError, match="'coords' parameter of cluster must be finite numbers"):
        cluster(blobs, space="projected", coords=np.full((300, 2), np.nan))
    with pytest.raises(ParameterError, match="'emb' parameter of cluster must be a set of at least 3 points"):
        cluster(Embeddings(["a", "b"], [[1.0, 0], [0, 1.0]]))


# -- progress --------------------------------------------------------------------------------------
def test_progress_is_reported_and_stop_keeps_the_best_k_so_far():
    emb, _ = planted()
    rec = Recorder()
    c = cluster(emb, "kmeans", k=5, progress=rec)
    assert rec.calls and rec.calls[-1][0] == rec.calls[-1][1] and not c.stopped
    stop = Recorder(stop_after=2)
    c = cluster(emb, "kmeans", k="auto", k_range=(2, 12), progress=stop)
    assert c.stopped and len(c.params["k_scores"]) == 2
    assert c.params["k"] in c.params["k_scores"]


# -- figures ---------------------------------------------------------------------------------------
def test_cluster_map_one_trace_per_cluster_with_hulls_and_centre_names(blobs):
    from embviz.figures.clusters import NOISE_COLOR, cluster_map

    c = cluster(blobs, "kmeans", k=3)
    coords = blobs.vectors[:, :2]
    labels = c.labels.copy()
    labels[:5] = -1  # some noise
    fig = cluster_map(coords, blobs.keys, labels, c.names, selected=1)
    points = [t for t in fig.data if t.mode == "markers"]
    assert [t.type for t in points] == ["scattergl"] * 4
    assert points[0].name == "noise (5)" and points[0].marker.color == NOISE_COLOR
    assert points[0].legendrank > 1000 and points[1].legendrank is None  # noise listed last (default 1000)
    drawn = np.concatenate([t.customdata for t in points])
    assert sorted(drawn.tolist()) == list(range(300))
    for t in points[1:]:
        lab = int(t.legendgroup[1:])
        assert t.name == f"{c.names[lab]} ({int((labels == lab).sum())})"
        np.testing.assert_array_equal(t.x, coords[t.customdata, 0])
    assert points[2].marker.size > points[1].marker.size  # cluster 1 is selected
    hulls = [t for t in fig.data if t.fill == "toself"]
    assert [h.legendgroup for h in hulls] == ["c0", "c1", "c2"]  # hidden with their cluster
    for h in hulls:  # hulls are closed and lie within the cluster's points
        assert (h.x[0], h.y[0]) == (h.x[-1], h.y[-1])
        pts = coords[labels == int(h.legendgroup[1:])]
        assert pts[:, 0].min() <= min(h.x) and max(h.x) <= pts[:, 0].max()
    text = next(t for t in fig.data if t.name == "cluster names")
    assert len(text.text) == 3
    assert fig.layout.legend.itemclick == "toggleothers"


def test_cluster_map_in_3d_and_its_errors(blobs):
    from embviz.figures.clusters import cluster_map

    c = cluster(blobs, "kmeans", k=3)
    fig = cluster_map(blobs.vectors[:, :3], blobs.keys, c.labels, c.names)
    assert {t.type for t in fig.data} == {"scatter3d"}
    assert not any(getattr(t, "fill", None) for t in fig.data)
    with pytest.raises(ParameterError, match="'coords' parameter of cluster_map must be an N × 2 or N × 3"):
        cluster_map(blobs.vectors, blobs.keys, c.labels, c.names)
    with pytest.raises(ParameterError, match="'names' parameter of cluster_map must be a name for every"):
        cluster_map(blobs.vectors[:, :2], blobs.keys, c.labels, {0: "a"})


def test_cluster_strength_bars():
    from embviz.figures.clusters import cluster_strength

    fig = cluster_strength({0: "a · b · c · d", 1: "e"}, {0: 0.4, 1: -0.2}, {0: 0.9, 1: 0.3}, chance=0.2)
    sil, agr = fig.data
    assert list(sil.x) == [0.4, -0.2] and list(agr.x) == [0.9, 0.3]
    assert list(sil.y) == ["a · b · c", "e"]
    assert fig.layout.xaxis.range[0] == -0.2


def test_cluster_map_with_regions_shades_only_compact_clusters_and_places_names():
    from embviz.figures.clusters import cluster_map
    from embviz.layout import plan_map
    from embviz.regions import describe

    rng = np.random.default_rng(2)
    centres = np.array([[0, 0], [12, 0], [0, 12]])
    truth = np.repeat(np.arange(3), 120)
    coords = centres[truth] + rng.normal(size=(360, 2)) * np.where(truth[:, None] == 2, 0.15, 2.0)
    emb = Embeddings([f"k{i:03d}" for i in range(360)], np.eye(3)[truth] + rng.normal(scale=0.1, size=(360, 3)))
    regions = describe(emb, coords, truth)
    names = dict(enumerate(regions.names))
    plan = plan_map(coords, emb.keys, regions=regions, n_words=0, legend_texts=[f"{v} (120)" for v in names.values()])
    fig = cluster_map(coords, emb.keys, regions.labels, names, regions=regions, plan=plan)
    hulls = [t for t in fig.data if t.name.endswith("(area)")]
    assert len(hulls) == int(regions.compact.sum()) == 1
    assert not [t for t in fig.data if t.name == "cluster names"]
    assert sorted(a.name for a in fig.layout.annotations) == ["label:region"] * 3


# -- the registry ---------------------------------------------------------------------------------
def test_a_registered_clusterer_is_dispatched_checked_and_listed():
    from embviz.cluster_methods import Clusterer, register_clusterer
    from embviz.clustering import CLUSTERERS, METHODS
    from embviz.params import ParamSpec

    calls = []

    @register_clusterer
    class Bands(Clusterer):
        name, label = "bands", "Bands"
        PARAMS = [ParamSpec("bands", "int", 3, low=2, high=50, help="Equal slices along the first axis.")]

        @classmethod
        def fit(cls, x, metric, seed, progress, params):
            calls.append((metric, dict(params)))
            n = params.get("bands", 3)
            labels = np.argsort(np.argsort(x[:, 0], kind="stable"), kind="stable") * n // len(x)
            return labels, {"bands": n}, {}, False

    try:
        assert "bands" in METHODS and list(CLUSTERERS)[-1] == "bands"  # METHODS is a live view
        emb, _ = planted()
        c = cluster(emb, "bands", bands=4)
        assert calls == [("cosine", {"bands": 4})]
        assert c.method == "bands" and c.n_clusters == 4 and sorted(c.sizes.values()) == [150] * 4
        assert c.params["bands"] == 4 and -1 <= c.silhouette <= 1
        with pytest.raises(ParameterError, match=r"'bands' parameter of Bands must be an int in \[2, 50\]"):
            cluster(emb, "bands", bands=1)  # the spec's bounds, checked before the fit runs
        assert len(calls) == 1
        with pytest.raises(ParameterError, match="one of the known parameters bands"):
            cluster(emb, "bands", k=3)
    finally:
        CLUSTERERS.pop("bands", None)
    assert "bands" not in METHODS
    with pytest.raises(ParameterError, match="'kmeans', 'hdbscan', 'agglomerative'. Got 'bands'"):
        cluster(emb, "bands")


def test_register_clusterer_refuses_what_cannot_work():
    from embviz.cluster_methods import CLUSTERERS, Clusterer, register_clusterer

    class NoFit(Clusterer):
        name, label = "nofit", "No fit"

    class BadSpec(Clusterer):
        name, label, PARAMS = "badspec", "Bad", [("k", 3)]

        @classmethod
        def fit(cls, x, metric, seed, progress, params):  # pragma: no cover - never registered
            return np.zeros(len(x), int), {}, {}, False

    class Islands(BadSpec):
        name, PARAMS = "islands", []

    for cls, match in ((NoFit, "must define fit"), (BadSpec, "ParamSpec objects"), (Islands, "islands"),
                       (object, "subclass Clusterer")):
        with pytest.raises(TypeError, match=match):
            register_clusterer(cls)
    assert list(CLUSTERERS) == ["kmeans", "hdbscan", "agglomerative"]


def test_starting_values_follow_the_specs_and_fit_the_data():
    from embviz.cluster_methods import CLUSTERERS

    assert CLUSTERERS["kmeans"].starting(20_000) == {"k": 50, "k_min": 2, "k_max": 30, "n_init": 1, "max_iter": 100}
    assert CLUSTERERS["kmeans"].starting(12)["k"] == 11 and CLUSTERERS["agglomerative"].starting(8)["k"] == 7
    assert CLUSTERERS["hdbscan"].starting(12)["min_cluster_size"] == "auto"  # "auto" is a value
