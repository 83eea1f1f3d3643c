"""Explore page, driven through AppTest on the real dashboard and the real demo table."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import embviz
from embviz.datasets import shipped_maps_meta, shipped_projection
from tests.app.helpers import PAGE_SCRIPT, app, decode, figures, n_points, texts, trace, use_table


def _cosine_oracle(emb, word, k):
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    sims = unit @ unit[emb.index(word)]
    sims[emb.index(word)] = -np.inf
    return [emb.keys[i] for i in np.argsort(-sims)[:k]]


def _labels(fig, kind):
    return [a["text"].replace("<b>", "").replace("</b>", "") for a in fig["layout"].get("annotations", [])
            if a.get("name") == f"label:{kind}"]


def _points(fig) -> dict[int, tuple[float, float]]:
    """Row -> drawn (x, y) of every base-layer point."""
    out = {}
    for t in fig["data"]:
        if t.get("type") == "scattergl" and "customdata" in t and t.get("name") not in ("matches", "king"):
            for r, x, y in zip(decode(t["customdata"]), decode(t["x"]), decode(t["y"])):
                out.setdefault(int(r), (float(x), float(y)))
    return out


@pytest.fixture
def no_projection(monkeypatch):
    """Fail the test if anything computes a projection."""
    def refuse(*a, **k):
        raise AssertionError(f"computed a projection: {a[1:3]}")
    monkeypatch.setattr(embviz, "project", refuse)


def test_opens_on_the_shipped_tsne_map_with_named_regions_and_its_faithfulness(demo, no_projection):
    at = app()
    assert not at.exception, at.exception
    assert at.title[0].value == "Explore"
    (fig,) = figures(at)
    assert n_points(fig) == len(demo) == 20_000
    assert "t-SNE 2-D" in fig["layout"]["title"]["text"]
    shipped = shipped_projection(demo, "tsne", 2).coords
    drawn = _points(fig)
    rows = np.array(sorted(drawn))
    assert np.allclose(np.array([drawn[r] for r in rows]), shipped[rows], atol=1e-3)  # the shipped map, as is
    assert all(t["x"]["dtype"] == "f4" for t in fig["data"] if t["type"] == "scattergl")  # typed arrays
    regions, words = _labels(fig, "region"), _labels(fig, "word")
    assert len(regions) >= 20 and all(r.count(" · ") >= 1 for r in regions)  # 600 px assumed without a browser
    assert 20 <= len(words) <= 30
    q = shipped_maps_meta(demo)["maps"]["tsne2"]["quality"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Trustworthiness": f"{q['trustworthiness@10']:.3f}", "kNN recall": f"{q['knn_recall@10']:.3f}"}
    assert any("k = 10" in c for c in texts(at, "caption"))
    assert any("t-SNE keeps neighbours best on this table" in c for c in texts(at, "caption"))


def test_pca_is_one_click_away_and_shipped_too(no_projection):
    at = app()
    at.segmented_control(key="explore_method").set_value("pca").run()
    assert not at.exception, at.exception
    (fig,) = figures(at)
    assert "PCA 2-D" in fig["layout"]["title"]["text"] and "% of variance" in fig["layout"]["title"]["text"]
    q = shipped_maps_meta()["maps"]["pca2"]["quality"]
    assert {m.label: m.value for m in at.metric}["Trustworthiness"] == f"{q['trustworthiness@10']:.3f}"
    assert at.query_params["method"] == "pca"


def test_search_draws_the_word_and_its_neighbours_with_labels(demo):
    at = app()
    at.text_input(key="explore_query").input("king").run()
    assert not at.exception
    (fig,) = figures(at)
    expected = _cosine_oracle(demo, "king", 10)
    drawn = [demo.keys[i] for i in decode(trace(fig, "neighbours of king")["customdata"])]
    assert drawn == expected
    assert [demo.keys[i] for i in decode(trace(fig, "king")["customdata"])] == ["king"]
    assert _labels(fig, "query") == ["king"] and set(_labels(fig, "neighbor")) <= set(expected)
    assert len(_labels(fig, "neighbor")) >= 8
    assert at.dataframe[0].value["word"].tolist() == expected


def test_a_sample_keeps_the_searched_word_and_its_neighbours(demo):
    at = app()
    key = f"explore_limit_tsne_{demo.fingerprint()[:8]}_whole"
    at.number_input(key=key).set_value(500).run()
    at.text_input(key="explore_query").input("zebra").run()
    assert not at.exception
    (fig,) = figures(at)
    assert 500 <= len(_points(fig)) <= 511  # the sample, and the searched words it lacked
    drawn = [demo.keys[i] for i in decode(trace(fig, "neighbours of zebra")["customdata"])]
    assert len(drawn) == 10 and _labels(fig, "query") == ["zebra"]
    assert "Sample: 500 of 20,000 points (random)" in [a["text"].split(" + ")[0] for a in fig["layout"]["annotations"]]


def test_unknown_word_suggests_and_highlights_substrings():
    at = app()
    at.text_input(key="explore_query").input("kingg").run()
    assert not at.exception
    msgs = " ".join(texts(at, "warning") + texts(at, "info"))
    assert "'kingg' not present; did you mean 'king'" in msgs
    assert trace(figures(at)[0], "neighbours of kingg") is None


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


def test_reruns_for_colour_search_and_labels_never_reproject(monkeypatch):
    at = app()
    calls = []
    real = embviz.project
    monkeypatch.setattr(embviz, "project", lambda *a, **k: calls.append(a[1:3]) or real(*a, **k))
    at.selectbox(key="explore_color").select("pos").run()
    at.text_input(key="explore_query").input("river").run()
    at.number_input(key="explore_labels").set_value(100).run()
    at.text_input(key="explore_pins").input("red, green").run()
    at.segmented_control(key="explore_dims").set_value("3-D").run()  # shipped too
    assert not at.exception and calls == []
    at.segmented_control(key="explore_dims").set_value("2-D").run()
    at.segmented_control(key="explore_method").set_value("pca").run()
    at.toggle(key="explore_p_pca_whiten").set_value(True).run()
    assert calls == [("pca", 2)]  # a new projection is computed only when it must be
    at.selectbox(key="explore_color").select("lexname").run()
    assert calls == [("pca", 2)]


def test_category_colours_are_the_same_on_samples_and_methods(demo):
    def colours(at):
        return {t["name"]: t["marker"]["color"] for t in figures(at)[0]["data"] if t["type"] == "scattergl"}

    at = app()
    at.selectbox(key="explore_color").select("pos").run()
    whole = colours(at)
    assert set(whole) >= set(demo.metadata["pos"].value_counts().index[:4])
    at.number_input(key=f"explore_limit_tsne_{demo.fingerprint()[:8]}_whole").set_value(3000).run()
    at.segmented_control(key="explore_method").set_value("pca").run()
    at.number_input(key=f"explore_limit_pca_{demo.fingerprint()[:8]}_whole").set_value(700).run()
    sample = colours(at)
    assert n_points(figures(at)[0]) == 700
    assert {v: sample[v] for v in sample if v in whole} == {v: whole[v] for v in sample if v in whole}
    at.selectbox(key="explore_color").select("zipf").run()
    assert figures(at)[0]["data"][1]["marker"]["colorbar"]["title"]["text"] == "zipf"


def test_sampling_draws_rows_of_the_whole_map_and_says_so(demo, no_projection):
    at = app()
    at.number_input(key=f"explore_limit_tsne_{demo.fingerprint()[:8]}_whole").set_value(5000).run()
    assert not at.exception
    (fig,) = figures(at)
    assert n_points(fig) == 5000
    assert "Sample: 5,000 of 20,000 points (random)" in [a["text"] for a in fig["layout"]["annotations"]]
    drawn = _points(fig)
    sample = demo.sample(5000, seed=0)
    shipped = shipped_projection(demo, "tsne", 2).coords
    row = next(iter(drawn))
    assert np.allclose(drawn[row], shipped[demo.index(sample.keys[row])], atol=1e-3)
    assert _labels(fig, "region")  # the same islands, named


def test_click_selects_a_word_and_lists_its_neighbours(demo):
    at = app()
    (fig,) = figures(at)
    words = trace(fig, "words")
    row = int(decode(words["customdata"])[42])
    curve = fig["data"].index(words)
    at.session_state["explore_chart"] = {"selection": {"points": [{"curve_number": curve, "point_index": 42}],
                                                       "point_indices": [42], "box": [], "lasso": []}}
    at.run()
    assert not at.exception
    assert at.text_input(key="explore_query").value == demo.keys[row]
    assert at.dataframe[0].value["word"].tolist() == _cosine_oracle(demo, demo.keys[row], 10)
    at.button(key="explore_clear_sel").click().run()
    assert at.text_input(key="explore_query").value == ""
    assert at.session_state["explore_chart_gen"] == 1  # a fresh chart: the outline is gone too


def test_box_selection_shows_a_table_isolates_and_clears(demo):
    at = app()
    (fig,) = figures(at)
    rows = decode(fig["data"][1]["customdata"])[:40]
    at.session_state["explore_chart"] = {"selection": {
        "points": [{"curve_number": 1, "point_index": int(i)} for i in range(40)],
        "point_indices": list(range(40)), "box": [{"x": [0, 1], "y": [0, 1]}], "lasso": []}}
    at.run()
    assert not at.exception
    words = [demo.keys[i] for i in rows]
    sel_table = next(d.value for d in at.dataframe if "word" in d.value.columns and len(d.value) == 40)
    assert sel_table["word"].tolist() == words
    at.button(key="explore_isolate_btn").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (fig,) = figures(at)
    assert n_points(fig) == 40 and "t-SNE" in fig["layout"]["title"]["text"]  # perplexity lowered for 40
    at.button(key="explore_unisolate").click().run()
    assert n_points(figures(at)[0]) == 20_000


def test_zoom_box_frames_a_window_and_places_its_labels_again():
    at = app()
    at.segmented_control(key="explore_drag").set_value("zoom").run()
    (fig,) = figures(at)
    assert fig["layout"]["dragmode"] == "select"
    xr, yr = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    box = {"x": [xr[0] + 0.55 * (xr[1] - xr[0]), xr[0] + 0.75 * (xr[1] - xr[0])],
           "y": [yr[0] + 0.45 * (yr[1] - yr[0]), yr[0] + 0.65 * (yr[1] - yr[0])]}
    at.session_state["explore_chart"] = {"selection": {"points": [], "point_indices": [], "box": [box], "lasso": []}}
    at.run()
    assert not at.exception
    (fig,) = figures(at)
    zx, zy = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
    assert zx[1] - zx[0] < 0.5 * (xr[1] - xr[0])
    inside = [a for a in fig["layout"]["annotations"] if a.get("name") == "label:word"
              and zx[0] <= a["x"] <= zx[1] and zy[0] <= a["y"] <= zy[1]]
    assert len(inside) >= 20  # the window's own words, not the whole map's labels
    at.button(key="explore_zoom_out").click().run()
    assert figures(at)[0]["layout"]["xaxis"]["range"] == xr


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
    assert 1 <= len(trace(fig, "labels")["text"]) <= 5  # 3-D: a third of the labels, spread
    assert len(decode(trace(fig, "matches")["customdata"])) == 2
    assert at.query_params["q"] == "queen" and at.query_params["color"] == "pos"


def test_a_link_without_a_method_keeps_the_first_map():
    at = app({"q": "paris"})
    assert "t-SNE" in figures(at)[0]["layout"]["title"]["text"]


def test_url_written_back_as_the_view_changes():
    at = app()
    at.text_input(key="explore_query").input("paris").run()
    at.selectbox(key="explore_color").select("lexname").run()
    assert at.query_params["q"] == "paris" and at.query_params["color"] == "lexname"


@pytest.mark.parametrize("query,needle", [
    ({"dims": "9"}, "'dims' must be 2 or 3"),
    ({"method": "tnse"}, "'method' is 'tnse'"),
    ({"method": "pca", "p.perplexityy": "30"}, "'p.perplexityy' is not a parameter of PCA"),
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
    at.button(key="explore_exit").click().run()
    assert at.title[0].value == "Explore"


@pytest.mark.parametrize("choice", ["distortion (per point)", "cluster (map regions)"])
def test_colour_by_distortion_or_the_maps_regions(choice, demo):
    at = app()
    at.number_input(key=f"explore_limit_tsne_{demo.fingerprint()[:8]}_whole").set_value(2000).run()
    at.selectbox(key="explore_color").select(choice).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (fig,) = figures(at)
    if choice.startswith("distortion"):
        values = decode(trace(fig, "neighbours kept")["marker"]["color"])
        assert 0.0 <= values.min() and values.max() <= 1.0 and values.std() > 0  # a real per-point measure
    else:
        names = {t["name"] for t in fig["data"] if t["type"] == "scattergl"}
        assert len(names) == 13 and any(" · " in n for n in names)  # 12 named islands and the rest


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(1)
    centres = rng.normal(size=(4, 16)) * 3
    truth = np.repeat(np.arange(4), 75)
    meta = pd.DataFrame({"group": [f"g{g}" for g in truth], "rank": np.arange(1, 301)})
    return embviz.Embeddings([f"w{i}" for i in range(300)], centres[truth] + rng.normal(size=(300, 16)), meta,
                             name="planted")


def test_other_data_computes_its_first_map_once_and_says_why(planted, monkeypatch):
    from streamlit.testing.v1 import AppTest

    calls = []
    real = embviz.project
    monkeypatch.setattr(embviz, "project", lambda *a, **k: calls.append(a[1:3]) or real(*a, **k))
    at = AppTest.from_string(PAGE_SCRIPT.format(page="explore"), default_timeout=240)
    use_table(at, planted)
    at.run()
    assert not at.exception, at.exception
    (fig,) = figures(at)
    assert "t-SNE 2-D" in fig["layout"]["title"]["text"] and calls == [("tsne", 2)]
    assert any("t-SNE: it kept neighbours best" in c for c in texts(at, "caption"))
    metrics = {m.label: float(m.value) for m in at.metric}
    assert metrics["Trustworthiness"] > 0.9  # four planted groups: a faithful map, measured here
    assert any("measured here" in c for c in texts(at, "caption"))
    at.selectbox(key="explore_color").select("group").run()
    assert calls == [("tsne", 2)]


def test_a_searched_word_is_placed_on_a_sample_map_not_mapped_again(planted, monkeypatch):
    from streamlit.testing.v1 import AppTest

    calls = []
    real = embviz.project
    monkeypatch.setattr(embviz, "project", lambda *a, **k: calls.append(len(a[0])) or real(*a, **k))
    at = AppTest.from_string(PAGE_SCRIPT.format(page="explore"), default_timeout=240)
    use_table(at, planted)
    at.session_state["explore_method"] = "pca"
    at.session_state[f"explore_limit_pca_{planted.fingerprint()[:8]}_fit"] = 120
    at.run()
    assert not at.exception and calls == [120]
    sample = set(planted.sample(120, seed=0).keys)  # the page's sample
    assert len(_points(figures(at)[0])) == 120
    word = next(k for k in planted.keys if k not in sample)
    at.text_input(key="explore_query").input(word).run()
    assert not at.exception, at.exception
    fig = figures(at)[0]
    assert calls == [120]  # the sample's map was not computed again
    assert len(decode(trace(fig, word)["customdata"])) == 1 and _labels(fig, "query") == [word]
    assert len(decode(trace(fig, f"neighbours of {word}")["customdata"])) == 10
    assert any("placed on its map" in a["text"] for a in fig["layout"]["annotations"])


def test_a_tiny_table_opens_on_pca_and_says_why():
    from streamlit.testing.v1 import AppTest

    rng = np.random.default_rng(0)
    tiny = embviz.Embeddings([f"t{i}" for i in range(20)], rng.normal(size=(20, 5)), name="tiny")
    at = AppTest.from_string(PAGE_SCRIPT.format(page="explore"), default_timeout=120)
    use_table(at, tiny)
    at.run()
    assert not at.exception, at.exception
    assert "PCA 2-D" in figures(at)[0]["layout"]["title"]["text"]
    assert any("too few for t-SNE" in c for c in texts(at, "caption"))
