"""Directions: from expressions and pairs (PCA checked against scikit-learn), and removing them."""

from __future__ import annotations

import numpy as np
import pytest

from embviz import ExpressionError, ParameterError, UnknownKeyError, analogy
from embviz.directions import (
    GENDER_PAIRS,
    along,
    compare_analogies,
    compare_neighbours,
    direction,
    remove_direction,
)


def test_expression_direction_is_unit_difference(blobs):
    d = direction(blobs, "w1 - w2")
    u = blobs.unit_vectors
    want = u[1] - u[2]
    np.testing.assert_allclose(d, want / np.linalg.norm(want), atol=1e-6)
    assert np.linalg.norm(d) == pytest.approx(1.0, abs=1e-6)


def test_pca_direction_equals_sklearn(blobs):
    from sklearn.decomposition import PCA

    pairs = [(f"w{i}", f"w{i + 100}") for i in range(20)]
    d = direction(blobs, pairs, method="pca")
    u = blobs.unit_vectors.astype(np.float64)
    diffs = np.stack([u[blobs.index(a)] - u[blobs.index(b)] for a, b in pairs])
    centred = np.concatenate([diffs / 2, -diffs / 2])  # each pair around its midpoint
    pc = PCA(n_components=1).fit(centred).components_[0]
    assert abs(float(d @ pc)) == pytest.approx(1.0, abs=1e-5)
    assert d @ diffs.mean(axis=0) > 0  # points from b to a, like the mean
    mean = direction(blobs, pairs)
    np.testing.assert_allclose(mean, diffs.mean(0) / np.linalg.norm(diffs.mean(0)), atol=1e-6)


def test_remove_direction_makes_everything_orthogonal(blobs):
    d = direction(blobs, "w1 - w150")
    flat = remove_direction(blobs, "w1 - w150")
    assert flat.keys == blobs.keys and flat.metadata.equals(blobs.metadata)
    assert np.abs(flat.vectors @ d).max() < 1e-5
    np.testing.assert_allclose(np.linalg.norm(flat.vectors, axis=1), 1.0, atol=1e-5)
    # removing it again changes nothing
    again = remove_direction(flat, d)
    np.testing.assert_allclose(again.vectors, flat.vectors, atol=1e-5)
    assert np.abs(along(flat, d)).max() < 1e-5


def test_gender_removal_on_demo(demo):
    flat = remove_direction(demo, GENDER_PAIRS)
    d = direction(demo, GENDER_PAIRS)
    assert along(demo, d)[demo.index("woman")] > 0.2 > along(flat, d)[flat.index("woman")]
    # without the gender direction, king - man + woman no longer lands on queen
    assert analogy(demo, "king - man + woman")[0][0] == "queen"
    assert analogy(flat, "king - man + woman")[0][0] != "queen"
    table = compare_analogies(demo, flat, ["king - man + woman"])
    assert table.loc[0, "before"] == "queen" and bool(table.loc[0, "changed"])
    nb = compare_neighbours(demo, flat, ["doctor", "queen"], topn=10)
    assert list(nb["word"]) == ["doctor", "queen"]
    assert ((nb["kept"] >= 0) & (nb["kept"] <= 1)).all()
    assert nb.loc[1, "kept"] < 1.0  # queen's neighbourhood does change


def test_bad_direction_specs(blobs):
    with pytest.raises(ExpressionError, match="zero vector"):
        direction(blobs, "w1 - w1")
    with pytest.raises(UnknownKeyError, match="'nope' not present"):
        direction(blobs, [("w1", "nope")])
    with pytest.raises(ParameterError, match="list of word pairs"):
        direction(blobs, [("w1", "w2", "w3")])
    with pytest.raises(ParameterError, match="a vector of length 16"):
        direction(blobs, np.ones(3))
    with pytest.raises(ParameterError, match="'method' parameter of direction"):
        direction(blobs, [("w1", "w2")], method="svd")
