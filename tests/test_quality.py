"""Faithfulness metrics: scikit-learn is the oracle; isometric copies score 1.0."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sk_trustworthiness

from embviz import ParameterError
from embviz.faithfulness import continuity, per_point_quality, quality, spearman, trustworthiness
from embviz.reduce import Projection


@pytest.fixture
def noisy(rng):
    x = rng.normal(size=(400, 12))
    y = x[:, :2] + 0.5 * rng.normal(size=(400, 2))
    return x, y


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("k", [1, 5, 10, 50])
def test_trustworthiness_equals_scikit_learn(noisy, metric, k):
    x, y = noisy
    expected = sk_trustworthiness(x, y, n_neighbors=k, metric=metric)
    assert trustworthiness(x, y, k, metric) == pytest.approx(expected, abs=1e-6)
    assert expected < 0.95  # a lossy map: the comparison is not trivial


def test_continuity_is_trustworthiness_with_spaces_swapped(noisy):
    x, y = noisy
    assert continuity(x, y, 10, "euclidean") == pytest.approx(sk_trustworthiness(y, x, n_neighbors=10), abs=1e-6)


def test_isometric_copy_scores_one(rng):
    x = rng.normal(size=(150, 2))
    rot = np.array([[0.6, -0.8], [0.8, 0.6]])
    q = quality(x, 4 * x @ rot - 2, k=(5, 20), metric="euclidean")
    for key in ("trustworthiness@5", "continuity@5", "knn_recall@5", "trustworthiness@20", "knn_recall@20"):
        assert q[key] == pytest.approx(1.0)
    assert q["spearman"] == pytest.approx(1.0) and q["n"] == 150 and not q["sampled"]


def test_quality_of_a_projection_uses_its_keys(blobs):
    import embviz

    p = embviz.project(blobs, "pca", cache=False)
    q = quality(blobs, p, k=(10,))
    assert q["trustworthiness@10"] == pytest.approx(sk_trustworthiness(blobs.unit_vectors, p.coords, n_neighbors=10, metric="cosine"), abs=1e-6)
    sub = blobs.take(np.arange(100, 200))
    rev = Projection(p.coords[100:200][::-1].copy(), sub.keys[::-1], "pca", 2, {}, 0.0)
    expected = sk_trustworthiness(sub.unit_vectors[::-1], rev.coords, n_neighbors=5, metric="cosine")
    assert quality(blobs, rev, k=5)["trustworthiness@5"] == pytest.approx(expected, abs=1e-6)


def test_sampled_estimate_is_close_and_reported(rng):
    x = rng.normal(size=(1200, 8))
    y = x[:, :2] + 0.3 * rng.normal(size=(1200, 2))
    exact = quality(x, y, k=(10,), metric="euclidean")
    est = quality(x, y, k=(10,), metric="euclidean", sample=300)
    assert est["sampled"] and est["sample_size"] == 300 and not exact["sampled"]
    assert abs(est["trustworthiness@10"] - exact["trustworthiness@10"]) < 0.01
    assert abs(est["knn_recall@10"] - exact["knn_recall@10"]) < 0.03


def test_knn_recall_and_per_point_scores(rng):
    x = rng.normal(size=(200, 6))
    y = x[:, :2].copy()
    y[:20] = rng.normal(size=(20, 2)) * 5  # scramble 20 points: the map lies there
    scores = per_point_quality(x, y, k=10, metric="euclidean")
    assert scores.shape == (200,) and scores.min() >= 0 and scores.max() <= 1
    assert scores[:20].mean() < scores[20:].mean()
    q = quality(x, y, k=(10,), metric="euclidean")
    # knn_recall is the mean of the per-point scores
    assert q["knn_recall@10"] == pytest.approx(scores.mean())
    from scipy.spatial.distance import pdist
    from scipy.stats import spearmanr

    assert spearman(x, y, metric="euclidean") == pytest.approx(spearmanr(pdist(x), pdist(y)).statistic)


def test_bad_arguments_name_the_parameter(noisy):
    x, y = noisy
    with pytest.raises(ParameterError, match=r"'k' parameter of trustworthiness must be an integer in \[1, n_samples / 2\) = \[1, 200\)\. Got 200"):
        trustworthiness(x, y, 200)
    with pytest.raises(ParameterError, match=r"'projection' parameter of quality must be coordinates for the 400 points\. Got 10"):
        quality(x, y[:10])
    with pytest.raises(ParameterError, match=r"'metric' parameter of quality must be one of"):
        quality(x, y, metric="l1")
    with pytest.raises(ParameterError, match=r"'sample' parameter of quality must be an integer >= 10"):
        quality(x, y, sample=5)
    with pytest.raises(ParameterError, match=r"'k' parameter of quality must be at least one neighbourhood size"):
        quality(x, y, k=())


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
def test_trustworthiness_of_a_five_dimensional_map_equals_scikit_learn(metric, rng):
    """A map of more than 3 dimensions takes its neighbours from neighbors.top_columns (no k-d
    tree), on rows long enough (2,000 points, k = 10) for its lane path."""
    x = rng.normal(size=(2_000, 12))
    y = x[:, :5] + 0.7 * rng.normal(size=(2_000, 5))
    expected = sk_trustworthiness(x, y, n_neighbors=10, metric=metric)
    assert trustworthiness(x, y, 10, metric) == pytest.approx(expected, abs=1e-6)
    if metric == "euclidean":  # continuity is trustworthiness with the spaces swapped
        swapped = sk_trustworthiness(y, x, n_neighbors=10, metric="euclidean")
        assert continuity(x, y, 10, metric) == pytest.approx(swapped, abs=1e-6)
