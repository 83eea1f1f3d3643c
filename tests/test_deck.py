"""Decks, slide contents, projector styling, morphs and the offline talk (no streamlit)."""
from __future__ import annotations

import base64
import doctest
import json
import re

import numpy as np
import plotly.graph_objects as go
import pytest

from embviz import deck as deck_mod
from embviz import lecture, slides, talk, views
from embviz.app.state import MAX_VIEWS, View, dump_views, load_views
from embviz.deck import Deck, DeckError, learn_slide, learn_step
from embviz.errors import EmbvizError
from embviz.figures import style


@pytest.mark.parametrize("module", [deck_mod, style, slides, talk, lecture])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def _five() -> Deck:
    d = Deck(title="Five")
    for i, page in enumerate(["explore", "analogies", "compare", "clusters", "train"]):
        d.add(View(page=page, name=f"slide {i + 1}", note=f"note {i + 1}", settings={"k": i}))
    return d


# -- the deck ----------------------------------------------------------------------------------------
def test_reorder_rename_note_delete_add():
    d = _five()
    assert d.move(0, 2) == 2 and [v.name for v in d] == ["slide 2", "slide 3", "slide 1", "slide 4", "slide 5"]
    assert d.move(4, 10) == 4 and d.move(0, -3) == 0  # clamped at the ends
    d.rename(1, "  Compare three methods  ")
    d.set_note(1, "say why t-SNE tears")
    assert (d[1].name, d[1].note) == ("Compare three methods", "say why t-SNE tears")
    d.rename(1, "")
    assert d[1].name == "Slide 2"  # an empty title gets a name, never nothing
    gone = d.delete(3)
    assert gone.name == "slide 4" and len(d) == 4
    assert d.add(learn_slide(5, "Parallelogram"), at=0) == 0 and learn_step(d[0]) == 5
    assert d.next_title(0) == "slide 2" and d.next_title(len(d) - 1) == ""


def test_added_views_are_copies():
    v = View(page="analogies", settings={"expr": "king - man + woman"}, highlight=["a"])
    d = Deck()
    d.add(v)
    v.settings["expr"], v.highlight[0] = "changed", "b"
    assert d[0].settings["expr"] == "king - man + woman" and d[0].highlight == ["a"]


@pytest.mark.parametrize("call", [lambda d: d.move(7, 1), lambda d: d.delete(-1), lambda d: d.rename(5, "x"),
                                  lambda d: d.set_note(1, 3), lambda d: learn_slide(0, "x")])
def test_bad_operations_are_clear_errors(call):
    with pytest.raises(DeckError) as info:
        call(_five())
    assert isinstance(info.value, EmbvizError) and isinstance(info.value, ValueError)
    assert re.search(r"slide|step|note", str(info.value))


def test_deck_json_round_trip_keeps_order_titles_notes_and_settings():
    d = _five()
    d.move(4, -4)
    d.add(learn_slide(3, "Neighbours", "pick a word"))
    back, problems = Deck.from_json(d.to_json())
    assert problems == [] and back == d
    assert [v.page for v in back][:2] == ["train", "explore"] and back[5].settings == {"step": 3}


def test_saved_views_files_open_as_decks_and_decks_as_saved_views():
    old = dump_views([View(method="umap", name="UMAP"), View(dims=3, name="3-D")])  # written before decks
    d, problems = Deck.from_json(old)
    assert problems == [] and [v.name for v in d] == ["UMAP", "3-D"] and d.title == deck_mod.DEFAULT_TITLE
    views, problems = load_views(_five().to_json())
    assert problems == [] and [v.note for v in views] == [f"note {i}" for i in range(1, 6)]


@pytest.mark.parametrize("text,needle", [
    ("{", "not valid JSON"),
    ('{"slides": []}', 'a "views" list'),
    (json.dumps({"views": [{}] * (MAX_VIEWS + 1)}), f"limit is {MAX_VIEWS}"),
    ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
])
def test_unreadable_deck_files_raise_deck_errors(text, needle):
    with pytest.raises(DeckError, match=needle):
        Deck.from_json(text)


def test_hostile_values_in_a_deck_file_are_data_or_dropped():
    doc = {"title": ["not", "text"], "views": [{
        "page": "analogies", "name": "<script>x</script>", "note": "n" * 5000,
        "settings": {"expr": "__import__('os').system('true')", "bad key!": 1, "nan": float("nan"),
                     "big": 10 ** 20, "deep": {"a": {"b": {"c": {"d": 1}}}}, "obj": {"k": [1, "x", None]}},
        "page_extra": 1}]}
    d, problems = Deck.from_json(json.dumps(doc))
    v = d[0]
    assert v.name == "<script>x</script>" and len(v.note) == 2000  # text stays text, cut to its limit
    assert v.settings == {"expr": "__import__('os').system('true')", "deep": {"a": {"b": {}}},
                          "obj": {"k": [1, "x", None]}}
    assert d.title == deck_mod.DEFAULT_TITLE
    joined = " | ".join(problems)
    for needle in ("unknown field 'page_extra'", "'bad key!' is not a name", "'nan' is not a finite number",
                   "'big' is too large", "'c' nests too deep", "deck title must be text"):
        assert needle in joined, joined


