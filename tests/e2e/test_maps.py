"""Large maps in a real browser: a million precomputed points upload, draw as density + sample, zoom."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd


# Points counted by the density image as drawn: the heatmap's customdata holds the raw counts
# (rows of typed arrays once Plotly has decoded them).
COUNT = """(gd => Array.from(gd._fullData.find(t => t.type === 'heatmap').customdata).reduce(
    (sum, row) => sum + (typeof row === 'number' ? row : Array.from(row).reduce((a, b) => a + b, 0)), 0))"""


def million_points() -> bytes:
    rng = np.random.default_rng(3)
    n = 1_000_000
    centres = rng.normal(scale=8, size=(40, 2))
    group = rng.integers(0, 40, size=n)
    xy = (centres[group] + rng.normal(size=(n, 2))).astype(np.float32)
    table = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "group": (group % 6).astype(str)})
    buf = io.BytesIO()
    table.to_parquet(buf, index=False)
    return buf.getvalue()


def test_a_million_points_draw_and_zoom(journey):
    page = journey.page
    page.set_viewport_size({"width": 1400, "height": 1200})
    journey.open("maps")
    journey.wait_chart()
    page.locator(".st-key-maps_source").get_by_text("Upload coordinates", exact=True).click()
    journey.wait_idle()
    page.locator(".st-key-maps_upload input[type='file']").set_input_files(
        files=[{"name": "million.parquet", "mimeType": "application/octet-stream", "buffer": million_points()}])
    page.get_by_text("1,000,000 points in the file").wait_for(timeout=120_000)
    journey.wait_chart()
    total = page.evaluate(f"() => {COUNT}(document.querySelector('.js-plotly-plot'))")
    assert total == 1_000_000
    drawn = page.evaluate("""() => document.querySelector('.js-plotly-plot')._fullData
        .filter(t => t.type === 'scattergl').reduce((s, t) => s + t.x.length, 0)""")
    assert drawn == 5_000
    page.mouse.move(5, 5)
    journey.screenshot("maps")

    # drag a box over the middle of the plot: the map zooms to that window with fresh detail
    box = page.locator(".js-plotly-plot .nsewdrag").first.bounding_box()
    x0, y0 = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.4
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + box["width"] * 0.2, y0 + box["height"] * 0.2, steps=8)
    page.mouse.up()
    journey.wait_idle()
    page.wait_for_function(f"() => {{ const gd = document.querySelector('.js-plotly-plot'); "
                           f"const n = gd && gd._fullData ? {COUNT}(gd) : -1; return n > 0 && n < 1000000; }}",
                           timeout=60_000)
    assert page.get_by_role("button", name="Reset zoom").is_enabled()
    journey.screenshot("maps_zoom")
    journey.assert_no_errors()
