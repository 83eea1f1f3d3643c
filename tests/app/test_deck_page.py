"""The deck in the app: saving views from pages, the Deck page, presenting, the presenter tab."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from embviz.app.state import View
from embviz.deck import Deck, learn_slide
from tests.app.helpers import PAGE_SCRIPT, app, figures, on_screen, shown, use_table
from tests.app.test_markup import PAYLOADS, _problems

APPLY_SCRIPT = """
import streamlit as st
from embviz.app import present, sidebar, slideshow
from embviz.app.pages import {page} as page
st.set_page_config(layout="wide")
present.init_from_url()
sidebar.render()
present.apply()
if "applied" not in st.session_state:
    st.session_state["applied"] = []
    slideshow.apply_view(st.session_state["to_apply"], st.session_state["applied"])
page.render()
"""


def _deck_app(deck: Deck, query: dict | None = None) -> AppTest:
    at = AppTest.from_string(PAGE_SCRIPT.format(page="deck"), default_timeout=240)
    at.session_state["deck"] = deck
    if query:
        at.query_params.update(query)
    return at.run()


def _five() -> Deck:
    d = Deck(title="Talk")
    d.add(View(page="explore", method="pca", query="king", name="King on PCA", note="start"))
    d.add(View(page="analogies", settings={"expr": "king - man + woman"}, name="The parallelogram", note="pause"))
    d.add(learn_slide(1, "One-hot versus dense", "ask the room"))
    return d


def test_a_page_saves_its_view_into_the_deck():
    at = app(page="analogies")
    at.text_input(key="analogies_expr").input("paris - france + germany").run()
    at.segmented_control(key="analogies_method").set_value("3cosmul").run()
    at.text_input(key="analogies_view_name").input("Capitals").run()
    at.text_area(key="analogies_view_note").input("say: not always right").run()
    at.button(key="analogies_save_view").click().run()
    assert not at.exception
    (view,) = at.session_state["deck"].slides
    assert (view.page, view.name, view.note) == ("analogies", "Capitals", "say: not always right")
    assert view.settings["expr"] == "paris - france + germany" and view.settings["method"] == "3cosmul"
    assert view.data == "demo:minilm-words"


def test_explore_saves_its_view_from_the_controls_row():
    """Found in the browser: Explore's "Save this view" sat in the collapsed "Export and share"
    expander, drawn only once the map was computed; it is now beside the search, from the start."""
    at = app(page="explore")
    at.text_input(key="explore_query").input("queen").run()
    at.text_input(key="explore_view_name").input("Queen").run()
    at.button(key="explore_save_view").click().run()
    assert not at.exception
    (view,) = at.session_state["deck"].slides
    assert (view.page, view.name, view.query, view.method) == ("explore", "Queen", "queen", at.session_state["explore_method"])


def test_opening_a_view_puts_its_values_into_the_page():
    at = AppTest.from_string(APPLY_SCRIPT.format(page="analogies"), default_timeout=240)
    at.session_state["to_apply"] = View(page="analogies", settings={
        "expr": "walking - walk + swim", "topn": 7, "method": "3cosmul", "nn": 999, "secret": "x"})
    at.run()
    assert not at.exception
    assert at.text_input(key="analogies_expr").value == "walking - walk + swim"
    assert at.number_input(key="analogies_topn").value == 7
    assert at.segmented_control(key="analogies_method").value == "3cosmul"
    problems = " | ".join(at.session_state["applied"])
    assert "'nn' = '999' does not fit" in problems and "'secret' is not one this page has" in problems
    assert at.number_input(key="analogies_nn").value == 6  # the default stayed


def test_deck_page_reorders_renames_annotates_and_deletes():
    at = _deck_app(_five())
    assert not at.exception
    assert [shown(t.value) for t in at.text_input if t.key.startswith("deck_title_")] == \
        ["King on PCA", "The parallelogram", "One-hot versus dense"]
    at.button(key="deck_down_0_0").click().run()
    assert [v.name for v in at.session_state["deck"]] == ["The parallelogram", "King on PCA", "One-hot versus dense"]
    at.text_input(key="deck_title_1_0").input("Directions carry meaning").run()
    at.text_area(key="deck_note_1_2").input("end on a question").run()
    at.button(key="deck_delete_1_1").click().run()
    d = at.session_state["deck"]
    assert [v.name for v in d] == ["Directions carry meaning", "One-hot versus dense"]
    assert d[1].note == "end on a question"
    assert at.get("download_button")  # the deck as JSON


def test_presenting_a_deck_steps_and_tells_the_presenter_tab():
    at = _deck_app(_five())
    at.button(key="deck_present_0_1").click().run()
    assert not at.exception and at.session_state["present"]
    assert shown(on_screen(at, "deck_slide").header[0].value) == "The parallelogram" and figures(at)
    at.button(key="deck_slide_next").click().run()
    assert shown(on_screen(at, "deck_slide").header[0].value) == "One-hot versus dense" and at.table  # tables are text on a projector
    deck_id = at.session_state["deck_id"]
    tab = app({"presenter": "1", "deck": deck_id}, page="deck")
    assert not tab.exception
    assert "ask the room" in [shown(m.value) for m in tab.markdown]
    assert any("Slide 3 of 3" in shown(c.value) for c in tab.caption)
    at.button(key="deck_slide_home").click().run()  # Home (a hidden button with the shortcut)
    assert shown(on_screen(at, "deck_slide").header[0].value) == "King on PCA"
    tab.run()
    assert any("Next:" in m.value and "The parallelogram" in shown(m.value) for m in tab.markdown)


def test_presenter_tab_without_a_deck_says_so():
    tab = app({"presenter": "1", "deck": "nosuchdeck123"}, page="deck")
    assert not tab.exception and any("Waiting for the presentation" in shown(i.value) for i in tab.info)
    tab = app({"presenter": "1", "deck": "../../x"}, page="learn")
    assert not tab.exception and "no valid deck id" in tab.error[0].value


def test_titles_and_notes_from_a_file_are_text_everywhere():
    d = Deck(title=PAYLOADS[0])
    for p in PAYLOADS:
        d.add(View(page="explore", name=p, note=p))
    at = _deck_app(d)
    assert not at.exception and not _problems(at)
    at.button(key="deck_present_0_3").click().run()
    assert not at.exception and not _problems(at, plotly=True)
    tab = app({"presenter": "1", "deck": at.session_state["deck_id"]}, page="deck")
    assert not tab.exception and not _problems(tab)


def test_train_page_presents_its_animation_and_saves_it_with_its_model():
    import embviz

    rng = __import__("numpy").random.default_rng(0)
    words = [f"w{i}" for i in range(40)] + "one two three four red blue green yellow".split()
    lines = [" ".join(rng.choice(words, 12)) for _ in range(600)]
    model = embviz.train_word2vec(lines, dims=8, epochs=2, min_count=1, workers=1)
    at = AppTest.from_string(PAGE_SCRIPT.format(page="train"), default_timeout=240)
    at.session_state["train_result"] = model
    at.session_state["present"] = True
    at.query_params["present"] = "1"
    at.run()
    assert not at.exception
    (fig,) = figures(at)
    assert fig["frames"] and fig["layout"]["height"] < 1080 and fig["layout"]["font"]["size"] >= 20
    sid = use_table(at, model, "trained", model=model)  # as the Train page registers what it trained
    at.run()
    groups = at.multiselect(key="train_groups")
    assert set(groups.options) == {"numbers", "colours"}  # the kinds of words this corpus has
    groups.set_value(["colours"]).run()
    at.button(key="train_save_view").click().run()
    assert not at.exception
    (view,) = at.session_state["deck"].slides
    assert view.page == "train" and view.settings == {"groups": ["colours"]}
    assert view.data == sid  # the slide is drawn from the model trained in this session


def test_compare_page_presents_its_maps():
    at = AppTest.from_string(PAGE_SCRIPT.format(page="compare"), default_timeout=240)
    at.session_state["compare_request"] = {"methods": ["pca"], "n": 300, "sampling": "random", "by": None,
                                           "colour": "pos", "dims": 2, "params": {}}
    at.session_state["present"] = True
    at.run()
    assert not at.exception
    figs = figures(at)
    assert len(figs) == 1 and figs[0]["layout"]["meta"]["present"][1] < 1080  # no score charts
    assert not [s for s in at.subheader if "faithful" in s.value]  # scores stay on the desk