# -- projector styling -----------------------------------------------------------------------------
def _text_sizes(fig: go.Figure) -> list[float]:
    """Every font size a projector shows for ``fig``; an unset one is the layout's font size, as
    Plotly resolves it (the browser test reads the sizes Plotly really drew with)."""
    lay = fig.layout
    base = lay.font.size
    res = lambda v: base if v is None else v
    sizes = [base, res(lay.legend.font.size), res(lay.hoverlabel.font.size)]
    for name in [k for k in lay.to_plotly_json() if re.match(r"[xy]axis\d*$", k)]:
        if lay[name].showticklabels is not False:
            sizes.append(res(lay[name].tickfont.size))
    for t in fig.data:
        if t.type in ("scatter", "scattergl") and "text" in (t.mode or ""):
            sizes += list(np.ravel(res(t.textfont.size)))
        if t.type == "bar" and t.text is not None:
            sizes.append(res(t.textfont.size))
    sizes += [res(a.font.size) for a in lay.annotations if a.text]
    return [float(s) for s in sizes]


def _figures(blobs):
    from plotly.subplots import make_subplots

    from embviz.figures.clusters import cluster_map
    from embviz.figures.scatter import scatter
    from embviz.figures.training import learning_animation, transfer_figure

    coords = blobs.vectors[:, :2]
    heat = go.Figure(go.Heatmap(z=np.eye(4), y=["a", "b", "c", "d"]))
    sub = make_subplots(rows=1, cols=2)
    sub.add_bar(x=["x", "y"], y=[1, 2], text=["1", "2"], row=1, col=1)
    sub.add_scatter(x=[1, 2], y=[2, 1], row=1, col=2)
    import pandas as pd

    table = pd.DataFrame({"section": ["a", "b"], "questions": [3, 4], "pretrained": [0.5, 0.6], "trained": [0.1, 0.2]})
    return {
        "scatter": scatter(coords, blobs.keys, labels=np.arange(20), query=0, neighbors=[1, 2], note="a note"),
        "clusters": cluster_map(coords, blobs.keys, np.repeat(np.arange(3), 100), {0: "a", 1: "b", 2: "c"}),
        "heatmap": heat, "subplots": sub, "bars": transfer_figure(table),
        "animation": learning_animation([coords, coords + 1], blobs.keys, highlight=["w1", "w2"]),
    }


@pytest.mark.parametrize("name", ["scatter", "clusters", "heatmap", "subplots", "bars", "animation"])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_presentation_type_is_large_on_every_kind_of_figure(blobs, name, size):
    fig = style.presentation(_figures(blobs)[name], *size)
    assert fig.layout.height == size[1]
    sizes = _text_sizes(fig)
    assert sizes and min(sizes) >= 18, (name, sizes)
    assert fig.layout.meta["present"] == list(size)


def test_presentation_draws_no_colour_bar_that_was_not_there(blobs):
    fig = style.presentation(_figures(blobs)["scatter"], 1920, 900)
    assert not any(t.marker.colorbar.to_plotly_json() for t in fig.data if t.marker is not None)


def test_long_titles_shrink_to_fit_but_stay_large():
    fig = go.Figure(layout={"title": {"text": "A title " * 12}})
    assert 22 <= style.presentation(fig, 800, 600).layout.title.font.size < 30
    assert style.presentation(go.Figure(layout={"title": {"text": "Short"}}), 1800, 600).layout.title.font.size == 30


