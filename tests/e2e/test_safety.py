"""No user can harm another, in a real browser against a real server.

* A Parquet upload whose key, column names and values are HTML, Markdown and Streamlit directives:
  every page is visited and none of it is rendered (no iframe, image, link, style, bold or title
  change from the data).
* A link with a catastrophic regular expression: while it is open, a second user's page and search
  stay fast.
"""
from __future__ import annotations

import io
import time

import numpy as np
import pandas as pd

from tests.e2e.conftest import Journey
from tests.e2e.test_train import PAGES

PAYLOADS = [
    "<iframe srcdoc=\"<script>parent.document.title='PWNED'</script>\"></iframe>",
    "<img src=\"http://evil.example/x.png\">",
    "[Session expired - log in again](http://evil.example/login)",
    "<style>body{display:none}</style>",
    "**PWN2**",
    ":red[PWN4]",
    "<b>PWN6</b>",
]

INJECTED = """() => {
  const main = document.querySelector('[data-testid="stApp"]');
  const found = [];
  if (document.title.includes('PWNED')) found.push('title changed');
  for (const el of main.querySelectorAll('iframe[srcdoc], img[src*="evil"], a[href^="http"][href*="evil"], style')) {
    if (el.tagName === 'STYLE' && !el.textContent.includes('display:none')) continue;
    found.push(el.outerHTML.slice(0, 120));
  }
  for (const el of main.querySelectorAll('strong, b, h1, h2, h3, span')) {
    const t = el.textContent.trim();
    if (t === 'PWN2' || t === 'PWN6' || (t === 'PWN4' && el.tagName === 'SPAN' && getComputedStyle(el).color.includes('255, 75')))
      found.push(el.tagName + ':' + t);
  }
  return found;
}"""


def _hostile_parquet() -> bytes:
    rng = np.random.default_rng(0)
    words = ["king", "queen", "man", "woman", "paris", "france", "rome", "italy"] * 8
    keys = [f"{w}{i}" for i, w in enumerate(words)]
    for i, p in enumerate(PAYLOADS):
        keys[i] = p
    frame = pd.DataFrame(rng.normal(size=(len(keys), 16)).astype("float32"),
                         columns=[f"d{i}" for i in range(16)])
    frame.insert(0, "word", keys)
    frame[PAYLOADS[0]] = "x"                      # a column named with HTML
    frame["note"] = [PAYLOADS[i % len(PAYLOADS)] for i in range(len(keys))]
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def test_a_hostile_table_renders_no_markup_anywhere(journey):
    page = journey.page
    journey.open("")
    journey.wait_chart()
    page.locator(".st-key-sidebar_source").get_by_text("Upload", exact=True).click()
    journey.wait_idle()
    page.locator(".st-key-sidebar_upload input[type='file']").set_input_files(
        files=[{"name": "<img src=x onerror=alert(1)>.parquet", "mimeType": "application/octet-stream",
                "buffer": _hostile_parquet()}])
    journey.wait_idle()
    page.wait_for_function("() => document.querySelector('[data-testid=stSidebar]').innerText.includes('64 words')")
    for title in PAGES:
        journey.goto(title)
        page.wait_for_timeout(800)
        journey.wait_idle()
        found = page.evaluate(INJECTED)
        assert not found, f"{title}: {found}"
        assert page.locator("[data-testid='stException']").count() == 0, title
    journey.goto("Explore")
    page.locator(".st-key-explore_query input").fill(PAYLOADS[2])
    page.locator(".st-key-explore_query input").press("Enter")
    journey.wait_idle()
    assert not page.evaluate(INJECTED)
    journey.screenshot("hostile_table")
    journey.assert_no_errors()


def _timed(fn) -> float:
    start = time.monotonic()
    fn()
    return time.monotonic() - start


def test_a_catastrophic_regex_link_does_not_hold_another_user(browser, app_url):
    attacker, other = Journey(browser, app_url), Journey(browser, app_url)
    try:
        other.open("")
        other.wait_chart()
        attacker.page.goto(f"{app_url}/?q=((%5Cw|%5Cw)%2B)%2B!&regex=1")
        attacker.page.wait_for_timeout(300)  # its script is now running the pattern
        reload = _timed(lambda: (other.page.reload(), other.wait_chart()))

        def search():
            other.page.locator(".st-key-explore_query input").fill("queen")
            other.page.locator(".st-key-explore_query input").press("Enter")
            other.page.get_by_text("Nearest to").first.wait_for(timeout=60_000)

        searched = _timed(search)
        assert reload < 20 and searched < 10, (reload, searched)
        attacker.wait_idle(timeout=30)  # the bad link itself finishes, with a message
        text = attacker.page.locator("[data-testid='stMain']").inner_text()
        assert "No word matches" in text or "took too long" in text or "match" in text
        other.assert_no_errors()
    finally:
        attacker.close()
        other.close()
