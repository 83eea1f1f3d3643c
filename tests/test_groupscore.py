"""embviz.groupscore: any grouping judged the same way, against chance (scikit-learn as the oracle)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

import embviz
from embviz.clustering import chance_agreement, map_agreement
from embviz.groupscore import category_column, score_groups
from embviz.regions import purity, random_purity


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(7)
    truth = np.repeat(np.arange(4), 60)
    vecs = np.eye(4, 10)[truth] * 4 + rng.normal(size=(240, 10))
    kind = np.array(["animal", "food", "place", "tool"])[truth]
    kind[::10] = "other"  # some words outside their group's category
    meta = pd.DataFrame({"lexname": kind, "rank": np.arange(240)})
    coords = np.eye(4, 2)[truth] * 10 + rng.normal(size=(240, 2)) + truth[:, None] * 3
    return embviz.Embeddings([f"w{i}" for i in range(240)], vecs, meta), truth, coords


def test_scores_match_their_oracles(planted):
    emb, truth, coords = planted
    labels = truth.copy()
    labels[:30] = -1  # some words in no group
    s = score_groups(emb, labels, coords=coords)
    grouped = labels >= 0
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    assert s.groups == 4 and s.coverage == pytest.approx(grouped.mean())
    assert s.silhouette == pytest.approx(silhouette_score(unit[grouped], labels[grouped], metric="cosine"), abs=1e-6)
    assert s.silhouette_n == grouped.sum()
    assert s.category == "lexname"
    assert s.purity == pytest.approx(purity(labels, emb.metadata["lexname"].to_numpy())[0])
    assert s.random_purity == pytest.approx(random_purity(labels, emb.metadata["lexname"].to_numpy()))
    assert s.ratio > 2.5
    overall, per = map_agreement(labels, coords)
    assert s.agreement == pytest.approx(overall) and s.per_group_agreement == per
    assert s.chance == pytest.approx(chance_agreement(labels))


def test_random_groups_score_like_chance(planted):
    emb, truth, coords = planted
    shuffled = np.random.default_rng(0).permutation(truth)
    s = score_groups(emb, shuffled, coords=coords)
    assert abs(s.silhouette) < 0.05 and s.ratio == pytest.approx(1.0, abs=0.25)
    assert s.agreement == pytest.approx(s.chance, abs=0.1)


def test_silhouette_is_sampled_and_said(planted):
    emb, truth, _ = planted
    s = score_groups(emb, truth, sample=50, category="")
    assert s.silhouette_n == 50 and s.category is None and s.purity is None and s.agreement is None


def test_edge_cases_and_errors(planted):
    emb, truth, _ = planted
    one = score_groups(emb, np.zeros(len(emb), dtype=int))
    assert one.groups == 1 and one.silhouette is None
    none = score_groups(emb, np.full(len(emb), -1))
    assert none.groups == 0 and none.coverage == 0.0 and none.purity is None
    with pytest.raises(embviz.ParameterError, match="one label per point"):
        score_groups(emb, truth[:10])
    with pytest.raises(embviz.ParameterError, match="'category' parameter"):
        score_groups(emb, truth, category="nope")


def test_category_column_prefers_wordnet():
    meta = pd.DataFrame({"pos": ["a", "b"] * 5, "lexname": ["x", "y", "z", "x", "y"] * 2, "n": range(10)})
    assert category_column(meta) == "lexname"
    assert category_column(meta[["pos", "n"]]) == "pos"
    assert category_column(meta[["n"]]) is None
