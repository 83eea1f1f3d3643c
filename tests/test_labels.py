"""Label placement: no two boxes overlap at the minimum size or any wider one, for thousands of
random label sets; priorities, slots, limits, obstacles; word labels cover the map."""
from __future__ import annotations

import math

import numpy as np
import pytest

from embviz import ParameterError
from embviz.labels import Box, _candidates, label_size, overlap_pairs, place, spread, text_width
from embviz.layout import map_canvas, map_labels

SCALES = (1.0, 1.07, 1.5, 2.0, 3.7, 10.0, 100.0)
ALPHABET = list("abcdefghijklmnopqrstuvwxyz  ·-'ÉéñW") + ["日", "本", "ß"]


def scaled(boxes: list[Box], s: float) -> np.ndarray:
    """The boxes when anchors are ``s`` times further apart (labels keep their px size and offset)."""
    return np.array([[b.x0 + (s - 1) * b.ax, b.y0 + (s - 1) * b.ay, b.x1 + (s - 1) * b.ax, b.y1 + (s - 1) * b.ay]
                     for b in boxes], dtype=float).reshape(-1, 4)


def random_set(rng):
    n = int(rng.integers(1, 120))
    if rng.random() < 0.5:  # clumps, like a map's islands
        centres = rng.uniform(0, 600, size=(int(rng.integers(1, 6)), 2))
        anchors = centres[rng.integers(len(centres), size=n)] + rng.normal(scale=rng.uniform(1, 60), size=(n, 2))
    else:
        anchors = rng.uniform(0, 600, size=(n, 2))
    if rng.random() < 0.2:
        anchors[: n // 2] = anchors[0]  # many labels on one point
    texts = ["".join(rng.choice(ALPHABET, size=int(rng.integers(1, 25)))) for _ in range(n)]
    sizes = rng.uniform(8, 26, size=n)
    positions = rng.choice(["around", "centre", "around+far"], size=n).tolist()
    obstacles = np.c_[rng.uniform(0, 600, size=(3, 2)), rng.uniform(2, 15, size=(3, 2))]
    return anchors, texts, sizes, rng.normal(size=n), positions, obstacles


def test_no_two_boxes_overlap_at_any_width_for_thousands_of_random_sets():
    rng = np.random.default_rng(2024)
    placed_total = 0
    for _ in range(1500):
        anchors, texts, sizes, prio, positions, obstacles = random_set(rng)
        boxes = place(anchors, texts, sizes, prio, positions=positions, bold=rng.random() < 0.5,
                      gaps=float(rng.uniform(0, 8)), obstacles=obstacles, bounds=(600, 600))
        kept = [b for b in boxes if b is not None]
        placed_total += len(kept)
        obstacle_boxes = [Box(x - hw, y - hh, x + hw, y + hh, x, y, "center", "middle", 0, 0, "")
                          for x, y, hw, hh in obstacles]
        for s in SCALES:
            b = scaled(kept, s)
            assert not len(overlap_pairs(b)), (s, overlap_pairs(b)[:3])
            for ob in scaled(obstacle_boxes, s):
                inter_w = np.minimum(b[:, 2], ob[2]) - np.maximum(b[:, 0], ob[0])
                inter_h = np.minimum(b[:, 3], ob[3]) - np.maximum(b[:, 1], ob[1])
                assert not np.any((inter_w > 1e-9) & (inter_h > 1e-9)), s
        at1 = scaled(kept, 1.0)
        assert (at1[:, :2] >= 0).all() and (at1[:, 2] <= 600).all() and (at1[:, 3] <= 600).all()
    assert placed_total > 15_000  # the property is not met by placing nothing


def test_the_highest_priority_label_always_gets_its_first_choice():
    rng = np.random.default_rng(1)
    anchors = rng.uniform(100, 500, size=(300, 2))
    prio = rng.normal(size=300)
    top = int(np.argmax(prio))
    boxes = place(anchors, ["word"] * 300, 12, prio, gaps=4, bounds=(600, 600))
    assert boxes[top].xanchor == "left" and boxes[top].yanchor == "middle" and boxes[top].xshift == 4
    assert 0 < sum(b is not None for b in boxes) < 300


def test_plotly_anchoring_reproduces_the_box():
    w, h = label_size("label", 14)
    seen = set()
    for x0, y0, x1, y1, xa, ya, xs, ys, arrow in _candidates("around+far", w, h, 5.0):
        assert (x1 - x0, y1 - y0) == pytest.approx((w, h))
        tx, ty = arrow if arrow is not None else (xs, -ys)  # where Plotly puts the box's anchor side
        left = tx - {"left": 0, "center": w / 2, "right": w}[xa]
        top = ty - {"top": 0, "middle": h / 2, "bottom": h}[ya]
        assert (left, top) == pytest.approx((x0, y0))
        assert not (x0 < 0 < x1 and y0 < 0 < y1)  # never on the anchor itself
        seen.add((xa, ya))
    assert len(seen) == 8


def test_leader_lines_take_labels_out_of_a_crowd():
    anchors = np.full((12, 2), 300.0) + np.random.default_rng(0).normal(scale=2, size=(12, 2))
    near = place(anchors, ["neighbour"] * 12, 12, -np.arange(12), bounds=(600, 600))
    far = place(anchors, ["neighbour"] * 12, 12, -np.arange(12), positions="around+far", bounds=(600, 600))
    assert sum(b is not None for b in far) >= 10 > sum(b is not None for b in near) + 4
    arrows = [b.arrow for b in far if b is not None and b.arrow is not None]
    assert arrows and all(math.hypot(*a) >= 28 for a in arrows)


def test_slots_and_limits():
    # two names of one region: the long one fits nowhere, the short one is used
    boxes = place([[50, 50], [50, 50]], ["a very long region name indeed", "short"], 16, [2, 1],
                  positions="centre", slots=[0, 0], bounds=(120, 100))
    assert boxes[0] is None and boxes[1].text == "short"
    boxes = place([[50, 50], [50, 50]], ["one", "two"], 12, [2, 1], positions="centre", slots=[0, 0], bounds=(600, 600))
    assert boxes[0] is not None and boxes[1] is None
    pts = np.random.default_rng(0).uniform(0, 1000, size=(50, 2))
    boxes = place(pts, ["w"] * 50, 10, -np.arange(50), limit=7, counted=np.arange(50) >= 2, bounds=(1000, 1000))
    assert sum(b is not None for b in boxes) == 9


def test_text_width_follows_the_font_metrics():
    assert text_width("WWW", 10) > text_width("iii", 10) * 3
    assert text_width("日本", 10) == pytest.approx(2 * 10 * 1.06)
    assert text_width("café", 12) == pytest.approx(text_width("cafe", 12))
    assert text_width("ab", 20, bold=True) > text_width("ab", 20)


def test_spread_covers_the_map_where_top_frequency_sits_in_a_corner():
    rng = np.random.default_rng(0)
    coords = rng.uniform(0, 100, size=(5000, 2))
    freq = -coords[:, 0] - coords[:, 1] + rng.normal(scale=5, size=5000)  # frequent words bottom left
    keys = [f"w{i}" for i in range(5000)]
    plan = map_labels(coords, keys, frequency=freq, n_words=30)
    rows = [lab.row for lab in plan.labels if lab.kind == "word"]
    assert len(rows) == 30 and not plan.overlapping()
    top30 = np.argsort(-freq)[:30]

    def quadrant(xy):
        return (xy[:, 0] > 50).astype(int) * 2 + (xy[:, 1] > 50)

    assert np.bincount(quadrant(coords[top30]), minlength=4).min() == 0   # the naive choice: one corner
    assert np.bincount(quadrant(coords[rows]), minlength=4).min() >= 4    # ours: every quarter
    # within a cell, the most frequent word wins
    order = spread([[0, 0], [1, 1], [2, 2]], [1.0, 3.0, 2.0])
    assert order[0] == 1


def test_map_labels_query_first_beside_its_star_and_regions_larger():
    from embviz import Embeddings
    from embviz.regions import describe

    rng = np.random.default_rng(3)
    coords = np.r_[rng.normal(size=(300, 2)), rng.normal(size=(300, 2)) + [8, 0], rng.normal(size=(300, 2)) + [0, 8]]
    truth = np.repeat(np.arange(3), 300)
    emb = Embeddings([f"w{i}" for i in range(900)], np.eye(3)[truth] + rng.normal(scale=0.1, size=(900, 3)))
    regions = describe(emb, coords, truth)
    assert map_labels(coords, emb.keys, regions=regions, n_words=40).placed("region") == 3
    far = int(np.argmax(np.linalg.norm(coords - [4, 4], axis=1)))  # a query away from the names
    plan = map_labels(coords, emb.keys, regions=regions, query=far, neighbors=[6, 7, 8], n_words=40)
    kinds = [lab.kind for lab in plan.labels]
    assert kinds[0] == "query" and kinds.count("neighbor") == 3 and kinds.count("region") >= 2
    q = plan.labels[0]
    assert not (q.box.x0 <= q.box.ax <= q.box.x1 and q.box.y0 <= q.box.ay <= q.box.y1)  # beside, not on
    word = next(lab for lab in plan.labels if lab.kind == "word")
    assert min(lab.size for lab in plan.labels if lab.kind == "region") > word.size
    assert not plan.overlapping()
    # a wider figure (same height) places at least as many region names
    wide = map_labels(coords, emb.keys, regions=regions, n_words=40, canvas=map_canvas(coords, width=1200))
    assert wide.placed("region") >= plan.placed("region")


def test_canvas_reserves_the_legend_and_keeps_the_aspect():
    coords = np.array([[0, 0], [10, 5]], dtype=float)
    plain = map_canvas(coords)
    legend = map_canvas(coords, legend_texts=["noun.communication", "verb"])
    assert legend.plot_width < plain.plot_width - 100
    px = plain.pixels(coords)
    assert (px[1, 0] - px[0, 0]) == pytest.approx(2 * (px[0, 1] - px[1, 1]))  # 1:1 aspect, y up
    zoom = map_canvas(coords, view=(0, 5, 0, 5))
    assert zoom.inside(coords).tolist() == [True, False]


def test_bad_input_names_the_parameter():
    with pytest.raises(ParameterError, match="'texts' parameter of place"):
        place([[0, 0]], ["a", "b"], 12)
    with pytest.raises(ParameterError, match="'sizes'"):
        place([[0, 0]], ["a"], 0)
    with pytest.raises(ParameterError, match="'positions'"):
        place([[0, 0]], ["a"], 12, positions="somewhere")
    with pytest.raises(ParameterError, match="'anchors'"):
        place([[np.nan, 0]], ["a"], 12)
    with pytest.raises(ParameterError, match="'n_words'"):
        map_labels(np.zeros((3, 2)), list("abc"), n_words=-1)
    with pytest.raises(ParameterError, match="'coords'"):
        map_labels(np.zeros((3, 3)), list("abc"))
    with pytest.raises(ParameterError, match="'view'"):
        map_canvas(np.zeros((3, 2)), view=(1, 0, 0, 1))
