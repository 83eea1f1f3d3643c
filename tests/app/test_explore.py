"""Explore page, driven through AppTest on the real dashboard and the real demo table."""
from __future__ import annotations

import re

import numpy as np
import pytest

import embviz
from tests.app.helpers import decode, figures, n_points, trace, app, texts


def _cosine_oracle(emb, word, k):
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    sims = unit @ unit[emb.index(word)]
    sims[emb.index(word)] = -np.inf
    return [emb.keys[i] for i in np.argsort(-sims)[:k]]


def test_renders_the_demo_as_a_webgl_map(demo):
    at = app()
    assert not at.exception
    assert at.title[0].value == "Explore"
    (fig,) = figures(at)
    assert n_points(fig) == len(demo)
    base = [t for t in fig["data"] if t["type"] == "scattergl"]
    assert base and all(t["x"]["dtype"] == "f4" for t in base)  # typed arrays, not JSON lists
    labels = trace(fig, "labels")
    top = [demo.keys[i] for i in np.argsort(demo.metadata["rank"].to_numpy())[:30]]
    assert labels["text"] == top  # the 30 most frequent words are written on the map
    assert "MiniLM" in fig["layout"]["title"]["text"]


def test_search_highlights_the_word_and_its_neighbours(demo):
    at = app()
    at.text_input(key="explore_query").input("king").run()
    assert not at.exception
    (fig,) = figures(at)
    expected = _cosine_oracle(demo, "king", 10)
    drawn = [demo.keys[i] for i in decode(trace(fig, "neighbours of king")["customdata"])]
    assert drawn == expected
    assert [demo.keys[i] for i in decode(trace(fig, "king")["customdata"])] == ["king"]
    table = at.dataframe[0].value
    assert table["word"].tolist() == expected


def test_unknown_word_suggests_and_highlights_substrings(demo):
    at = app()
    at.text_input(key="explore_query").input("kingg").run()
    assert not at.exception
    msgs = " ".join(texts(at, "warning") + texts(at, "info"))
    assert "'kingg' not present; did you mean 'king'" in msgs
    (fig,) = figures(at)
    assert trace(fig, "neighbours of kingg") is None


def test_regex_search_and_a_bad_pattern(demo):
    at = app()
    at.text_input(key="explore_query").input("^qu.*n$")
    at.toggle(key="explore_regex").set_value(True).run()
    (fig,) = figures(at)
    expected = sorted(i for i, k in enumerate(demo.keys) if re.search("^qu.*n$", k))
    assert sorted(decode(trace(fig, "matches")["customdata"]).tolist()) == expected
    at.text_input(key="explore_query").input("(unclosed").run()
    assert not at.exception
    assert any("not a valid regular expression" in e for e in texts(at, "error"))
    assert figures(at)  # the map is still drawn


def test_colour_search_and_labels_reruns_never_reproject(monkeypatch):
    at = app()
    calls = []
    real = embviz.project
    monkeypatch.setattr(embviz, "project", lambda *a, **k: calls.append(a[1:3]) or real(*a, **k))
    at.selectbox(key="explore_color").select("pos").run()
    at.text_input(key="explore_query").input("river").run()
    at.number_input(key="explore_labels").set_value(100).run()
    at.text_input(key="explore_pins").input("red, green").run()
    assert not at.exception and calls == []
    at.segmented_control(key="explore_dims").set_value("3-D").run()
    assert calls == [("pca", 3)]  # a new projection is computed only when it must be


def test_colour_by_metadata_splits_categories(demo):
    at = app()
    at.selectbox(key="explore_color").select("pos").run()
    (fig,) = figures(at)
    names = {t["name"] for t in fig["data"] if t["type"] == "scattergl"}
    assert names >= set(demo.metadata["pos"].value_counts().index[:3])
    at.selectbox(key="explore_color").select("zipf").run()
    (fig,) = figures(at)
    assert fig["data"][0]["marker"]["colorbar"]["title"]["text"] == "zipf"


