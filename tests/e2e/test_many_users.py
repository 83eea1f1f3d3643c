"""Six people at once on one server: separate browser contexts, each with its own projection and its own
search, and no cross-talk between them (the load of a room is tests/e2e/test_room.py's; six Chromium
pages keep this one quick on 2 cores)."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from tests.e2e.conftest import Journey

WORDS = ["king", "paris", "river", "music", "happy", "doctor"]
USERS = len(WORDS)


def _report(journeys, start) -> None:
    """What each user's page showed when the test failed: a screenshot, its text, its console."""
    print(f"failed after {time.monotonic() - start:.0f} s")
    for i, j in enumerate(journeys):
        try:
            path = j.screenshot(f"FAILED-many-users-{i}-{WORDS[i]}")
            body = j.page.inner_text("body")[:1200].replace("\n", " | ")
            print(f"user {i} ({WORDS[i]}): {path.name}\n  page: {body}\n  console: {j.errors[-5:]}")
        except Exception as exc:  # noqa: BLE001 — a page that is gone says so
            print(f"user {i} ({WORDS[i]}): no report ({exc})")


def test_users_search_and_project_at_once_without_cross_talk(browser, app_url):
    journeys = [Journey(browser, app_url, width=800, height=600) for _ in range(USERS)]
    start = time.monotonic()
    try:
        # everyone opens at once a view with their own projection (formula axes through their
        # word: a different projection per user, computed by the server) and their own search
        for j, word in zip(journeys, WORDS):
            axes = urlencode({"method": "axes", "p.x": "woman - man", "p.y": f"{word} - the", "q": word, "labels": "0"})
            j.page.goto(f"{app_url}/?{axes}", wait_until="commit")
        for j, word in zip(journeys, WORDS):
            j.page.wait_for_function(
                "(w) => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => gd._fullData"
                " && gd._fullData.some(t => t.name === 'neighbours of ' + w)"
                " && gd._fullLayout.yaxis.title.text === w + ' - the')", arg=word, timeout=150_000)
            print(f"{word}: first map at {time.monotonic() - start:.1f} s")
        # then each changes their own view (a search) while the others are connected
        for j, word in zip(journeys, reversed(WORDS)):
            box = j.page.locator(".st-key-explore_query input")
            box.fill(word)
            box.press("Enter")
        for j, word in zip(journeys, reversed(WORDS)):
            j.page.wait_for_function(
                "(w) => Array.from(document.querySelectorAll('.js-plotly-plot')).some(gd => gd._fullData"
                " && gd._fullData.some(t => t.name === 'neighbours of ' + w))", arg=word, timeout=150_000)
            assert j.page.locator(".st-key-explore_query input").input_value() == word  # no cross-talk
            assert not j.page.locator("[data-testid='stException'], [data-testid='stAlertContentError']").count()
        elapsed = time.monotonic() - start
        for j in journeys:
            j.assert_no_errors()
        print(f"{USERS} users served in {elapsed:.1f} s")
    except Exception:
        _report(journeys, start)
        raise
    finally:
        for j in journeys:
            j.close()
