"""Data in a real browser: a bad upload shows a clear error and the app keeps the demo."""
from __future__ import annotations

from tests.e2e.test_explore import one_figure


def upload(journey, name: str, content: bytes) -> None:
    page = journey.page
    page.locator(".st-key-sidebar_source").get_by_text("Upload", exact=True).click()
    journey.wait_idle()
    page.locator(".st-key-sidebar_upload input[type='file']").set_input_files(
        files=[{"name": name, "mimeType": "text/plain", "buffer": content}])
    journey.wait_idle()


def test_bad_upload_shows_an_error_and_keeps_the_map(journey):
    journey.open("")
    journey.wait_chart()
    upload(journey, "broken.txt", b"3 4\nalpha 1 2 3 4\nbeta 1 2 x 4\ngamma 1 2 3 4\n")
    alert = journey.page.locator("[data-testid='stSidebar'] [data-testid='stAlertContentError']")
    alert.wait_for()
    text = alert.inner_text()
    assert "broken.txt" in text and "line 3" in text and "previous data" in text
    fig = one_figure(journey)
    assert sum(t["n"] for t in fig["traces"] if t["type"] == "scattergl") == 20_000
    journey.screenshot("bad_upload")
    journey.assert_no_errors()


def test_good_upload_is_drawn_and_data_page_converts(journey):
    journey.open("")
    journey.wait_chart()
    lines = ["5 3", "red 1 0 0", "green 0 1 0", "blue 0 0 1", "crimson 0.9 0.1 0", "teal 0 0.6 0.6"]
    upload(journey, "colours.txt", "\n".join(lines).encode())
    journey.page.wait_for_function(
        "() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => "
        "gd._fullData.filter(t => t.type === 'scattergl').reduce((s, t) => s + (t.x ? t.x.length : 0), 0) === 5)")
    journey.goto("Data")  # same session
    journey.page.get_by_text("Convert and download").wait_for()
    assert "5" in journey.page.locator("[data-testid='stMetricValue']").first.inner_text()
    journey.page.locator("[data-testid='stDataFrame'] canvas").first.wait_for()
    journey.page.wait_for_timeout(1500)  # the table paints its canvas after it mounts
    journey.screenshot("data")
    journey.assert_no_errors()
