"""Reducers: registry, parameter checks, shapes, determinism, progress/stop, axes and alignment."""
from __future__ import annotations

import numpy as np
import pytest

import embviz
from embviz import Embeddings, ParameterError
from embviz.progress import Recorder
from embviz.faithfulness import trustworthiness
from embviz.reduce import REDUCERS, ParamSpec, Projection, align, get_reducer, interpolate, project


@pytest.fixture(scope="module")
def small() -> Embeddings:
    """200 points in 4 clusters in 128-D (above the PCA pre-reduction size)."""
    rng = np.random.default_rng(7)
    centers = rng.normal(scale=3.0, size=(4, 128))
    labels = np.repeat(np.arange(4), 50)
    return Embeddings([f"p{i}" for i in range(200)], centers[labels] + rng.normal(size=(200, 128)))


@pytest.fixture(scope="module")
def umap_2d(small):
    """One UMAP run shared by the tests (numba compiles on the first call)."""
    return project(small, "umap", seed=3, cache=False)


# -- registry and parameters ---------------------------------------------------------------------
def test_registry_lists_every_method_and_specs_are_complete():
    assert {"pca", "tsne", "umap", "axes"} <= set(REDUCERS)
    assert embviz.REDUCERS is REDUCERS and embviz.project is project
    for name, cls in REDUCERS.items():
        assert cls.name == name and cls.label and cls.description
        for spec in cls.PARAMS:
            assert isinstance(spec, ParamSpec) and spec.kind in ("int", "float", "choice", "bool", "str")
            assert spec.check(cls.label, spec.default) == spec.default


def test_unknown_method_lists_the_valid_ones(blobs):
    with pytest.raises(ParameterError, match=r"'method' parameter of project must be one of 'pca', 'tsne'.*Got 'tnse'"):
        project(blobs, "tnse")
    assert get_reducer(REDUCERS["pca"]).name == "pca"


@pytest.mark.parametrize(
    ("method", "params", "match"),
    [
        ("tsne", {"perplexity": 150}, r"'perplexity' parameter of t-SNE must be below \(n_samples - 1\) / 3 = 99\.67 for 300 points\. Got 150"),
        ("tsne", {"perplexity": 0}, r"'perplexity' parameter of t-SNE must be in \(0, 500\] and below \(n_samples - 1\) / 3\. Got 0"),
        ("tsne", {"n_iter": 999_999_999_999}, r"'n_iter' parameter of t-SNE must be an int in \[50, 10000\]\. Got 999999999999"),
        ("tsne", {"learning_rate": 0}, r"'learning_rate' parameter of t-SNE must be 'auto' or a float in \(0, 1000000\]\. Got 0"),
        ("umap", {"n_epochs": 5001}, r"'n_epochs' parameter of UMAP must be 'auto' or an int in \[1, 5000\]\. Got 5001"),
        ("tsne", {"n_iter": 10}, r"'n_iter' parameter of t-SNE must be an int in \[50, 10000\]\. Got 10"),
        ("tsne", {"gradient": "exact"}, r"'gradient' parameter of t-SNE must be one of 'auto', 'bh', 'fft'\. Got 'exact'"),
        ("umap", {"n_neighbors": 1}, r"'n_neighbors' parameter of UMAP must be an int in \[2, 500\] and below n_samples\. Got 1"),
        ("umap", {"n_neighbors": 300}, r"'n_neighbors' parameter of UMAP must be an int in \[2, 500\] and below n_samples \(300\)\. Got 300"),
        ("umap", {"min_dist": 2.0}, r"'min_dist' parameter of UMAP must be in \[0, spread\] = \[0, 1\.0\]\. Got 2\.0"),
        ("umap", {"n_neighbors": 7.5}, r"'n_neighbors' parameter of UMAP .* Got 7\.5"),
        ("pca", {"whiten": "yes"}, r"'whiten' parameter of PCA must be a bool\. Got 'yes'"),
        ("pca", {"colour": 1}, r"'colour' parameter of PCA must be one of 'whiten'\. Got 1"),
        ("axes", {"x": "g0"}, r"'y' parameter of Formula axes must be a non-empty expression"),
    ],
)
def test_parameters_are_checked_before_any_work(blobs, method, params, match):
    with pytest.raises(ParameterError, match=match):
        project(blobs, method, cache=False, **params)


