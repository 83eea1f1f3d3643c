"""Watch it learn: semantic groups of a real (tiny) word2vec training on the shipped corpus come
together, measured per epoch; the figures show the curve and the groups' points over epochs."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

import embviz
from embviz.errors import ParameterError
from embviz.figures.training import group_colors, group_similarity_figure, groups_animation
from embviz.groups import GROUPS, group_similarity, semantic_groups
from embviz.train import learning_trajectory, train_word2vec


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """word2vec (skip-gram) on the first 25,000 lines of the shipped corpus (the King James Bible), 3 epochs."""
    with gzip.open(embviz.demo_corpus(), "rt", encoding="utf-8") as fh:
        head = [next(fh) for _ in range(25_000)]
    path = tmp_path_factory.mktemp("corpus") / "head.txt"
    path.write_text("".join(head), encoding="utf-8")
    return train_word2vec(path, dims=32, window=5, min_count=5, epochs=3, workers=2, seed=1, sg=True)


def test_groups_present_in_the_vocabulary(trained):
    groups = semantic_groups(trained.snapshot_keys)
    assert {"numbers", "family", "body", "metals"} <= set(groups)
    assert "months" not in groups  # the Bible names no months in English
    for name, words in groups.items():
        assert 3 <= len(words) <= 10 and set(words) <= set(GROUPS[name]) and set(words) <= set(trained.keys)
        rank = [trained.keys.index(w) for w in words]
        assert rank == sorted(rank)  # the most frequent members
    every = [w for ws in groups.values() for w in ws]
    assert len(every) == len(set(every))


def test_training_pulls_the_groups_together(trained):
    table = group_similarity(trained)
    assert list(table["epoch"]) == list(range(len(trained.snapshots)))
    start, end = table.iloc[0], table.iloc[-1]
    assert abs(start["within"] - start["between"]) < 0.1          # random start: no structure
    assert end["gap"] > 0.15 and end["gap"] > start["gap"] + 0.1  # learned: groups closer than others
    assert table["gap"].iloc[-1] >= table["gap"].max() - 0.02  # it does not fall apart again
    # an oracle for the within-group mean of one group: plain pairwise cosines of centred vectors
    groups = table.attrs["groups"]
    words = groups["numbers"]
    x = trained.snapshots[-1].astype(np.float64)
    v = x[[trained.snapshot_keys.index(w) for w in words]] - x.mean(axis=0)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    pairs = [(i, j) for i in range(len(words)) for j in range(len(words)) if i != j]
    assert end["numbers"] == pytest.approx(np.mean([v[i] @ v[j] for i, j in pairs]))


def test_figures_of_the_curve_and_of_the_groups_over_epochs(trained):
    table = group_similarity(trained)
    fig = group_similarity_figure(table)
    names = [t.name for t in fig.data]
    assert names[-2:] == ["within groups", "between groups"] and len(fig.data[-1].x) == len(table)
    groups = table.attrs["groups"]
    traj = learning_trajectory(trained, [w for ws in groups.values() for w in ws], n=200)
    anim = groups_animation(traj.coords, traj.keys, groups)
    assert len(anim.frames) == len(trained.snapshots)
    colors = group_colors(list(groups))
    for trace in anim.frames[-1].data[1:]:
        assert trace.marker.color == colors[trace.name] and set(trace.hovertext) <= set(groups[trace.name])
        assert 1 <= len([t for t in trace.text if t]) <= 3  # a few words name a gathered group
    assert group_colors(["numbers"]) == {"numbers": colors["numbers"]}  # a group keeps its colour


def test_bad_input(trained):
    with pytest.raises(ParameterError, match="'groups' parameter of group_similarity"):
        group_similarity(trained, {"numbers": ["one", "two"]})
    with pytest.raises(ParameterError, match="'min_size'"):
        semantic_groups(["a"], min_size=1)
    no_history = embviz.Embeddings(["a", "b"], np.eye(2))
    with pytest.raises(ParameterError, match="snapshots"):
        group_similarity(no_history)
