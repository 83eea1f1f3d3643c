"""The projection engine: fit then transform, placing new points, the whole registry, ParamSpec."""
from __future__ import annotations

import numpy as np
import pytest

import embviz
from embviz import Embeddings, ParameterError
from embviz.cli import main as cli_main
from embviz.params import ParamSpec
from embviz.progress import Recorder
from embviz.reduce import REDUCERS, Reducer, place, project, register
from embviz.reduce.base import Fit


@pytest.fixture(scope="module")
def clusters():
    """600 points in 4 separated clusters in 32-D, and 80 held-out points from the same clusters."""
    rng = np.random.default_rng(11)
    centres = rng.normal(scale=4.0, size=(4, 32))
    labels = rng.integers(0, 4, 680)
    x = (centres[labels] + rng.normal(size=(680, 32))).astype(np.float32)
    emb = Embeddings([f"p{i}" for i in range(600)], x[:600])
    return emb, labels[:600], x[600:], labels[600:]


def _map_label_agreement(proj, labels, new_xy, new_labels, k=5):
    """Share of held-out points whose k nearest fitted points on the map are mostly of their cluster."""
    from embviz.neighbors import top_k

    idx, _ = top_k(new_xy, proj.coords, k, metric="euclidean")
    votes = (labels[idx] == new_labels[:, None]).mean(axis=1)
    return float((votes > 0.5).mean())


# -- fit, then transform ---------------------------------------------------------------------------
def test_pca_transform_equals_scikit_learn_on_held_out_points(clusters):
    from sklearn.decomposition import PCA

    emb, _, new, _ = clusters
    proj = project(emb, "pca", cache=False)
    ref = PCA(2).fit(emb.unit_vectors)
    expected = ref.transform(new / np.linalg.norm(new, axis=1, keepdims=True))
    got = proj.transform(new)
    signs = np.sign((got * expected).sum(axis=0))
    np.testing.assert_allclose(got, expected * signs, atol=1e-4)
    assert proj.transform_kind == "native" and proj.requested == proj.params


@pytest.mark.parametrize("method, params", [
    ("tsne", {"perplexity": 20, "n_iter": 100, "exaggeration_iter": 100}),
    ("umap", {"n_epochs": 100}),
    ("pacmap", {"n_iter": 100}),
])
def test_native_transforms_put_held_out_points_in_their_clusters(clusters, method, params):
    emb, labels, new, new_labels = clusters
    proj = project(emb, method, seed=1, cache=False, **params)
    xy = proj.transform(new)
    assert proj.transform_kind == "native" and xy.shape == (80, 2) and np.isfinite(xy).all()
    assert _map_label_agreement(proj, labels, xy, new_labels) >= 0.95
    np.testing.assert_array_equal(xy, proj.transform(new))  # a fitted model maps deterministically


def test_cached_projection_places_new_points_by_neighbour_interpolation(clusters, tmp_path):
    from embviz.cache import DiskCache

    emb, labels, new, new_labels = clusters
    store = DiskCache(tmp_path)
    fresh = project(emb, "umap", seed=1, n_epochs=100, cache=store)
    cached = project(emb, "umap", seed=1, n_epochs=100, cache=store)
    assert cached.from_cache and cached.model is None and cached.transform_kind == "neighbours"
    xy = cached.transform(new)
    assert _map_label_agreement(cached, labels, xy, new_labels) >= 0.95
    # close to the native transform: within a small fraction of the map's extent
    extent = np.ptp(fresh.coords, axis=0).max()
    assert np.median(np.linalg.norm(xy - fresh.transform(new), axis=1)) < 0.1 * extent


