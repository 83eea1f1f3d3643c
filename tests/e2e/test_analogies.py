"""Analogies in a real browser: type an expression, see "queen" and the arrows of the parallelogram."""

from __future__ import annotations

ARROWS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd =>
    (gd._fullLayout.annotations || []).filter(a => a.showarrow).length >= 2
    && gd._fullData.some(t => t.name === 'result' && t.text && t.text[0] === '%s'))"""


def open_analogies(journey) -> None:
    """Start at the home page and follow the menu, as a visitor does. (Opening /analogies directly
    makes Streamlit's frontend probe /analogies/_stcore/health, a 404 logged as a console error.)"""
    journey.open("")
    journey.page.get_by_role("link", name="Analogies").first.click()
    journey.page.locator(".st-key-analogies_expr input").wait_for()
    journey.wait_idle()
    journey.wait_chart()


def enter(journey, text: str) -> None:
    box = journey.page.locator(".st-key-analogies_expr input")
    box.fill(text)
    box.press("Enter")
    journey.wait_idle()


def test_analogy_journey(journey):
    open_analogies(journey)
    # a typo: a clear message with suggestions, and the page keeps working
    enter(journey, "kingg - man + woman")
    journey.page.locator("[data-testid='stAlert']").filter(has_text="did you mean 'king'").first.wait_for()
    enter(journey, "king - man + woman")
    journey.page.wait_for_function(ARROWS % "queen")
    figs = [
        f
        for f in journey.figures()
        if any(t["name"] == "result" and t["text"] == ["queen"] for t in f["traces"])
    ]
    assert figs, journey.figures()
    names = {t["name"]: t for t in figs[0]["traces"]}
    assert set(names["inputs"]["text"]) == {"man", "king", "woman"}
    # the arrows are drawn in the SVG, not only declared
    assert journey.page.locator(".js-plotly-plot .annotation-arrow-g path").count() >= 2
    journey.page.mouse.move(5, 5)
    journey.screenshot("analogies")
    journey.assert_no_errors()
