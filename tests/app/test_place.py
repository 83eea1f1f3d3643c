"""Explore: placing new points on the map on screen, through AppTest on the real dashboard.

A small table of this session (the demo's own vectors for a few words, moved a little) is placed
on the shipped t-SNE map of the bundled table; the oracle of where it lands is the same
interpolation computed here from scikit-learn's exact cosine neighbours."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import embviz
from embviz.app.sources import KEY, Source, plain
from embviz.datasets import shipped_projection
from embviz.reduce.place import NEIGHBOURS
from tests.app.helpers import app, decode, figures, texts

WORDS = ["king", "queen", "river", "music", "doctor"]


@pytest.fixture(scope="module")
def demo():
    return embviz.demo()


def _register(at, emb, kind="trained") -> str:
    """Register ``emb`` as a table made in the session, leaving the active table (the demo) as it is."""
    table = plain(emb)
    sid = f"{kind}:{table.fingerprint()[:12]}"
    store = at.session_state[KEY] if KEY in at.session_state else OrderedDict()
    store[sid] = Source(sid, kind, table.name, table, {})
    at.session_state[KEY] = store
    return sid


def _small(demo, dim=None):
    rng = np.random.default_rng(0)
    if dim is not None:
        return embviz.Embeddings(["a", "b", "c"], rng.normal(size=(3, dim)), name="odd table")
    x = demo.vectors[demo.indices(WORDS)] + rng.normal(scale=0.02, size=(len(WORDS), demo.dim))
    return embviz.Embeddings([f"{w}_new" for w in WORDS], x, name="small table")


def _placed(fig) -> list[dict]:
    return [t for t in fig["data"] if str(t.get("name", "")).startswith("placed ·")]


def test_words_of_a_session_table_are_placed_on_the_shipped_map(demo):
    from sklearn.neighbors import NearestNeighbors

    small = _small(demo)
    at = app()
    _register(at, small)
    at.run()
    assert at.radio(key="explore_place_from").value == "A table of this session"
    box = next(t for t in at.text_input if t.key.startswith("explore_place_words_"))
    assert box.value == ", ".join(small.keys)  # default: the first 30 of the table
    box.input("king_new, queen_new, river_new, kingg").run()
    at.button(key="explore_place_go").click().run()
    assert not at.exception and not at.error
    fig = figures(at)[0]
    layers = _placed(fig)
    xs = np.concatenate([decode(t["x"]) for t in layers])
    ys = np.concatenate([decode(t["y"]) for t in layers])
    assert len(xs) == 3 and all("customdata" not in t for t in layers)
    assert all(t["marker"]["symbol"] == "diamond-open" for t in layers)
    proj = shipped_projection(demo, "tsne", 2)
    nn = NearestNeighbors(n_neighbors=NEIGHBOURS, metric="cosine", algorithm="brute").fit(demo.vectors)
    idx = nn.kneighbors(small.vectors[:3], return_distance=False)
    expected = np.median(proj.coords[idx], axis=1)
    np.testing.assert_allclose(np.c_[np.sort(xs), np.sort(ys)], np.c_[np.sort(expected[:, 0]), np.sort(expected[:, 1])],
                               atol=1e-4)
    labels = [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "label:placed"]
    assert sorted(labels) == ["king_new", "queen_new", "river_new"]
    hover = " ".join(str(h) for t in layers for h in t["hovertext"])
    assert "king" in hover and "queens" in hover and "nearest original points" in hover
    captions = " ".join(texts(at, "caption"))
    assert "placed by neighbour interpolation" in captions and "not kept in saved views or links" in captions
    assert "'kingg' is not in the table" in captions
    table = at.dataframe[0].value
    assert list(table["key"]) == ["king_new", "queen_new", "river_new"]
    assert table["nearest original neighbours"][0].startswith("king (")
    # another visitor's map (the same shared drawing otherwise) shows no placed points
    other = app()
    assert not _placed(figures(other)[0])
    # removing them redraws the map without the layer
    at.button(key="explore_place_clear").click().run()
    assert not _placed(figures(at)[0]) and not at.dataframe


def test_a_table_of_another_dimension_is_refused_with_both_dimensions(demo):
    at = app()
    _register(at, _small(demo, dim=9))
    at.run()
    said = " ".join(texts(at, "info"))
    assert "odd table has vectors of 9 dimensions" in said and "has 128" in said
    assert not [b for b in at.button if b.key == "explore_place_go"]


def test_texts_say_why_they_cannot_be_placed_on_the_bundled_map():
    at = app()
    at.radio(key="explore_place_from").set_value("Texts (transformer)").run()
    said = " ".join(texts(at, "info"))
    assert ("384-dimensional sentence vectors" in said and "128 dimensions" in said) or "transformers extra" in said
    assert not [b for b in at.button if b.key == "explore_place_go"]


def test_texts_are_placed_on_a_map_of_embedded_texts():
    from embviz import encode

    if encode.missing_extra():
        pytest.skip(encode.missing_extra())
    texts_table = encode.embed_texts([f"sentence number {i} about {w}" for i, w in
                                      enumerate(["cats", "dogs", "stocks", "bonds", "rain", "snow"] * 10)])
    at = app()
    from tests.app.helpers import use_table

    use_table(at, texts_table, "texts")
    at.run()
    at.radio(key="explore_place_from").set_value("Texts (transformer)").run()
    at.text_area(key="explore_place_texts").input("a kitten\nthe bond market").run()
    at.button(key="explore_place_go").click().run()
    assert not at.exception and not at.error
    layers = _placed(figures(at)[0])
    assert sum(len(decode(t["x"])) for t in layers) == 2
    assert list(at.dataframe[0].value["key"]) == ["a kitten", "the bond market"]