def test_common_arguments_are_checked(blobs):
    with pytest.raises(ParameterError, match=r"'dims' parameter of project must be 2 or 3\. Got 4"):
        project(blobs, "pca", 4)
    with pytest.raises(ParameterError, match=r"'metric' parameter of project must be one of 'cosine', 'euclidean'"):
        project(blobs, "pca", metric="manhattan")
    with pytest.raises(ParameterError, match=r"'seed' parameter of project must be an integer"):
        project(blobs, "pca", seed=-1)
    with pytest.raises(ParameterError, match=r"'emb' parameter of project must be a set of at least 3 points"):
        project(blobs.take(np.arange(2)), "pca")


# -- PCA -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_pca_matches_scikit_learn(blobs, dims, metric):
    from sklearn.decomposition import PCA

    p = project(blobs, "pca", dims, metric=metric, cache=False)
    x = blobs.unit_vectors if metric == "cosine" else blobs.vectors
    ref = PCA(dims, svd_solver="full").fit(x)
    expected = ref.transform(x)
    assert p.coords.shape == (300, dims) and p.coords.dtype == np.float32
    signs = np.sign((p.coords * expected).sum(axis=0))
    np.testing.assert_allclose(p.coords, expected * signs, atol=1e-3)
    np.testing.assert_allclose(p.explained_variance, ref.explained_variance_ratio_, rtol=1e-4)
    assert p.params == {"metric": metric, "whiten": False, "seed": 0} and p.seconds >= 0


# -- t-SNE ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [2, 3])
def test_tsne_shapes_quality_and_determinism(small, dims):
    fast = {"perplexity": 15, "n_iter": 150, "exaggeration_iter": 100}
    a = project(small, "tsne", dims, seed=1, cache=False, **fast)
    b = project(small, "tsne", dims, seed=1, cache=False, **fast)
    assert a.coords.shape == (200, dims) and np.isfinite(a.coords).all()
    np.testing.assert_array_equal(a.coords, b.coords)
    assert a.params["pca_components"] == 100 and a.params["perplexity"] == 15.0 and a.params["tol"] == 0.0 and a.params["learning_rate"] == 200.0 and a.params["gradient"] == "bh" and not a.stopped
    assert trustworthiness(small.vectors, a.coords, 10) > 0.9


def test_tsne_reports_progress_and_stops_with_the_partial_layout(small):
    rec = Recorder(stop_after=3)
    fast = {"perplexity": 10, "n_iter": 100, "exaggeration_iter": 50}
    p = project(small, "tsne", progress=rec, cache=None, **fast)
    assert p.stopped and len(rec.calls) == 3 and p.coords.shape == (200, 2)
    assert all(total == p.params["exaggeration_iter"] + p.params["n_iter"] for _, total, _ in rec.calls)
    assert [d for d, _, _ in rec.calls] == sorted(d for d, _, _ in rec.calls)
    again = project(small, "tsne", **fast)  # a stopped run is not cached
    assert not again.from_cache and not again.stopped
    assert project(small, "tsne", **fast).from_cache


# -- UMAP ----------------------------------------------------------------------------------------
def test_umap_shape_determinism_and_quality(small, umap_2d):
    assert umap_2d.coords.shape == (200, 2) and np.isfinite(umap_2d.coords).all()
    again = project(small, "umap", seed=3, cache=False)
    np.testing.assert_array_equal(umap_2d.coords, again.coords)
    assert trustworthiness(small.vectors, umap_2d.coords, 10) > 0.9
    assert umap_2d.params["n_neighbors"] == 15 and umap_2d.params["seed"] == 3


def test_umap_3d_progress_and_stop(small, umap_2d):
    rec = Recorder()
    p = project(small, "umap", 3, seed=3, n_epochs=60, progress=rec, cache=False)
    assert p.coords.shape == (200, 3) and np.isfinite(p.coords).all() and not p.stopped
    assert rec.calls[-1][0] == rec.calls[-1][1] == 60
    stop = project(small, "umap", seed=3, n_epochs=60, progress=Recorder(stop_after=5), cache=False)
    assert stop.stopped and stop.coords.shape == (200, 2)


