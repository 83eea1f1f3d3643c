"""Share and keep: a copied URL restores the view in a fresh browser; a broken one is explained."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from tests.e2e.conftest import Journey
from tests.e2e.test_explore import one_figure, search


def test_shared_url_restores_the_view(journey, browser, app_url):
    journey.open("")
    journey.wait_chart()
    search(journey, "paris")
    journey.page.locator(".st-key-explore_dims").get_by_text("3-D", exact=True).click()
    journey.wait_idle()
    journey.page.wait_for_function("() => new URL(location.href).searchParams.get('dims') === '3'")
    url = journey.page.url
    q = parse_qs(urlparse(url).query)
    assert q["q"] == ["paris"] and q["dims"] == ["3"] and q["data"] == ["demo:minilm-words"]

    other = Journey(browser, app_url)  # a different person opening the link
    try:
        other.page.goto(url)
        other.wait_idle()
        fig = one_figure(other)
        names = {t["name"]: t for t in fig["traces"]}
        assert names["paris"]["type"] == "scatter3d"
        assert "neighbours of paris" in names
        assert other.page.locator(".st-key-explore_query input").input_value() == "paris"
        other.assert_no_errors()
    finally:
        other.close()
    journey.assert_no_errors()


def test_broken_url_is_explained_and_the_page_works(journey):
    journey.open("?dims=7&method=nope&labels=lots&q=queen")
    fig = one_figure(journey)
    text = journey.page.locator("[data-testid='stAlertContentWarning']").first.inner_text()
    assert "'dims' must be 2 or 3" in text and "'method' is 'nope'" in text and "'labels'" in text
    assert any(t["name"] == "neighbours of queen" for t in fig["traces"])  # the valid part applies
    journey.assert_no_errors()