@pytest.mark.parametrize("method", ["densmap", "trimap"])
def test_methods_without_a_transform_interpolate(clusters, method):
    if method == "trimap":
        pytest.importorskip("trimap")
    emb, labels, new, new_labels = clusters
    params = {"n_epochs": 100} if method == "densmap" else {"n_iter": 150}
    proj = project(emb, method, seed=2, cache=False, **params)
    assert REDUCERS[method].native_transform is False and proj.transform_kind == "neighbours"
    assert _map_label_agreement(proj, labels, proj.transform(new), new_labels) >= 0.95


@pytest.mark.parametrize("method, params", [
    ("densmap", {"n_epochs": 60}), ("pacmap", {"n_iter": 60}), ("trimap", {"n_iter": 60}),
])
def test_new_methods_are_deterministic_faithful_and_stop(clusters, method, params):
    from embviz.faithfulness import trustworthiness

    if method == "trimap":
        pytest.importorskip("trimap")
    emb = clusters[0]
    a = project(emb, method, seed=4, cache=False, **params)
    b = project(emb, method, seed=4, cache=False, **params)
    np.testing.assert_array_equal(a.coords, b.coords)
    assert trustworthiness(emb.vectors, a.coords, 10) > 0.85
    rec = Recorder(stop_after=2)
    stopped = project(emb, method, seed=4, cache=False, progress=rec, **params)
    assert stopped.stopped and stopped.coords.shape == (600, 2) and len(rec.calls) == 2


def test_tsne_progress_can_deliver_intermediate_layouts(clusters):
    class Frames(Recorder):
        wants_layout = True

        def __init__(self):
            super().__init__()
            self.layouts = []

        def __call__(self, done, total, message="", layout=None):
            self.layouts.append(layout)
            return super().__call__(done, total, message)

    frames = Frames()
    proj = project(clusters[0], "tsne", cache=False, progress=frames, perplexity=20, n_iter=100,
                   exaggeration_iter=100)
    assert len(frames.layouts) == 5 and all(f.shape == (600, 2) and f.dtype == np.float32 for f in frames.layouts)
    np.testing.assert_allclose(frames.layouts[-1], proj.coords, atol=1e-5)
    assert not np.allclose(frames.layouts[0], frames.layouts[-1])
    plain = Recorder()
    project(clusters[0], "tsne", cache=False, progress=plain, perplexity=20, n_iter=100, exaggeration_iter=100)
    assert len(plain.calls) == 5  # callbacks without the attribute are called as before


def test_an_aligned_projection_transforms_onto_its_aligned_map(clusters):
    emb, _, new, _ = clusters
    ref = project(emb, "pca", cache=False)
    turned = project(emb, "pca", whiten=True, cache=False)
    aligned = embviz.align(ref, turned)
    assert not np.allclose(aligned.coords, turned.coords)
    np.testing.assert_allclose(aligned.transform(emb.vectors[:20]), aligned.coords[:20], atol=1e-4)


# -- placing new points ------------------------------------------------------------------------------
def test_place_reports_neighbours_and_confidence(clusters):
    emb, _, new, _ = clusters
    proj = project(emb, "pca", cache=False)
    far = np.full((1, 32), 40.0, np.float32) * np.sign(np.random.default_rng(0).normal(size=32))
    batch = Embeddings(["copy", "held", "far"], np.vstack([emb.vectors[7], new[0], far]))
    pl = place(proj, emb, batch, k=5)
    unit = emb.unit_vectors
    sims = unit @ (new[0] / np.linalg.norm(new[0]))
    assert [k for k, _ in pl.neighbours[1]] == [emb.keys[i] for i in np.argsort(-sims)[:5]]
    assert pl.neighbours[0][0] == ("p7", pytest.approx(1.0, abs=1e-5))
    assert pl.confidence[0] == "high" and pl.confidence[2] == "low" and pl.percentile[2] == 1.0
    np.testing.assert_allclose(pl.coords[0], proj.coords[7], atol=1e-5)
    frame = pl.to_frame()
    assert frame.columns.tolist()[:3] == ["key", "x", "y"] and frame["confidence"].tolist()[2] == "low"
    with pytest.raises(ParameterError, match=r"'new_emb' parameter of place must be vectors of dimension 32 .*"
                                             r"Got 'vectors of dimension 5' instead"):
        place(proj, emb, np.zeros((2, 5)))
    with pytest.raises(ParameterError, match=r"'vectors' parameter of transform must be rows of dimension 32"):
        proj.transform(np.zeros((2, 5)))


