"""Every figure builder shows data text as text: keys, categories, names, titles and notes reach
Plotly with <, > and & escaped (Plotly renders a subset of HTML in all of them)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from embviz.figures.clusters import cluster_map, cluster_strength
from embviz.figures.compare import recall_curve, transition
from embviz.figures.density import density_figure
from embviz.figures.scatter import scatter
from embviz.figures.training import group_similarity_figure, groups_animation, learning_animation, transfer_figure

BAD = '<b>PWN</b><a href="javascript:x">k</a>&'
TAGS = ("<b>PWN", "<a href")


def _raw(fig) -> list[str]:
    """Strings of the figure that still hold the payload's tags."""
    found = []

    def visit(v):
        if isinstance(v, str):
            if "PWN" in v and any(t in v for t in TAGS):
                found.append(v)
        elif isinstance(v, dict):
            for k, x in v.items():
                if k != "bdata":
                    visit(x)
        elif isinstance(v, list):
            for x in v:
                visit(x)

    visit(json.loads(fig.to_json()))
    return found


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(40)]
    keys[3] = BAD
    return rng.normal(size=(40, 2)).astype(np.float32), keys


def test_scatter_escapes_keys_categories_names_and_titles(data):
    from embviz.layout import plan_map

    coords, keys = data
    color = np.array([BAD if i % 2 else "plain" for i in range(40)])
    kw = dict(color=color, color_name=BAD, title=BAD, note=BAD, axis_titles=[BAD, BAD])
    for fig in (scatter(coords, keys, labels=[3, 4], highlight=[3], query=3, neighbors=[1, 2], **kw),
                scatter(coords, keys, query=3, neighbors=[1], plan=plan_map(coords, keys, query=3, neighbors=[1],
                                                                            **kw), **kw),
                scatter(np.c_[coords, coords[:, :1]], keys, query=3, **kw)):
        assert not _raw(fig), _raw(fig)[:3]
        assert "&lt;b&gt;PWN" in fig.to_json()
    numbers = scatter(coords, keys, color=np.arange(40.0), color_name=BAD)
    assert not _raw(numbers)


def test_cluster_figures_escape_names(data):
    coords, keys = data
    labels = np.repeat([0, 1], 20)
    names = {0: BAD, 1: "b · c"}
    assert not _raw(cluster_map(coords, keys, labels, names, title=BAD, note=BAD))
    assert not _raw(cluster_strength(names, {0: 0.1, 1: 0.2}, {0: 0.5, 1: 0.6}, chance=0.1))


def test_compare_and_training_figures_escape_keys_and_names(data):
    coords, keys = data
    assert not _raw(transition(coords, coords[::-1].copy(), keys, color=[BAD] * 40, start_name=BAD, end_name=BAD))
    assert not _raw(recall_curve({BAD: {5: 0.1, 10: 0.2}}, title=BAD))
    frames = [coords, coords * 2]
    assert not _raw(learning_animation(frames, keys, highlight=[BAD]))
    assert not _raw(groups_animation(frames, keys, {BAD: [BAD, "w1"], "other": ["w2", "w5"]}))
    table = pd.DataFrame({"epoch": [0, 1], "within": [0.0, 0.3], "between": [0.0, 0.1], "gap": [0, 0.2], BAD: [0, 0.3]})
    assert not _raw(group_similarity_figure(table))
    transfer = pd.DataFrame({"section": [BAD], "questions": [3], "pretrained": [0.5], "trained": [0.2]})
    assert not _raw(transfer_figure(transfer, names=(BAD, BAD)))


def test_density_figure_escapes_keys_labels_and_title(data):
    coords, keys = data
    table = pd.DataFrame({"key": keys, "x": coords[:, 0], "y": coords[:, 1]})
    assert not _raw(density_figure(table, np.array([BAD, "x"] * 20), title=BAD))


def test_analogy_figures_escape_words_and_titles(data):
    from embviz.figures.analogy import neighbour_map, parallelogram

    coords, keys = data
    keys[5] = BAD + "x"
    fig = parallelogram(coords, keys, (keys[3], keys[1], keys[2]), keys[5], title=BAD, axis_titles=[BAD, BAD])
    assert not _raw(fig) and "&lt;b&gt;PWN" in fig.to_json()
    table = pd.DataFrame({"key": [keys[5], keys[1]], "status": ["kept", "invented"]})
    assert not _raw(neighbour_map(coords, keys, keys[3], table))


def test_parallelogram_labels_never_overlap():
    """Thousands of labels in a tight cloud: every label drawn has a box of its own (the boxes are
    rebuilt from what the figure says: text, font size, textposition, in the planned plot area)."""
    from embviz.figures.analogy import nominal_pixels, parallelogram
    from embviz.labels import label_size

    rng = np.random.default_rng(4)
    coords = rng.normal(size=(300, 2)) * [1.0, 0.4]
    keys = [f"w{i:03d}" + "x" * (i % 7) for i in range(300)]
    fig = parallelogram(coords, keys, (keys[0], keys[1], keys[2]), keys[3], label_others=300, height=560)
    pts = np.array([[x, y] for t in fig.data if "text" in (t.mode or "") for x, y in zip(t.x, t.y)], float)
    px = nominal_pixels(pts, 560)
    boxes = []
    for t in fig.data:
        if t.text is None or "text" not in (t.mode or ""):
            continue
        where = t.textposition if isinstance(t.textposition, (list, tuple)) else [t.textposition] * len(t.text)
        gap = (t.marker.size or 6) / 2 + 2
        for x, y, word, pos in zip(t.x, t.y, t.text, where):
            if not word:
                continue
            w, h = label_size(word, t.textfont.size, False)
            (ax, ay), = px([[x, y]])
            vert, horiz = pos.split()
            x0 = ax + gap if horiz == "right" else ax - gap - w if horiz == "left" else ax - w / 2
            y0 = ay - gap - h if vert == "top" else ay + gap if vert == "bottom" else ay - h / 2
            boxes.append((x0 + 0.5, y0 + 0.5, x0 + w - 0.5, y0 + h - 0.5, t.name, word, pos))
    words = sum(1 for t in fig.data if t.text is not None for w in t.text if w)
    assert 30 <= words < 300  # many drawn, the crowded ones dropped
    b = np.array([bx[:4] for bx in boxes])
    for i in range(len(b)):
        hit = (b[i, 0] < b[i + 1:, 2]) & (b[i + 1:, 0] < b[i, 2]) & (b[i, 1] < b[i + 1:, 3]) & (b[i + 1:, 1] < b[i, 3])
        assert not hit.any(), (boxes[i], [boxes[i + 1 + j] for j in np.flatnonzero(hit)])
    labelled = {w for t in fig.data if t.name in ("inputs", "result") for w in t.text if w}
    assert labelled == {keys[0], keys[1], keys[2], keys[3]}  # the analogy's own words are always shown
