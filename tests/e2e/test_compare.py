"""Compare in a real browser: three methods side by side, the scores table and the recall chart."""
from __future__ import annotations

ALL_DRAWN = """() => {
  const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return gds.length >= 5 && gds.every(gd => gd._fullData && gd.querySelector('canvas, .main-svg'));
}"""


SAMPLE_DRAWN = """(n) => {
  const gds = Array.from(document.querySelectorAll('.js-plotly-plot')).filter(gd => gd._fullData);
  const maps = gds.filter(gd => gd._fullData.some(t => t.type === 'scattergl'));
  return maps.length === 3 && maps.every(gd => gd._fullData.filter(t => t.type === 'scattergl')
      .reduce((s, t) => s + (t.x ? t.x.length : 0), 0) === n);
}"""


def test_compare_three_methods_with_scores(journey):
    journey.page.set_viewport_size({"width": 1400, "height": 1700})  # maps and scores in one screenshot
    journey.open("")  # through the menu, as a visitor does (a direct /compare probes a 404 health URL)
    page = journey.page
    page.get_by_role("link", name="Compare").first.click()
    page.locator(".st-key-compare_n input").wait_for()
    journey.wait_idle()
    box = page.locator(".st-key-compare_n input")
    box.fill("400")  # a small sample keeps t-SNE and UMAP to seconds
    box.press("Tab")
    page.locator(".st-key-compare_run button").click()
    journey.wait_idle(timeout=240)
    page.wait_for_function(ALL_DRAWN, timeout=240_000)
    page.wait_for_function(SAMPLE_DRAWN, arg=400, timeout=240_000)  # the shipped maps stay until then
    figs = journey.figures()
    maps = [f for f in figs if any(t["type"] == "scattergl" for t in f["traces"])]
    assert len(maps) == 3
    for fig in maps:  # the same 400 points in each map
        assert sum(t["n"] for t in fig["traces"] if t["type"] == "scattergl") == 400
    assert [t["name"] for t in figs[3]["traces"]] == ["PCA", "t-SNE", "UMAP"]  # recall against k
    table = page.locator("[data-testid='stDataFrame']")
    table.wait_for()
    assert table.count() == 1
    assert page.get_by_text("How faithful is each picture?").count() == 1
    journey.screenshot("compare_sample", full_page=True)
    journey.assert_no_errors()
