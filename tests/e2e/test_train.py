"""Training in a real browser: train on the shipped corpus, watch progress, the animation, then
explore the result (king − man + woman shows queen in the top 5)."""
from __future__ import annotations

ANIMATION = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd =>
    gd._transitionData && gd._transitionData._frames && gd._transitionData._frames.length >= 4
    && (gd._fullLayout.sliders || []).length === 1 && gd.querySelector('.slider-container'))"""

CURVES = """() => {
  const titles = Array.from(document.querySelectorAll('.js-plotly-plot'))
      .map(gd => ((gd._fullLayout || {}).title || {}).text || '');
  return titles.some(t => t.includes('Loss per epoch')) && titles.some(t => t.includes('Analogy accuracy'));
}"""


def set_number(journey, key: str, value: int) -> None:
    box = journey.page.locator(f".st-key-{key} input")
    box.fill(str(value))
    box.press("Enter")
    journey.wait_idle()


def test_train_watch_and_explore(journey):
    page = journey.page
    journey.open("")
    page.get_by_role("link", name="Train").first.click()
    page.locator(".st-key-train_go button").wait_for()
    journey.wait_idle()
    # a quick setting for the test: 3 epochs, words seen at least 20 times
    set_number(journey, "train_epochs", 3)
    set_number(journey, "train_mincount", 20)
    page.locator(".st-key-train_go button").click()
    # progress: the status with a bar, then per-epoch messages with loss, speed and time left
    page.locator("[data-testid='stProgress']").first.wait_for(timeout=60_000)
    page.get_by_text("epoch 1/3: loss").first.wait_for(timeout=240_000)
    assert "words/s" in page.locator("[data-testid='stProgress']").first.inner_text()
    # then the animation: 4 frames (random start + 3 epochs) and a slider
    try:
        page.wait_for_function(ANIMATION, timeout=300_000)
    except Exception:
        journey.screenshot("train_timeout", full_page=True)
        raise
    journey.wait_idle()
    journey.wait_chart()
    # explore: king − man + woman on what was just learned
    answer = page.locator("[data-testid='stMarkdownContainer']").filter(has_text="king − man + woman →").first
    top5 = answer.inner_text().split("→", 1)[1]
    assert "queen" in top5, top5
    figs = journey.figures()
    animated = [f for f in figs if any(t["name"] == "chosen words" for t in f["traces"])]
    assert animated and "queen" in next(t for t in animated[0]["traces"] if t["name"] == "chosen words")["text"]
    # beside it, loss and analogy accuracy per epoch (charts render one after another)
    page.wait_for_function(CURVES, timeout=60_000)
    journey.screenshot("train")
    page.locator(".st-key-train_animation").scroll_into_view_if_needed()
    journey.screenshot("train_animation")
    journey.assert_no_errors()
