"""Explore in a real browser: the map draws, a search highlights a word and its neighbours."""
from __future__ import annotations


ONE_FIGURE = """() => {
  const gds = document.querySelectorAll('.js-plotly-plot');
  if (gds.length !== 1) return null;
  const gd = gds[0];
  if (!gd._fullData || !gd.querySelector('canvas, .main-svg')) return null;
  return {traces: gd._fullData.map(t => ({name: t.name, type: t.type,
            text: t.text ? Array.from(t.text).slice(0, 5000) : null, n: t.x ? t.x.length : 0})),
          annotations: (gd._fullLayout.annotations || []).map(a => a.text)};
}"""


def one_figure(journey) -> dict:
    """The page's single map, read in one step once any stale copy from the previous run has gone
    (a rerun may replace the chart between two separate reads)."""
    return journey.page.wait_for_function(ONE_FIGURE).json_value()


def search(journey, text: str) -> None:
    box = journey.page.locator(".st-key-explore_query input")
    box.fill(text)
    box.press("Enter")
    journey.wait_idle()
    journey.wait_chart()


def test_explore_renders_and_search_highlights(journey):
    journey.open("")
    journey.wait_chart()
    journey.page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot g.annotation').length > 20")
    fig = one_figure(journey)
    assert sum(t["n"] for t in fig["traces"] if t["type"] == "scattergl") == 20_000
    assert sum(" · " in (a or "") for a in fig["annotations"]) >= 15  # named regions, placed
    search(journey, "king")
    journey.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => "
        "gd._fullData.some(t => t.name === 'neighbours of king'))")
    fig = one_figure(journey)
    names = {t["name"]: t for t in fig["traces"]}
    assert names["king"]["n"] == 1 and names["neighbours of king"]["n"] == 10
    assert "<b>king</b>" in fig["annotations"] and "queen" in fig["annotations"]  # placed labels
    journey.page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
    journey.page.wait_for_timeout(1500)  # the neighbour table paints its canvas after it mounts
    journey.page.mouse.move(5, 5)
    journey.screenshot("explore_search")
    journey.assert_no_errors()


def test_explore_3d_and_colour(journey):
    journey.page.set_viewport_size({"width": 1600, "height": 1000})
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
