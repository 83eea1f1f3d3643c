"""A method registered once appears in every page that offers methods (Explore, Compare, Clusters,
Models, Analogies) with no page touched; a registered clustering method is offered, with a widget
per parameter from its spec, and runs on the Clusters page."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from embviz import Embeddings
from embviz.cluster_methods import CLUSTERERS, Clusterer, register_clusterer
from embviz.params import ParamSpec
from embviz.reduce.base import REDUCERS, Fit, Reducer, register
from tests.app.helpers import PAGE_SCRIPT, app, figures, texts, use_table

LABEL = "First columns (test)"


@pytest.fixture
def dummy_reducer():
    @register
    class FirstColumns(Reducer):
        name, label = "firstcols", LABEL
        description = "The first columns of the vectors (a method that exists only in this test)."
        PARAMS = [ParamSpec("scale", "float", 1.0, low=0.1, high=10, help="Multiplies the columns.")]

        def fit(self, x, dims, seed, params, progress):
            return Fit(np.ascontiguousarray(x[:, :dims] * params["scale"], dtype=np.float32))

    try:
        yield FirstColumns
    finally:
        REDUCERS.pop("firstcols", None)


def page(name: str) -> AppTest:
    return AppTest.from_string(PAGE_SCRIPT.format(page=name), default_timeout=180)


def labels_of(widget) -> list[str]:
    return [str(o) for o in widget.options]


def test_a_registered_reducer_is_offered_by_every_page(dummy_reducer):
    at = app()  # Explore
    assert not at.exception, at.exception
    assert LABEL in labels_of(at.segmented_control(key="explore_method"))

    at = page("compare").run()
    assert not at.exception, at.exception
    offered = labels_of(at.multiselect(key="compare_methods"))
    assert LABEL in offered and "Formula axes" not in offered  # axes read columns: no map to compare

    at = page("clusters").run()
    assert not at.exception, at.exception
    maps = labels_of(at.segmented_control(key="clusters_projection"))
    assert maps[:3] == ["t-SNE", "UMAP", "PCA"] and maps[-1] == LABEL and "Formula axes" not in maps

    at = page("models").run()
    assert not at.exception, at.exception
    maps = labels_of(at.selectbox(key="models_method"))
    assert maps[:3] == ["PCA", "t-SNE", "UMAP"] and LABEL in maps

    at = page("analogies").run()
    at.segmented_control(key="analogies_view").set_value("Frequent-words map").run()
    assert not at.exception, at.exception
    maps = labels_of(at.selectbox(key="analogies_map_method"))
    assert maps[:3] == ["PCA", "UMAP", "t-SNE"] and LABEL in maps
    from embviz.app.pages import analogies

    assert "firstcols" in analogies.VIEW_KEYS["map_method"]  # a saved view may hold it


def test_an_unregistered_reducer_is_gone_again():
    assert "firstcols" not in REDUCERS
    at = page("clusters").run()
    assert not at.exception
    assert LABEL not in labels_of(at.segmented_control(key="clusters_projection"))


# -- clustering methods --------------------------------------------------------------------------
@pytest.fixture
def bands():
    @register_clusterer
    class Bands(Clusterer):
        name, label, menu = "bands", "Bands", "Equal bands"
        description = "Equal slices of the points along their first coordinate (a test method)."
        PARAMS = [ParamSpec("bands", "int", 3, low=2, high=50, help="How many slices."),
                  ParamSpec("order", "choice", "up", choices=("up", "down"), help="Which slice is first.")]

        @classmethod
        def fit(cls, x, metric, seed, progress, params):
            n = params.get("bands", 3)
            rank = np.argsort(np.argsort(x[:, 0], kind="stable"), kind="stable")
            labels = rank * n // len(x)
            return (labels if params.get("order", "up") == "up" else n - 1 - labels), {"bands": n}, {}, False

    try:
        yield Bands
    finally:
        CLUSTERERS.pop("bands", None)


@pytest.fixture
def table() -> Embeddings:
    rng = np.random.default_rng(5)
    vecs = rng.normal(size=(240, 12))
    keys = [f"w{i}" for i in range(240)]
    return Embeddings(keys, vecs, pd.DataFrame({"rank": np.arange(1, 241)}), name="twelve")


def test_a_registered_clusterer_is_offered_with_its_parameters_and_runs(bands, table, monkeypatch):
    from embviz.app import common

    # the worker processes know only the package's methods: run the grouping in this process
    monkeypatch.setattr(common, "run_with_progress", lambda label, fn, *a, **k: fn(*a, progress=None, **k))
    at = page("clusters")
    use_table(at, table)
    at.session_state["clusters_projection"] = "pca"  # computed here, nothing in the pool
    at.run()
    assert not at.exception, at.exception
    offered = labels_of(at.selectbox(key="clusters_method"))
    assert offered[0].startswith("Islands") and "Equal bands on the vectors" in offered
    at.selectbox(key="clusters_method").set_value("bands").run()
    assert not at.exception, at.exception
    assert not texts(at, "error"), texts(at, "error")
    box = at.number_input(key="clusters_p_bands_bands")  # from the spec: label, bounds, default, help
    assert box.label == "bands" and box.value == 3 and box.min == 2 and box.max == 50
    assert at.selectbox(key="clusters_p_bands_order").options == ["up", "down"]
    assert {m.label: m.value for m in at.metric}["Groups"] == "3"
    box.set_value(6).run()
    assert not at.exception and {m.label: m.value for m in at.metric}["Groups"] == "6"
    table_shown = at.dataframe[0].value
    assert table_shown["size"].tolist() == [40] * 6
    assert figures(at)[0]["layout"]["title"]["text"].startswith("Equal bands on the vectors · PCA")
    from embviz.app.pages import clusters

    assert clusters.VIEW_KEYS["p_bands_bands"] == (2, 50) and "bands" in clusters.VIEW_KEYS["method"]


def test_kmeans_k_is_a_number_or_auto_and_older_saved_names_still_open(table, monkeypatch):
    from embviz.app import common

    monkeypatch.setattr(common, "run_with_progress", lambda label, fn, *a, **k: fn(*a, progress=None, **k))
    at = page("clusters")
    use_table(at, table)
    at.session_state["clusters_projection"] = "pca"
    at.session_state["clusters_method"] = "kmeans"
    at.session_state["clusters_k"] = 7  # a deck saved before the widgets came from the registry
    at.run()
    assert not at.exception, at.exception
    k = at.text_input(key="clusters_p_kmeans_k")
    assert k.value == "7" and {m.label: m.value for m in at.metric}["Groups"] == "7"
    k.input("auto").run()
    assert not at.exception, at.exception
    assert any("k chosen by silhouette" in c for c in texts(at, "caption"))
    assert not any("Using" in w for w in texts(at, "warning"))
    k.input("zero").run()
    assert any("'k' parameter of KMeans must be 'auto' or an int" in w for w in texts(at, "warning"))
