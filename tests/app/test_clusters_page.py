"""Clusters page through AppTest: the real page, the real package, small planted data and the demo."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score
from streamlit.testing.v1 import AppTest

from embviz import Embeddings
from tests.app.helpers import PAGE_SCRIPT, decode, figures, texts, use_table


@pytest.fixture(scope="module")
def planted():
    """400 words in 4 planted groups (cosine geometry), named g<group>_<i>."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(4, 24))
    truth = np.repeat(np.arange(4), [160, 110, 80, 50])
    vecs = centres[truth] + 0.3 * rng.normal(size=(len(truth), 24))
    keys = [f"g{g}_{i}" for i, g in enumerate(truth)]
    return Embeddings(keys, vecs, pd.DataFrame({"rank": np.arange(1, len(keys) + 1)}), name="planted"), truth


def page(emb: Embeddings | None = None) -> AppTest:
    at = AppTest.from_string(PAGE_SCRIPT.format(page="clusters"), default_timeout=180)
    if emb is not None:  # as if the user had trained it: the sidebar shows it as the active data
        use_table(at, emb)
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def map_traces(at: AppTest) -> list[dict]:
    fig = figures(at)[0]
    return [t for t in fig["data"] if t.get("mode") == "markers"]


def test_kmeans_recovers_the_planted_groups_and_draws_them(planted):
    emb, truth = planted
    at = page(emb)
    at.session_state["clusters_method"] = "kmeans"
    at.session_state["clusters_p_kmeans_k"] = "4"
    at.run()
    assert not at.exception, at.exception
    assert metrics(at)["Groups"] == "4"
    traces = map_traces(at)
    assert len(traces) == 4
    labels = np.full(len(emb), -1)
    for j, t in enumerate(traces):
        labels[decode(t["customdata"]).astype(int)] = j
    assert adjusted_rand_score(truth, labels) > 0.95  # every point drawn, in its planted group
    sizes = sorted(int(t["name"].rsplit("(", 1)[1].rstrip(")")) for t in traces)
    assert sizes == [50, 80, 110, 160]
    fig = figures(at)[0]
    assert fig["layout"]["legend"]["itemclick"] == "toggleothers"
    assert sum(1 for t in fig["data"] if t.get("fill") == "toself") == 4  # four compact islands, shaded
    table = at.dataframe[0].value
    assert table["size"].tolist() == [160, 110, 80, 50]
    assert table["map agreement"].between(0, 1).all()
    # each cluster is named after its own group's words
    for name in table["name"]:
        assert len({w.split("_")[0] for w in name.split(" · ")}) == 1


def test_select_and_rename_a_cluster(planted):
    emb, _ = planted
    at = page(emb)
    at.session_state["clusters_method"] = "kmeans"
    at.session_state["clusters_p_kmeans_k"] = "4"
    at.run()
    at.selectbox(key="clusters_selected").set_value(2).run()
    assert not at.exception
    members = at.dataframe[1].value
    assert len(members) == 80 and members["closeness to centre"].is_monotonic_decreasing
    at.text_input(key="clusters_rename").input("third group")
    at.button(key="clusters_rename_apply").click().run()
    assert not at.exception
    assert at.dataframe[0].value["name"].tolist()[2] == "third group"
    names = [t["name"] for t in map_traces(at)]
    assert "third group (80)" in names


def test_islands_on_the_map_and_hdbscan_on_the_vectors_say_what_they_did(planted):
    emb, truth = planted
    at = page(emb).run()
    assert not at.exception, at.exception
    assert figures(at)[0]["layout"]["title"]["text"].startswith("Islands on the map")
    assert any("describe the picture" in c for c in texts(at, "caption"))
    m = metrics(at)
    assert int(m["Groups"]) >= 4 and float(m["Map agreement"].rstrip("%")) > 50  # chance: under 10 %
    for members in at.dataframe[0].value.query("label >= 0")["members"]:  # islands never mix planted groups
        assert len({w.split("_")[0] for w in members.split(", ")}) == 1
    at.selectbox(key="clusters_method").set_value("hdbscan").run()
    assert not at.exception
    assert metrics(at)["Groups"] == "4"
    assert any("original vectors" in c for c in texts(at, "caption"))


def test_all_noise_is_an_error_message_not_a_traceback():
    x = np.random.default_rng(0).uniform(size=(60, 8))
    at = page(Embeddings([f"u{i}" for i in range(60)], x)).run()
    at.selectbox(key="clusters_method").set_value("hdbscan").run()
    at.text_input(key="clusters_p_hdbscan_min_cluster_size").input("30").run()
    assert not at.exception
    assert any("every point came out as noise" in e for e in texts(at, "error"))


def test_default_view_on_the_demo_table_is_the_islands_of_the_tsne_map(demo):
    at = page()
    at.run()
    assert not at.exception, at.exception
    m = metrics(at)
    assert int(m["Groups"]) >= 90 and 45 <= int(m["Words in a group"].rstrip("%")) <= 60
    assert float(m["Silhouette (vectors)"]) < 0.1  # said as it is
    purity = next(x for x in at.metric if x.label == "lexname purity")
    assert purity.delta.endswith("× random groups") and float(purity.delta.split("×")[0]) > 2.0
    assert float(m["Map agreement"].rstrip("%")) > 85
    fig = figures(at)[0]
    assert "t-SNE 2-D" in fig["layout"]["title"]["text"]
    traces = map_traces(at)
    assert sum(len(decode(t["customdata"])) for t in traces) == len(demo)
    shaded = sum(1 for t in fig["data"] if t.get("fill") == "toself")
    assert 0 < shaded < int(m["Groups"])  # only compact islands, no hull soup
    names = [a for a in fig["layout"]["annotations"] if a.get("name") == "label:region"]
    assert len(names) >= 8
    assert any("k = 2" in e.value for e in at.markdown)  # the silhouette's choice, said honestly
    assert at.download_button(key="clusters_download") is not None


def test_look_at_one_group_dims_the_rest_and_labels_its_words(demo):
    at = page()
    at.run()
    at.selectbox(key="clusters_selected").set_value(3).run()
    assert not at.exception
    fig = figures(at)[0]
    opacity = {t["name"]: t["marker"]["opacity"] for t in fig["data"] if t.get("mode") == "markers"}
    focus = [n for n in opacity if opacity[n] > 0.5]
    assert len(focus) == 1 and all(v <= 0.35 for n, v in opacity.items() if n not in focus)
    labelled = [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "label:match"]
    members = set(at.dataframe[1].value["word"])
    assert len(labelled) >= 8 and set(labelled) <= members


def test_kmeans_on_the_demo_offers_k_50_and_says_the_silhouette():
    at = page()
    at.session_state["clusters_method"] = "kmeans"
    at.run()
    assert not at.exception
    assert at.text_input(key="clusters_p_kmeans_k").value == "50"  # a number or "auto", from the registry's spec
    assert float(metrics(at)["Silhouette (vectors)"]) < 0.1


def test_another_table_starts_from_its_own_island_sizes(planted):
    at = page()
    at.run()  # the bundled table: islands of at least 50 words
    assert at.number_input(key="clusters_island_size").value == 50
    emb, _ = planted
    use_table(at, emb)  # then a table of 400 words, in the same session
    at.run()
    assert not at.exception and not texts(at, "error"), texts(at, "error")
    from embviz.clustering import default_min_cluster_size

    assert at.number_input(key="clusters_island_size").value == default_min_cluster_size(len(emb))
    assert int(metrics(at)["Groups"]) >= 2
