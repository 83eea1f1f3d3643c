"""Models in a real browser: train word2vec on the Train page (2 epochs), open Models in the same
session, compare the trained model with the bundled table, and find both maps, the morph and the
table of most-changed words."""
from __future__ import annotations

MAPS_DRAWN = """() => {
  const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));
  const maps = gds.filter(gd => gd._fullData && gd._fullData.some(t => t.type === 'scattergl'));
  const morph = gds.some(gd => gd._transitionData && (gd._transitionData._frames || []).length >= 4);
  return maps.length === 2 && morph && maps.every(gd => gd.querySelector('canvas, .main-svg'));
}"""

GRID_TEXT = """() => {
  const panel = document.querySelector("[data-testid='stTabs'] [role='tabpanel']");
  return panel ? Array.from(panel.querySelectorAll('[role=gridcell], td')).map(c => c.innerText).join('|') : '';
}"""

BARS = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd =>
    (((gd._fullLayout || {}).title || {}).text || '').includes('Analogy accuracy on the shared words'))"""


def _number(page, key: str, value: str) -> None:
    box = page.locator(f".st-key-{key} input")
    box.fill(value)
    box.press("Tab")


def test_compare_a_model_trained_here_with_the_bundled_table(journey):
    page = journey.page
    page.set_viewport_size({"width": 1400, "height": 1000})
    journey.open("")
    journey.go_to("Train", ".st-key-train_go button")
    journey.wait_idle()
    _number(page, "train_epochs", "2")
    _number(page, "train_mincount", "3")
    page.locator(".st-key-train_go button").click()
    try:
        page.locator(".st-key-train_use button").first.wait_for(timeout=400_000)  # shown when training is done
    except Exception:
        journey.screenshot("models_train_timeout", full_page=True)
        raise
    journey.wait_idle()
    page.get_by_role("link", name="Models").first.click()  # same session: the trained model is listed
    page.locator(".st-key-models_go button").wait_for()
    journey.wait_idle()
    page.locator(".st-key-models_go button").click()
    journey.wait_idle(timeout=240)
    try:
        page.wait_for_function(MAPS_DRAWN, timeout=240_000)
    except Exception:
        journey.screenshot("models_timeout", full_page=True)
        raise
    figs = journey.figures()
    maps = [f for f in figs if any(t["type"] == "scattergl" for t in f["traces"])]
    sizes = [sum(t["n"] for t in f["traces"] if t["type"] == "scattergl") for f in maps]
    assert sizes[0] == sizes[1] and 100 <= sizes[0] <= 2_000  # the same words in both maps
    journey.screenshot("models_maps")
    shared = page.locator("[data-testid='stMetric']").filter(has_text="Shared words").inner_text()
    assert int(shared.split()[-1].replace(",", "")) >= sizes[0]
    said = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="B —").first.inner_text()
    assert "A — Bundled: MiniLM word table" in said and "B — Trained here: word2vec CBOW 100d, 2 epochs" in said
    heading = page.get_by_role("heading", name="What moved: the most and least changed words")
    heading.scroll_into_view_if_needed()
    page.get_by_role("tab", name="Most changed").wait_for()
    grid = page.locator("[data-testid='stTabs'] [role='tabpanel']").first.locator("[data-testid='stDataFrame']")
    grid.wait_for()
    page.wait_for_timeout(1500)  # the grid paints its canvas after it mounts
    cells = page.evaluate(GRID_TEXT)
    assert "the" in cells.split("|"), cells[:300]
    journey.screenshot("models_table")
    page.locator(".st-key-models_bench button").click()
    page.wait_for_function(BARS, timeout=120_000)
    journey.wait_idle()
    page.get_by_text("Ask both an analogy").scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    page.set_viewport_size({"width": 1400, "height": 4600})  # the whole page in one screenshot
    page.wait_for_timeout(2000)
    journey.screenshot("models")
    journey.assert_no_errors()