# -- formula axes --------------------------------------------------------------------------------
def test_axes_are_cosines_with_the_expression_directions():
    rng = np.random.default_rng(0)
    keys = ["king", "queen", "man", "woman", "big", "small"] + [f"x{i}" for i in range(20)]
    emb = Embeddings(keys, rng.normal(size=(len(keys), 8)))
    p = project(emb, "axes", x="woman - man", y="big - small", cache=False)
    u = emb.unit_vectors.astype(np.float64)
    for col, (a, b) in enumerate([("woman", "man"), ("big", "small")]):
        d = u[emb.index(a)] - u[emb.index(b)]
        np.testing.assert_allclose(p.coords[:, col], u @ (d / np.linalg.norm(d)), atol=1e-5)
    assert p.params["x"] == "woman - man" and "metric" not in p.params
    with pytest.raises(ParameterError, match=r"'z' parameter of Formula axes must be an expression \(needed for 3-D\)"):
        project(emb, "axes", 3, x="king", y="queen", cache=False)
    with pytest.raises(KeyError, match="Key 'womann' not present; did you mean 'woman'"):
        project(emb, "axes", x="womann - man", y="big", cache=False)


# -- alignment -----------------------------------------------------------------------------------
def test_align_recovers_rotation_reflection_scale_and_shift(rng):
    ref = rng.normal(size=(100, 2))
    theta = 0.7
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    other = 2.5 * (ref * [1, -1]) @ rot + [3, -1]
    np.testing.assert_allclose(align(ref, other), ref, atol=1e-5)
    unscaled = align(ref, other, scale=False)
    assert np.ptp(unscaled[:, 0]) > 2 * np.ptp(ref[:, 0])
    with pytest.raises(ParameterError, match=r"'other' parameter of align must be an array of shape \(100, 2\)"):
        align(ref, other[:50])


def test_align_projections_by_shared_keys(rng):
    coords = rng.normal(size=(30, 2)).astype(np.float32)
    keys = [f"k{i}" for i in range(30)]
    ref = Projection(coords, keys, "pca", 2, {}, 0.0)
    moved = Projection(np.ascontiguousarray((-coords @ [[0, 1], [1, 0]])[::-1]).astype(np.float32), keys[::-1], "tsne", 2, {}, 0.0)
    out = align(ref, moved)
    assert out.keys == moved.keys and out.method == "tsne"
    np.testing.assert_allclose(out.coords[::-1], coords, atol=1e-5)
    frames = interpolate(ref.coords, coords + 1, 5)
    assert len(frames) == 5 and np.allclose(frames[0], ref.coords) and np.allclose(frames[-1], coords + 1)


def test_repeated_request_comes_from_the_cache(blobs):
    first = project(blobs, "pca")
    second = project(blobs, "pca")
    assert not first.from_cache and second.from_cache
    np.testing.assert_array_equal(first.coords, second.coords)
    np.testing.assert_allclose(first.explained_variance, second.explained_variance)
    assert second.params == first.params
    assert not project(blobs, "pca", metric="euclidean").from_cache


def test_map_methods_keep_a_page_order_and_list_every_registered_map():
    import numpy as np

    from embviz.reduce.base import REDUCERS, Fit, Reducer, map_methods, register

    assert map_methods(("tsne", "umap", "pca"))[:3] == ["tsne", "umap", "pca"]
    assert "axes" not in map_methods() and map_methods()[0] == "pca"  # formula axes read columns

    @register
    class Halves(Reducer):
        name, label, requires = "halves", "Halves", ()

        def fit(self, x, dims, seed, params, progress):
            return Fit(np.ascontiguousarray(x[:, :dims]))

    @register
    class Missing(Halves):
        name, requires = "missing", ("no_such_module_for_embviz",)

    try:
        assert map_methods(("tsne",))[-1] == "halves" and "missing" not in map_methods()
        assert map_methods(("halves",))[0] == "halves"
    finally:
        REDUCERS.pop("halves", None), REDUCERS.pop("missing", None)
    assert "halves" not in map_methods()
