"""The density view: histogram of every point + interactive sample or zoomed points."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embviz.errors import ParameterError
from embviz.figures.density import density_figure, window_mask


@pytest.fixture
def xy():
    rng = np.random.default_rng(3)
    return np.vstack([rng.normal(0, 1, size=(40_000, 2)), rng.normal(8, 0.5, size=(10_000, 2))])


def test_histogram_counts_every_point_and_matches_numpy(xy):
    fig = density_figure(xy, sample=1000, bins=50)
    heat, points = fig.data[0], fig.data[1]
    counts = np.asarray(heat.customdata)
    assert counts.sum() == len(xy)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    pad = (hi - lo) * 0.02
    ref, _, _ = np.histogram2d(xy[:, 0], xy[:, 1], bins=50,
                               range=[(lo[0] - pad[0], hi[0] + pad[0]), (lo[1] - pad[1], hi[1] + pad[1])])
    np.testing.assert_array_equal(counts, ref.T)  # z rows are y
    z = np.asarray(heat.z, dtype=float)
    np.testing.assert_allclose(z[ref.T > 0], np.log10(1 + ref.T[ref.T > 0]))
    assert np.isnan(z[ref.T == 0]).all()
    assert points.type == "scattergl" and len(points.x) == 1000
    rows = np.asarray(points.customdata)
    np.testing.assert_array_equal(np.asarray(points.x), xy[rows, 0])


def test_zoom_window_shows_only_points_inside_and_rebins(xy):
    fig = density_figure(xy, sample=100_000, x_range=(6, 10), y_range=(6, 10), bins=40)
    inside = window_mask(xy, (6, 10), (6, 10))
    rows = np.asarray(fig.data[1].customdata)
    assert len(rows) == inside.sum() and inside[rows].all()
    assert np.asarray(fig.data[0].customdata).sum() == inside.sum()
    assert list(fig.layout.xaxis.range) == [6, 10]
    assert np.asarray(fig.data[0].x).min() > 6


def test_labels_split_points_into_traces_and_keys_become_hover_text(xy):
    labels = np.where(xy[:, 0] > 4, "far", "near")
    keys = [f"p{i}" for i in range(len(xy))]
    fig = density_figure(pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "key": keys}), labels, sample=2000)
    names = {t.name for t in fig.data[1:]}
    assert names == {"far", "near"}
    for trace in fig.data[1:]:
        rows = np.asarray(trace.customdata)
        assert (labels[rows] == trace.name).all()
        assert list(trace.text[:3]) == [keys[r] for r in rows[:3]]
    assert sum(len(t.x) for t in fig.data[1:]) == 2000


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"x_range": (3, 1)}, "'x_range' parameter .* low < high"),
        ({"bins": 1}, "'bins' parameter"),
        ({"sample": -1}, "'sample' parameter"),
        ({"labels": ["a"]}, "'labels' parameter .* one value per point"),
    ],
)
def test_bad_arguments_name_the_parameter(xy, kwargs, match):
    with pytest.raises(ParameterError, match=match):
        density_figure(xy, **kwargs)