# -- morph -----------------------------------------------------------------------------------------
def test_morph_only_between_the_same_points(blobs):
    from embviz.figures.scatter import scatter

    a = scatter(blobs.vectors[:, :2], blobs.keys, labels=np.arange(10))
    b = scatter(blobs.vectors[:, 2:4], blobs.keys, labels=np.arange(10))
    assert style.can_morph(a, b)
    spec = style.morph(a, b)
    start = [np.frombuffer(base64.b64decode(t["x"]), np.float32) for t in spec["from"]]
    np.testing.assert_array_equal(start[0], a.data[0].x)  # the browser starts from a's positions
    xs = np.concatenate([np.asarray(t.x) for t in a.data])
    assert spec["ranges"]["x"][0] < xs.min() and spec["ranges"]["x"][1] > xs.max()
    assert not style.can_morph(a, a)  # nothing moves: no morph
    fewer = scatter(blobs.vectors[:200, 2:4], blobs.keys[:200], labels=np.arange(10))
    other_labels = scatter(blobs.vectors[:, 2:4], blobs.keys, labels=np.arange(11))
    coloured = scatter(blobs.vectors[:, 2:4], blobs.keys, labels=np.arange(10), color=blobs.metadata["group"])
    for fig in (fewer, coloured, go.Figure(go.Bar(x=[1], y=[1]))):
        assert not style.can_morph(a, fig) and style.morph(a, fig) is None
    assert style.can_morph(a, other_labels)  # the words move; the new labels are in place at the end


def test_a_layer_only_one_map_has_does_not_stop_the_morph(blobs):
    from embviz.figures.scatter import scatter

    a = scatter(blobs.vectors[:, :2], blobs.keys, labels=np.arange(10))
    b = scatter(blobs.vectors[:, 2:4], blobs.keys, labels=np.arange(10))
    names = go.Scatter(x=[0.0, 1.0], y=[0.0, 1.0], mode="text", text=["north", "south"], name="regions")
    with_regions = go.Figure(a).add_trace(names)
    assert style.can_morph(with_regions, b)  # the region names of one map go at the end
    spec = style.morph(b, go.Figure(b).add_trace(names).update_traces(selector={"name": "words"}))
    assert spec is None  # nothing moved
    spec = style.morph(a, go.Figure(b).add_trace(names))
    assert [t["name"] for t in spec["from"]] == [t.name or "" for t in b.data] + ["regions"]
    start = np.frombuffer(base64.b64decode(spec["from"][-1]["x"]), np.float32)
    np.testing.assert_array_equal(start, [0.0, 1.0])  # a new layer starts where it ends
    np.testing.assert_array_equal(np.frombuffer(base64.b64decode(spec["from"][0]["x"]), np.float32), a.data[0].x)
    few = go.Figure(go.Scatter(x=[0.0], y=[0.0], name="lonely"))
    assert not style.can_morph(few, b)  # too few of the new map's points were on the old one


# -- contents --------------------------------------------------------------------------------------
def test_every_learn_step_has_content(demo):
    order = np.argsort(demo.metadata["rank"].to_numpy(), kind="stable")
    for i, (title, _) in enumerate(lecture.STEPS):
        c = lecture.step(i, demo, order, present=True)
        assert c.title == title and c.text and not c.error
        assert c.figure is not None and not c.warning, (i, c.warning)  # step 6 without a model: the pretrained half
    c = lecture.step(4, demo, order, {"expr": "king - man +"})
    assert c.error and c.figure is None
    c = lecture.step(1, demo, order, {"word": "qeen"})
    assert "did you mean 'queen'" in c.warning and c.metrics[0][0] == "index of 'king'"
    with pytest.raises(EmbvizError):
        lecture.step(7, demo, order)


def test_transfer_step_without_a_model_shows_the_pretrained_table_on_every_question(demo):
    """The offline talk (no session, no model) still has a slide: the pretrained accuracy per
    section, equal to gensim's scoring of the same questions (train.analogy_accuracy is checked
    against gensim in tests/test_train.py), and no instruction meant for the app."""
    from embviz.train import analogy_accuracy

    c = lecture.step(5, demo, demo.frequency_order())
    correct, sections = analogy_accuracy(demo.vectors, list(demo.keys))
    assert dict(c.metrics)["questions it can answer"] == f"{len(correct):,}"
    assert dict(c.metrics)["pretrained accuracy"] == f"{correct.mean():.0%}"
    bars = [t for t in c.figure.data if t.type == "bar"]
    assert len(bars) == 1 and len(bars[0].x) == len(set(sections))
    family = sections.index("family")
    assert abs(bars[0].y[list(dict.fromkeys(sections)).index("family")]
               - correct[[s == "family" for s in sections]].mean()) < 1e-9 and family >= 0
    assert not c.warning and "Train page" in c.caption