def test_cli_places_new_points_onto_a_written_map(clusters, tmp_path, capsys):
    emb, _, new, _ = clusters
    embviz.save(emb, tmp_path / "base.npz")
    embviz.save(Embeddings(["n0", "n1"], new[:2]), tmp_path / "new.npz")
    assert cli_main(["project", str(tmp_path / "base.npz"), "-o", str(tmp_path / "map.parquet"), "-q"]) == 0
    code = cli_main(["project", str(tmp_path / "new.npz"), "--onto", str(tmp_path / "map.parquet"),
                     "--base", str(tmp_path / "base.npz"), "-o", str(tmp_path / "placed.csv"), "-k", "3"])
    err = capsys.readouterr().err
    assert code == 0
    assert ("placed 2 points on map.parquet (600 points) by neighbour interpolation (median of the 5 nearest; "
            "3 neighbours listed)") in " ".join(err.split())
    import pandas as pd

    placed = pd.read_csv(tmp_path / "placed.csv")
    ref = place(project(emb, "pca", cache=False), emb, Embeddings(["n0", "n1"], new[:2]), k=3)
    assert placed["key"].tolist() == ["n0", "n1"] and placed["nearest"].tolist() == ref.to_frame()["nearest"].tolist()
    assert cli_main(["project", str(tmp_path / "new.npz"), "--onto", str(tmp_path / "map.parquet"),
                     "-o", str(tmp_path / "p2.csv")]) == 1
    assert "'--base' parameter of embviz project" in capsys.readouterr().err


# -- the registry --------------------------------------------------------------------------------------
def test_every_numeric_parameter_has_an_upper_bound_and_auto_is_a_value():
    from embviz.clustering import CLUSTERERS

    for registry in (REDUCERS, CLUSTERERS):
        for cls in registry.values():
            for spec in cls.PARAMS:
                if spec.numeric:
                    assert spec.high is not None and spec.low is not None, (cls.name, spec.name)
                    assert spec.default in ("auto", None) or spec.low <= spec.default <= spec.high, (cls.name, spec.name)
                    assert spec.default != 0 or not spec.auto
                if spec.default is not None:
                    assert spec.check(cls.label, spec.default) == spec.default
    assert REDUCERS["tsne"].spec("n_iter").high == 10_000 and REDUCERS["umap"].spec("n_epochs").high == 5_000
    assert REDUCERS["tsne"].spec("perplexity").high == 500 and REDUCERS["umap"].spec("n_neighbors").high == 500
    assert REDUCERS["pca"].point_limit == REDUCERS["axes"].point_limit == 50_000
    assert REDUCERS["tsne"].point_limit == REDUCERS["umap"].point_limit == 10_000


def test_param_spec_parses_text_once_for_every_interface():
    spec = ParamSpec("learning_rate", "float", "auto", low=0, high=1e6, exclusive_low=True, auto="N / 10")
    assert spec.parse(" auto ") == "auto" and spec.parse("12.5") == 12.5 and spec.parse("1e3") == 1000.0
    with pytest.raises(ParameterError, match=r"'learning_rate' parameter of t-SNE must be 'auto' or a float in "
                                             r"\(0, 1000000\]\. Got 'fast' instead"):
        spec.parse("fast", "t-SNE")
    for bad in ("nan", "inf", "1e400", "0"):
        with pytest.raises(ParameterError):
            spec.parse(bad)
    n_iter = ParamSpec("n_iter", "int", 250, low=50, high=10_000)
    assert n_iter.parse("300") == 300 and n_iter.parse("3e2") == 300
    with pytest.raises(ParameterError, match=r"must be an int in \[50, 10000\]\. Got 999999999999"):
        n_iter.parse("999999999999")
    with pytest.raises(ParameterError, match=r"Got 2\.5 instead"):
        n_iter.parse("2.5")
    assert ParamSpec("deterministic", "bool", True).parse("off") is False
    with pytest.raises(TypeError, match="needs both bounds"):
        ParamSpec("k", "int", 3, low=1)


