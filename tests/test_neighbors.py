"""Exact blocked top-k against brute force and scikit-learn; the approximate path."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from embviz import ParameterError
from embviz.neighbors import knn, normalize_rows, top_k


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
@pytest.mark.parametrize("block", [7, 2048])
def test_knn_matches_scikit_learn(metric, block, rng):
    x = rng.normal(size=(120, 10)).astype(np.float32)
    ours = knn(x, 5, metric=metric)
    ref = NearestNeighbors(n_neighbors=6, metric=metric).fit(x).kneighbors(x, return_distance=False)
    ref = np.array([[j for j in row if j != i][:5] for i, row in enumerate(ref)])
    assert (ours == ref).mean() > 0.99  # ties in float32 may swap at most a few


def test_top_k_blocking_does_not_change_results(rng):
    q, base = rng.normal(size=(50, 8)), rng.normal(size=(300, 8))
    a_idx, a_s = top_k(q, base, 10, block=3)
    b_idx, b_s = top_k(q, base, 10, block=4096)
    np.testing.assert_array_equal(a_idx, b_idx)
    np.testing.assert_allclose(a_s, b_s, rtol=1e-6)
    assert (np.diff(a_s, axis=1) <= 1e-7).all()  # best first


def test_top_k_excludes_and_caps_k(rng):
    base = rng.normal(size=(6, 3))
    idx, _ = top_k(base[:1], base, 100, exclude=[np.array([0, 2])])
    assert idx.shape == (1, 6)
    assert set(idx[0][:4]) == {1, 3, 4, 5}


def test_zero_rows_never_produce_nan():
    x = np.array([[0, 0], [1, 0], [0, 1]], dtype=np.float32)
    assert not np.isnan(normalize_rows(x)).any()
    _, scores = top_k(x, x, 2)
    assert np.isfinite(scores).all()


def test_parameter_errors(rng):
    x = rng.normal(size=(5, 3))
    with pytest.raises(ParameterError, match=r"'k' parameter of knn must be in \[1, 4\]"):
        knn(x, 5)
    with pytest.raises(ParameterError, match="'metric' parameter"):
        knn(x, 2, metric="l1")


def test_approximate_knn_has_high_recall(rng):
    pytest.importorskip("pynndescent")
    x = rng.normal(size=(2000, 16)).astype(np.float32)
    exact = knn(x, 10)
    approx = knn(x, 10, approximate=True)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact, approx)])
    assert recall > 0.9
    assert not (approx == np.arange(len(x))[:, None]).any()  # self excluded


def test_top_k_on_unit_rows_skips_normalising_and_agrees():
    from embviz.neighbors import normalize_rows, top_k

    rng = np.random.default_rng(3)
    base, q = rng.normal(size=(300, 16)).astype(np.float32), rng.normal(size=(7, 16)).astype(np.float32)
    want = top_k(q, base, 5)
    got = top_k(q, normalize_rows(base), 5, base_is_unit=True)
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_allclose(got[1], want[1], rtol=1e-6)
    raw = top_k(q, base * 3.0, 5, base_is_unit=True)  # the caller's promise is taken: products unscaled
    direct = np.sort(normalize_rows(q) @ (base * 3.0).T, axis=1)[:, ::-1][:, :5]
    np.testing.assert_allclose(raw[1], direct, rtol=1e-5)


@pytest.mark.parametrize("n,k", [(20_000, 10), (5_003, 7), (3_000, 40), (300, 50), (64, 9), (12, 11), (5, 9)])
@pytest.mark.parametrize("largest", [True, False])
def test_top_columns_equals_a_full_stable_sort(n, k, largest, rng):
    """Both paths (lanes for long rows, one argpartition for short ones) against a full sort: the
    same columns best first; with ties (rounded values) the same values, equal ones by column."""
    from embviz.neighbors import top_columns

    values = rng.normal(size=(30, n)).astype(np.float32)
    want = np.argsort(-values if largest else values, axis=1, kind="stable")[:, :min(k, n)]
    np.testing.assert_array_equal(top_columns(values, k, largest=largest), want)
    values = np.round(values, 1)
    values[0, :] = 0.5  # a row of ties
    got = top_columns(values, k, largest=largest)
    want = np.argsort(-values if largest else values, axis=1, kind="stable")[:, :min(k, n)]
    np.testing.assert_array_equal(np.take_along_axis(values, got, 1), np.take_along_axis(values, want, 1))
    same = np.take_along_axis(values, got, 1)
    assert ((np.diff(same, axis=1) != 0) | (np.diff(got, axis=1) > 0)).all()  # ties by column


@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_top_k_on_long_rows_matches_scikit_learn(metric, rng):
    """Rows long enough for top_columns' lane path (n >= 64 k), self excluded as a 2-D array."""
    x = rng.normal(size=(3_000, 16)).astype(np.float32)
    idx, scores = top_k(x, x, 10, metric=metric, exclude=np.arange(3_000)[:, None], block=500)
    dist, ref = NearestNeighbors(n_neighbors=11, metric=metric).fit(x).kneighbors(x)
    ref = np.array([[j for j in row if j != i][:10] for i, row in enumerate(ref)])
    assert (idx == ref).mean() > 0.999
    assert not (idx == np.arange(3_000)[:, None]).any()
    want = 1.0 - dist[:, 1:] if metric == "cosine" else -dist[:, 1:]
    np.testing.assert_allclose(scores, want, atol=1e-4)
