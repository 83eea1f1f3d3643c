"""Presentation mode on a 1920×1080 screen: no controls, large type, next/previous through Learn."""
from __future__ import annotations

from tests.e2e.conftest import Journey
from tests.e2e.test_explore import one_figure


def test_presentation_mode_at_1920x1080(browser, app_url):
    j = Journey(browser, app_url, width=1920, height=1080)
    try:
        j.open("?present=1&q=queen&color=pos&labels=40")
        fig = one_figure(j)
        assert any(t["name"] == "neighbours of queen" for t in fig["traces"])
        page = j.page
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        box = page.locator(".js-plotly-plot").first.bounding_box()
        assert box["width"] > 1700 and box["height"] > 800  # a clean, full-width figure
        font = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.font.size")
        assert font >= 20
        page.mouse.move(1910, 1070)
        j.screenshot("present")
        j.assert_no_errors()
    finally:
        j.close()


def test_presentation_mode_steps_through_learn(browser, app_url):
    j = Journey(browser, app_url, width=1920, height=1080)
    try:
        j.open("learn?present=1&step=5")
        page = j.page
        page.get_by_role("heading", name="5. The analogy parallelogram").wait_for()
        j.wait_chart()
        j.screenshot("present_learn")
        page.locator(".st-key-learn_step_next button").click()
        page.get_by_role("heading", name="6. Why pretrained embeddings transfer").wait_for()
        assert not page.locator("[data-testid='stSidebar']").is_visible()
        j.assert_no_errors()
    finally:
        j.close()