def test_adapt_lowers_what_a_small_sample_cannot_take():
    assert REDUCERS["tsne"].adapt({}, 20) == {"perplexity": 5.0}
    assert REDUCERS["tsne"].adapt({"perplexity": 3}, 20) == {"perplexity": 3}
    assert REDUCERS["umap"].adapt({}, 8) == {"n_neighbors": 7}
    assert REDUCERS["tsne"].adapt({}, 5000) == {}
    small = Embeddings([f"w{i}" for i in range(20)], np.random.default_rng(0).normal(size=(20, 6)))
    for name, cls in REDUCERS.items():
        if name != "axes" and cls.available():
            assert project(small, name, cache=False, **cls.adapt({}, 20)).coords.shape == (20, 2)


def test_a_registered_reducer_appears_in_the_api_and_the_cli_help(capsys, tmp_path):
    @register
    class Diagonal(Reducer):
        name = "diagonal"
        label = "Diagonal"
        description = "Each point at (sum of its first half, sum of its second half)."
        PARAMS = [ParamSpec("scale", "float", 1.0, low=0, high=100, help="multiplier")]

        def fit(self, x, dims, seed, params, progress):
            half = x.shape[1] // 2
            xy = np.stack([x[:, :half].sum(1), x[:, half:].sum(1)], 1)[:, :dims] * params["scale"]
            return Fit(xy)

    try:
        assert "diagonal" in embviz.REDUCERS
        with pytest.raises(SystemExit):
            cli_main(["project", "--help"])
        out = capsys.readouterr().out
        assert "diagonal" in out and "scale: a float in [0, 100]; default 1.0" in out
        emb = Embeddings([f"w{i}" for i in range(10)], np.random.default_rng(0).normal(size=(10, 4)))
        embviz.save(emb, tmp_path / "v.npz")
        assert cli_main(["project", str(tmp_path / "v.npz"), "--method", "diagonal", "--param", "scale=2",
                         "--metric", "euclidean", "-o", str(tmp_path / "d.csv"), "-q"]) == 0
        import pandas as pd

        got = pd.read_csv(tmp_path / "d.csv")[["x", "y"]].to_numpy()
        np.testing.assert_allclose(got, 2 * np.stack([emb.vectors[:, :2].sum(1), emb.vectors[:, 2:].sum(1)], 1),
                                   rtol=1e-5)
        proj = project(emb, "diagonal", metric="euclidean", cache=False)
        assert proj.transform_kind == "neighbours" and proj.transform(emb.vectors[:2]).shape == (2, 2)
    finally:
        REDUCERS.pop("diagonal", None)


def test_every_help_option_shows_its_default_once(capsys):
    for command in ("project", "train", "evaluate", "convert", "info", "serve"):
        with pytest.raises(SystemExit):
            cli_main([command, "--help"])
        out = capsys.readouterr().out
        options = out.split("options:")[1].split("methods and their")[0]
        assert "(default: None)" not in options and "(default: False)" not in options
        for line in options.split("\n  -"):
            assert line.count("default") <= 1, line
    with pytest.raises(SystemExit):
        cli_main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for text in ("vector dimensions (default: 100)", "passes over the corpus (default: 5)", "random seed (default: 0)"):
        assert text in out
    with pytest.raises(SystemExit):
        cli_main(["project", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "projection method (see below) (default: pca)" in out and "2-D or 3-D (default: 2)" in out