def test_saved_views_of_every_page_draw(demo):
    order = np.argsort(demo.metadata["rank"].to_numpy(), kind="stable")
    small = demo.take(order[:1500])
    cases = [
        (View(page="explore", method="pca", query="king", labels=10), "neighbours of king"),
        (View(page="analogies", settings={"expr": "king - man + woman"}), "result"),
        (View(page="compare", settings={"request": {"methods": ["pca", "pca"], "n": 300}}), None),
        (View(page="clusters", settings={"k": 4}), None),
    ]
    for view, trace in cases:
        c = slides.build(view, small, order=np.arange(len(small)))
        assert c.figure is not None and not c.error, (view.page, c.error)
        if trace:
            assert trace in [t.name for t in c.figure.data]
    assert slides.build(View(page="train"), small).warning  # no trained model in the view's session
    bad = slides.build(View(page="analogies", settings={"expr": "zzzq - man"}), small)
    assert "zzzq" in bad.error and bad.figure is None
    assert "cannot be drawn" in slides.build(View(page="elsewhere"), small).error


def test_a_clusters_view_draws_the_parameters_its_widgets_saved(demo):
    """The Clusters page saves each registered method's parameters under its widget name
    (``p_kmeans_k``, text where "auto" is allowed); decks saved before under ``k``/``agg_k``."""
    small = demo.take(np.arange(600))
    groups = lambda settings: dict(slides.build(View(page="clusters", settings=settings), small).metrics)["groups"]
    assert groups({"method": "kmeans", "p_kmeans_k": "6", "projection": "pca"}) == "6"
    assert groups({"method": "kmeans", "k": 5, "projection": "pca"}) == "5"
    assert groups({"method": "agglomerative", "p_agglomerative_k": 4, "projection": "pca"}) == "4"
    assert groups({"method": "agglomerative", "agg_k": 3, "projection": "pca"}) == "3"
    assert groups({"method": "kmeans", "p_kmeans_k": "minus one", "projection": "pca"}) == "50"  # refused: the page's start


def test_view_settings_of_the_wrong_kind_fall_back_to_defaults(demo):
    small = demo.take(np.arange(800))
    c = slides.build(View(page="analogies", settings={"expr": 5, "topn": "ten", "method": "3cosevil"}), small)
    assert not c.error and c.caption.startswith("king - man + woman")
    assert views.sub_order(np.arange(800)[::-1], small, small.take(np.array([5, 700]))).tolist() == [1, 0]


def test_markdown_of_slide_texts_escapes_everything_else():
    html = slides.markdown_html('**b** *i* <img src=x onerror=alert(1)> [a](javascript:x)\n\nsecond')
    assert "<img" not in html and "&lt;img" in html and html.count("<p>") == 2
    assert "<strong>b</strong>" in html and "<em>i</em>" in html


# -- the offline talk ------------------------------------------------------------------------------
def test_talk_is_one_offline_file_with_every_slide(blobs):
    from embviz.figures.scatter import scatter

    hostile = "<script>document.title='PWN'</script> %SLIDES% %PLOTLYJS%"
    a = scatter(blobs.vectors[:, :2], blobs.keys)
    b = scatter(blobs.vectors[:, 2:4], blobs.keys)
    contents = [slides.Content(hostile, text="**one**", figure=a), slides.Content("two", figure=b),
                slides.Content("three", error="a broken slide <b>")]
    page = talk.deck_html(contents, title=hostile, notes=["say this", "", ""])
    assert "<script>document.title" not in page and "https://" not in page.split("<script>")[0]
    assert re.search(r"<script src=", page) is None  # nothing loaded from elsewhere
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs()[:2000] in page  # plotly.js inlined, from the installed package
    doc = json.loads(page.split('<script type="application/json" id="deck">')[1].split("</script>")[0])
    titles = [s["title"] for s in doc["slides"]]
    assert titles == [hostile, "two", "three"] and doc["slides"][0]["note"] == "say this"
    assert doc["slides"][1]["morph_prev"] and not doc["slides"][2]["morph_prev"]
    assert doc["slides"][0]["figure"]["layout"]["font"]["size"] >= 20


def test_an_explore_view_of_an_uploaded_table_keeps_the_maps_named_regions(demo):
    """Found in the browser: a slide of an Explore view on a table without shipped maps lost the
    named islands the page drew; they are found as the page finds them (find_regions)."""
    import embviz
    from embviz.regions import find_regions

    order = np.argsort(demo.metadata["rank"].to_numpy(), kind="stable")
    upload = embviz.Embeddings(list(demo.take(order[:1500]).keys), demo.take(order[:1500]).vectors, name="upload")
    c = slides.build(View(page="explore", method="pca", labels=10), upload, present=True)
    drawn = [a.text for a in c.figure.layout.annotations if a.name == "label:region"]
    found = find_regions(upload, embviz.project(upload, "pca", 2).coords)
    assert found.n_regions >= 3 and drawn
    plain = lambda t: re.sub("<[^>]+>", "", t).replace("\u2009", " ")
    assert {plain(t) for t in drawn} <= {plain(n) for n in found.names} | {plain(w) for n in found.names for w in n.split(" · ")}
