"""Compare page through AppTest: real page, real reducers, a small planted set."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import embviz
from embviz import Embeddings
from embviz.datasets import shipped_maps_meta, shipped_projection
from tests.app.helpers import PAGE_SCRIPT, decode, figures, on_screen, texts, use_table


@pytest.fixture(scope="module")
def planted() -> Embeddings:
    rng = np.random.default_rng(5)
    centres = rng.normal(size=(3, 20))
    truth = np.repeat(np.arange(3), 60)
    vecs = centres[truth] + 0.3 * rng.normal(size=(len(truth), 20))
    meta = pd.DataFrame({"group": [f"g{g}" for g in truth], "rank": np.arange(1, 181)})
    return Embeddings([f"w{i}" for i in range(180)], vecs, meta, name="planted")


def page(emb: Embeddings | None) -> AppTest:
    at = AppTest.from_string(PAGE_SCRIPT.format(page="compare"), default_timeout=300)
    if emb is not None:
        use_table(at, emb)
    return at.run()


def test_opens_on_the_shipped_maps_of_every_word_aligned_and_scored(demo, monkeypatch):
    def refuse(*a, **k):
        raise AssertionError(f"computed a projection: {a[1:3]}")
    monkeypatch.setattr(embviz, "project", refuse)
    at = page(None)
    assert not at.exception, at.exception
    maps = [f for f in figures(at) if any(t.get("type") == "scattergl" for t in f["data"]) and not f.get("frames")]
    assert [m["layout"]["title"]["text"].split(" · ")[0] for m in maps] == ["PCA", "t-SNE", "UMAP"]
    pca, tsne = shipped_projection(demo, "pca", 2), shipped_projection(demo, "tsne", 2)
    expected = embviz.align(pca, tsne).coords
    words = next(t for t in maps[1]["data"] if t.get("name") == "words")
    rows = decode(words["customdata"]).astype(int)
    assert len(rows) == 20_000
    assert np.allclose(np.c_[decode(words["x"]), decode(words["y"])], expected[rows], atol=1e-3)  # turned to PCA
    for fig in maps:  # each map names its islands where they are after turning
        regions = [a for a in fig["layout"]["annotations"] if a.get("name") == "label:region"]
        xr, yr = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
        assert len(regions) >= 5 and all(xr[0] <= a["x"] <= xr[1] and yr[0] <= a["y"] <= yr[1] for a in regions)
    table = at.dataframe[0].value
    assert table["method"].tolist() == ["PCA", "t-SNE", "UMAP"]
    meta = shipped_maps_meta(demo)["maps"]
    assert table["trustworthiness@10"].tolist() == [meta[f"{m}2"]["quality"]["trustworthiness@10"]
                                                   for m in ("pca", "tsne", "umap")]
    assert any("nothing computed" in c for c in texts(at, "caption"))


def run_compare(at: AppTest, methods=("pca", "umap"), colour="group") -> AppTest:
    at.multiselect(key="compare_methods").set_value(list(methods))
    at.selectbox(key="compare_colour").select(colour)
    at.button(key="compare_run").click()
    return at.run()


def test_waits_for_compare_then_draws_aligned_maps_scores_and_animation(planted):
    at = page(planted)
    assert not at.exception and not figures(at)
    assert any("press **Compare**" in i.value for i in at.info)
    at = run_compare(at)
    assert not at.exception, at.exception
    figs = figures(at)
    maps = [f for f in figs if any(t.get("type") == "scattergl" for t in f["data"])]
    assert len(maps) == 2
    for fig in maps:  # same colours: one trace per group, same names
        assert sorted(t["name"] for t in fig["data"] if t.get("type") == "scattergl") == ["g0", "g1", "g2"]
    table = at.dataframe[0].value
    assert list(table["method"]) == ["PCA", "UMAP"]
    for col in ("seconds", "trustworthiness@10", "continuity@10", "knn_recall@10", "knn_recall@50", "spearman"):
        assert col in table.columns and table[col].between(-1, 1e6).all()
    # UMAP keeps neighbourhoods better than PCA on clustered data in 20-D
    assert table.loc[1, "knn_recall@10"] > table.loc[0, "knn_recall@10"]
    recall = next(f for f in figs if f["layout"].get("title", {}).get("text") == "kNN recall against k")
    assert [t["name"] for t in recall["data"]] == ["PCA", "UMAP"]
    anim = next(f for f in figs if f.get("frames"))
    assert len(anim["frames"]) == 12 and anim["frames"][-1]["name"] == "UMAP"


def test_a_table_of_eight_words_is_compared_and_scored_at_the_k_it_allows():
    """Found in the browser: 8 words left no k of (5, 10, ...) below n / 2 and the scores crashed."""
    from embviz.faithfulness import quality

    rng = np.random.default_rng(1)
    tiny = Embeddings([f"w{i}" for i in range(8)], rng.normal(size=(8, 4)), name="tiny8")
    at = run_compare(page(tiny), methods=("pca", "tsne"), colour="none")
    assert not at.exception, at.exception
    table = at.dataframe[0].value
    assert list(table["method"]) == ["PCA", "t-SNE"] and "trustworthiness@3" in table.columns
    pca = embviz.project(tiny, "pca", dims=2)
    assert table.loc[0, "trustworthiness@3"] == pytest.approx(quality(tiny, pca, k=3)["trustworthiness@3"], abs=5e-5)


def test_selection_highlights_in_every_map_and_isolates(planted):
    at = run_compare(page(planted), methods=("pca", "tsne"))
    assert not at.exception
    first = next(i for i, t in enumerate(figures(at)[0]["data"]) if "customdata" in t)
    rows = [int(v) for v in decode(figures(at)[0]["data"][first]["customdata"])[:15]]
    at.session_state["compare_map_0"] = {"selection": {"points": [{"curve_number": first, "point_index": i} for i in range(15)],
                                                      "point_indices": list(range(15)), "box": [], "lasso": []}}
    at.session_state["compare_selected"] = [planted.keys[r] for r in rows]
    at = at.run()
    assert not at.exception
    for fig in figures(at)[:2]:
        hl = next(t for t in fig["data"] if t.get("name") == "matches")
        assert sorted(int(v) for v in decode(hl["customdata"])) == sorted(rows)
    at.button(key="compare_isolate").click()
    at = at.run()
    assert not at.exception
    assert any("15 isolated points" in c.value for c in at.caption)
    assert at.dataframe[0].value["method"].tolist() == ["PCA", "t-SNE"]


def test_bad_parameter_is_an_error_message_not_a_traceback(planted):
    at = page(planted)
    at.multiselect(key="compare_methods").set_value(["pca", "umap"])
    at.number_input(key="compare_p_umap_n_neighbors").set_value(500)
    at.button(key="compare_run").click()
    at = at.run()
    assert not at.exception
    assert any("'n_neighbors' parameter of UMAP" in e for e in texts(at, "error"))
    assert at.dataframe[0].value["method"].tolist() == ["PCA"]


def test_presenting_shows_one_full_width_map_at_a_time_and_switching_morphs():
    at = AppTest.from_string(PAGE_SCRIPT.format(page="compare"), default_timeout=300)
    at.session_state["present"] = True
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception, at.exception
    maps = [f for f in figures(on_screen(at, "compare_present"))
            if any(t.get("type") in ("scattergl", "scatter") for t in f["data"])
            and not f.get("frames") and "·" in (f["layout"].get("title") or {}).get("text", "")]
    assert len(maps) == 1 and maps[0]["layout"]["title"]["text"].startswith("PCA")
    ahead = [f["layout"]["title"]["text"] for f in figures(at) if f not in maps and "·" in str(f["layout"].get("title"))]
    assert len(ahead) == 1 and ahead[0].startswith("t-SNE")  # the next map, drawn ahead (hidden)
    w, h = maps[0]["layout"]["meta"]["present"]
    assert w > 1200 and h < 1080  # the whole width of the window, below its height
    assert any("1 / 3 · PCA" in m for m in texts(at, "markdown"))  # stepped like slides
    at.button(key="compare_present_step_next").click().run()
    assert not at.exception, at.exception
    maps = [f for f in figures(on_screen(at, "compare_present")) if "·" in (f["layout"].get("title") or {}).get("text", "")]
    assert len(maps) == 1 and maps[0]["layout"]["title"]["text"].startswith("t-SNE")
    assert at.session_state["compare_present_count"] == 1  # a morph was sent to the browser
