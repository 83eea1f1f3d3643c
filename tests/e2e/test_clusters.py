"""Clusters in a real browser: coloured map with named clusters, the table, and another method."""
from __future__ import annotations

import re

MAP_READY = """() => {
  const gds = Array.from(document.querySelectorAll('.js-plotly-plot'));
  return gds.length >= 2 && gds.every(gd => gd._fullData && gd.querySelector('canvas, .main-svg'));
}"""


def open_clusters(journey) -> None:
    """From the home page through the menu, as a visitor does (opening /clusters directly makes
    Streamlit's frontend probe /clusters/_stcore/health: a 404 logged as a console error)."""
    journey.open("")
    journey.page.get_by_role("link", name="Clusters").first.click()
    journey.page.locator(".st-key-clusters_method").wait_for()
    journey.wait_idle()


def cluster_map(journey) -> dict:
    journey.page.wait_for_function(MAP_READY)
    return journey.figures()[0]


def legend_entries(fig: dict) -> list[dict]:
    return [t for t in fig["traces"] if t["type"] == "scattergl"]


def test_clusters_page_colours_names_and_tables(journey):
    open_clusters(journey)
    fig = cluster_map(journey)
    clusters = legend_entries(fig)
    assert len(clusters) == 20  # the default: k-means with k = 20, one trace per cluster
    assert sum(t["n"] for t in clusters) == 20_000
    assert all(re.fullmatch(r".+ · .+ \([\d,]+\)", t["name"]) for t in clusters)
    centre_names = next(t for t in fig["traces"] if t["name"] == "cluster names")
    assert len(centre_names["text"]) == 20
    page = journey.page
    assert page.locator("[data-testid='stMetric']").filter(has_text="Silhouette").count() == 1
    page.wait_for_selector("[data-testid='stDataFrame']")
    assert page.locator("[data-testid='stDataFrame']").count() >= 1
    assert page.get_by_text("How strong is each cluster?").count() == 1
    journey.screenshot("clusters", full_page=True)

    # another method: agglomerative clustering (cosine, average linkage) with 8 clusters
    page.locator(".st-key-clusters_method").click()
    page.get_by_role("option", name=re.compile("Agglomerative")).click()
    journey.wait_idle()
    box = page.locator(".st-key-clusters_agg_k input")
    box.fill("8")
    box.press("Enter")
    journey.wait_idle()
    page.wait_for_function(
        """() => { const gd = document.querySelector('.js-plotly-plot');
                   return gd && gd._fullData && gd._fullData.filter(t => t.type === 'scattergl').length === 8; }""")
    fig = cluster_map(journey)
    assert len(legend_entries(fig)) == 8
    assert any("Agglomerative" in a for a in fig["annotations"])
    journey.screenshot("clusters_agglomerative")
    journey.assert_no_errors()