def test_sampling_is_stated_on_the_figure():
    at = app()
    at.number_input(key="explore_limit_pca").set_value(5000).run()
    assert not at.exception
    (fig,) = figures(at)
    assert n_points(fig) == 5000
    assert "Sample: 5,000 of 20,000 points (random)" in [a["text"] for a in fig["layout"]["annotations"]]


def test_box_selection_shows_a_table_and_isolates(demo):
    at = app()
    (fig,) = figures(at)
    rows = decode(fig["data"][0]["customdata"])[:40]
    at.session_state["explore_chart"] = {"selection": {
        "points": [{"curve_number": 0, "point_index": int(i)} for i in range(40)],
        "point_indices": list(range(40)), "box": [{"x": [0, 1], "y": [0, 1]}], "lasso": []}}
    at.run()
    assert not at.exception
    words = [demo.keys[i] for i in rows]
    sel_table = next(d.value for d in at.dataframe if "word" in d.value.columns and len(d.value) == 40)
    assert sel_table["word"].tolist() == words
    at.button(key="explore_isolate_btn").click().run()
    assert not at.exception
    (fig,) = figures(at)
    assert n_points(fig) == 40


def test_three_d_offers_a_linked_2d_view_for_selection():
    at = app()
    at.segmented_control(key="explore_dims").set_value("3-D").run()
    assert figures(at)[0]["data"][0]["type"] == "scatter3d"
    assert any("3-D charts cannot send selections" in i for i in texts(at, "info"))
    at.toggle(key="explore_linked").set_value(True).run()
    figs = figures(at)
    assert len(figs) == 2 and figs[1]["data"][0]["type"] == "scattergl"


def test_url_restores_the_view():
    at = app({"method": "pca", "dims": "3", "q": "queen", "color": "pos", "labels": "5", "hl": "red,blue"})
    assert not at.exception and not at.warning
    (fig,) = figures(at)
    assert fig["data"][0]["type"] == "scatter3d"
    assert trace(fig, "neighbours of queen") is not None
    assert len(trace(fig, "labels")["text"]) == 5
    assert len(decode(trace(fig, "matches")["customdata"])) == 2
    assert at.query_params["q"] == "queen" and at.query_params["color"] == "pos"


def test_url_written_back_as_the_view_changes():
    at = app()
    at.text_input(key="explore_query").input("paris").run()
    at.selectbox(key="explore_color").select("lexname").run()
    assert at.query_params["q"] == "paris" and at.query_params["color"] == "lexname"


@pytest.mark.parametrize("query,needle", [
    ({"dims": "9"}, "'dims' must be 2 or 3"),
    ({"method": "tnse"}, "'method' is 'tnse'"),
    ({"p.perplexityy": "30"}, "'p.perplexityy' is not a parameter of PCA"),
    ({"color": "nope"}, "'color' is 'nope'"),
    ({"data": "upload"}, "cannot be opened from a link"),
])
def test_broken_url_parameter_is_named_and_page_works(query, needle):
    at = app(query)
    assert not at.exception
    assert any(needle in w for w in texts(at, "warning")), texts(at, "warning")
    assert figures(at)


def test_presentation_mode_from_the_url():
    at = app({"present": "1"})
    assert not at.exception
    assert not at.title  # no page chrome, just the figure
    (fig,) = figures(at)
    assert fig["layout"]["font"]["size"] >= 20
    assert at.button(key="explore_exit")
    at.button(key="explore_exit").click().run()
    assert at.title[0].value == "Explore"


@pytest.mark.parametrize("choice", ["distortion (per point)", "cluster (k-means)"])
def test_colour_by_distortion_or_cluster(choice):
    at = app()
    at.number_input(key="explore_limit_pca").set_value(2000).run()
    at.selectbox(key="explore_color").select(choice).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (fig,) = figures(at)
    if choice.startswith("distortion"):
        values = decode(fig["data"][0]["marker"]["color"])
        assert 0.0 <= values.min() and values.max() <= 1.0 and values.std() > 0  # a real per-point measure
    else:
        assert len([t for t in fig["data"] if t["type"] == "scattergl" and t["name"] != "labels"]) == 12
