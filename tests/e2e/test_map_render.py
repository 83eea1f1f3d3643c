"""The map as a browser draws it: a standalone HTML file (Plotly's bundled JS, offline) opened in
headless Chromium; label boxes read from the SVG annotations must not overlap (> 20 % of the
smaller box) at 1600 × 1000 and 1280 × 720 (and at the stated minimum figure width), at the
default label count and at 100, and no label may cover the searched word's star."""
from __future__ import annotations

import numpy as np
import pytest

from .conftest import ARTIFACTS, CHART_READY

VIEWPORTS = ((1600, 1000), (1280, 720), (616, 800))  # the last: the stated minimum width (600 px figure)

BOXES = """() => {
  const gd = document.querySelector('.js-plotly-plot');
  const names = gd._fullLayout.annotations.map(a => a.name);
  return Array.from(gd.querySelectorAll('g.annotation')).map(g => {
    const b = g.querySelector('rect.bg').getBoundingClientRect();
    return {name: names[+g.getAttribute('data-index')], x0: b.left, y0: b.top, x1: b.right, y1: b.bottom};
  });
}"""

STAR = """(name) => {
  const gd = document.querySelector('.js-plotly-plot'), L = gd._fullLayout;
  const t = gd._fullData.find(d => d.name === name);
  const box = gd.getBoundingClientRect();
  return {x: box.left + L.xaxis._offset + L.xaxis.d2p(t.x[0]), y: box.top + L.yaxis._offset + L.yaxis.d2p(t.y[0]),
          r: t.marker.size / 2};
}"""


@pytest.fixture(scope="module")
def word_map():
    """A t-SNE map of the bundled table (the shipped one of all 20,000 words when present)."""
    import embviz
    from embviz.regions import find_regions

    emb = embviz.demo()
    try:
        from embviz.datasets import shipped_projection, shipped_regions

        proj, regions = shipped_projection(emb, "tsne", 2), shipped_regions(emb, "tsne")
    except ImportError:
        proj = regions = None
    if proj is None:
        emb = emb.sample(5000, method="top")
        proj = embviz.project(emb, "tsne", 2, cache=False)
        regions = find_regions(emb, proj.coords, cache=False)
    return emb, proj.coords, regions


def _figure(word_map, n_words, query=None):
    from embviz.colors import category_colors
    from embviz.figures.scatter import scatter
    from embviz.layout import plan_map
    from embviz.regions import frequency_of

    emb, coords, regions = word_map
    q = emb.index(query) if query else None
    nbrs = emb.indices([k for k, _ in emb.most_similar(query, topn=10)]) if query else []
    color = emb.metadata["pos"].to_numpy()
    colors = category_colors(emb.metadata["pos"])
    kw = dict(color=color, colors=colors, title="t-SNE of the word table", note="trustworthiness@10 0.98")
    plan = plan_map(coords, emb.keys, frequency=frequency_of(emb), regions=regions, query=q, neighbors=nbrs,
                    n_words=n_words, **kw)
    return scatter(coords, emb.keys, regions=regions, plan=plan, query=q, neighbors=nbrs, **kw), plan


def _overlapping(boxes, share=0.2):
    from embviz.labels import overlap_pairs

    arr = np.array([[b["x0"], b["y0"], b["x1"], b["y1"]] for b in boxes], dtype=float)
    return [(boxes[i]["name"], boxes[j]["name"]) for i, j in overlap_pairs(arr, share)]


@pytest.mark.e2e
@pytest.mark.parametrize("n_words, query", [(30, None), (100, None), (30, "king")])
def test_labels_never_overlap_in_the_browser(browser, word_map, tmp_path, n_words, query):
    fig, plan = _figure(word_map, n_words, query)
    path = tmp_path / "map.html"
    fig.write_html(path, include_plotlyjs=True, config={"responsive": True})
    for width, height in VIEWPORTS:
        page = browser.new_page(viewport={"width": width, "height": height})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            page.goto(path.as_uri())
            page.wait_for_function(CHART_READY, timeout=60_000)
            page.wait_for_timeout(300)
            boxes = [b for b in page.evaluate(BOXES) if (b["name"] or "").startswith("label:")]
            assert len(boxes) == len(plan.labels)  # every placed label is drawn
            assert sum(b["name"] == "label:region" for b in boxes) >= 10
            assert not _overlapping(boxes), _overlapping(boxes)[:5]
            if query:
                star = page.evaluate(STAR, query)
                for b in boxes:
                    covers = b["x0"] < star["x"] < b["x1"] and b["y0"] < star["y"] < b["y1"]
                    assert not covers, b
                assert any(b["name"] == "label:query" for b in boxes)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"map_{n_words}_{query or 'none'}_{width}x{height}.png"))
            assert not errors, errors
        finally:
            page.close()
