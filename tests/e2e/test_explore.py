"""Explore in a real browser: the map draws, a search highlights a word and its neighbours."""
from __future__ import annotations


def one_figure(journey) -> dict:
    """The page's single map, once any stale copy from the previous run has gone."""
    journey.page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot').length === 1")
    journey.wait_chart()
    return journey.figures()[0]


def search(journey, text: str) -> None:
    box = journey.page.locator(".st-key-explore_query input")
    box.fill(text)
    box.press("Enter")
    journey.wait_idle()
    journey.wait_chart()


def test_explore_renders_and_search_highlights(journey):
    journey.open("")
    journey.wait_chart()
    fig = one_figure(journey)
    assert sum(t["n"] for t in fig["traces"] if t["type"] == "scattergl" and t["name"] != "labels") == 20_000
    assert any(t["name"] == "labels" and t["text"] and "the" in t["text"] for t in fig["traces"])
    search(journey, "king")
    journey.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => "
        "gd._fullData.some(t => t.name === 'neighbours of king'))")
    fig = one_figure(journey)
    names = {t["name"]: t for t in fig["traces"]}
    assert names["king"]["text"] == ["king"]
    assert "queen" in names["neighbours of king"]["text"]
    journey.page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
    journey.page.wait_for_timeout(1500)  # the neighbour table paints its canvas after it mounts
    journey.page.mouse.move(5, 5)
    journey.screenshot("explore")
    journey.assert_no_errors()


def test_explore_3d_and_colour(journey):
    journey.open("?dims=3&color=pos&q=paris")
    journey.wait_chart()
    figs = journey.figures()
    assert figs[0]["traces"][0]["type"] == "scatter3d"
    assert any(t["name"] == "neighbours of paris" for t in figs[0]["traces"])
    journey.screenshot("explore_3d")
    journey.assert_no_errors()


def _page_paths() -> list[str]:
    from tests.app.test_app import PAGES

    return ["" if i == 0 else p for i, p in enumerate(PAGES)]


def test_every_page_renders_without_console_errors(journey):
    for path in _page_paths():
        journey.open(path)
        journey.page.locator("h1").first.wait_for()
        assert not journey.page.locator("[data-testid='stException']").count(), path
        if journey.page.locator(".js-plotly-plot").count():
            journey.wait_chart()
    journey.assert_no_errors()
