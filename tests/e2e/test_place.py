"""Placing new points in a real Chromium: a tiny word2vec text file (gensim's writer; the demo's own
vectors for 10 words plus noise) uploaded in Explore's "Place new points" panel lands on the shipped
t-SNE map as its own layer, labelled without overlapping any other label."""
from __future__ import annotations

import numpy as np

from .conftest import Journey
from .test_first_map import FIRST_MAP, STATE, H, W, _overlaps, _settle

WORDS = ["king", "queen", "river", "music", "doctor", "france", "happy", "computer", "blue", "apple"]


def _word2vec_bytes(tmp_path) -> bytes:
    from gensim.models import KeyedVectors

    import embviz

    demo = embviz.demo()
    x = demo.vectors[demo.indices(WORDS)] + np.random.default_rng(0).normal(scale=0.02, size=(10, demo.dim))
    kv = KeyedVectors(vector_size=demo.dim)
    kv.add_vectors([f"{w}_new" for w in WORDS], x.astype(np.float32))
    path = tmp_path / "tiny.txt"
    kv.save_word2vec_format(str(path), binary=False)
    return path.read_bytes()


def test_an_uploaded_file_is_placed_on_the_shipped_map(browser, app_url, tmp_path):
    j = Journey(browser, app_url, W, H)
    try:
        page = j.page
        j.open("")
        page.wait_for_function(FIRST_MAP, timeout=90_000)
        _settle(j)
        page.get_by_text("Place new points on this map").click()
        page.locator(".st-key-explore_place_from").get_by_text("An uploaded file", exact=True).click()
        j.wait_idle()
        page.locator(".st-key-explore_place_upload input[type='file']").set_input_files(
            files=[{"name": "tiny.txt", "mimeType": "text/plain", "buffer": _word2vec_bytes(tmp_path)}])
        j.wait_idle()
        page.get_by_role("button", name="Place on this map").click()
        page.wait_for_function(
            "() => { const gd = document.querySelector('.js-plotly-plot'); return !!gd && !!gd._fullData && "
            "gd._fullData.filter(t => (t.name || '').startsWith('placed ·')).reduce((s, t) => s + t.x.length, 0) === 10; }",
            timeout=60_000)
        _settle(j)
        state = page.evaluate(STATE)
        assert state["points"] == 20_000 and "t-SNE 2-D" in state["title"]
        placed = [b["text"] for b in state["boxes"] if b["name"] == "label:placed"]
        assert len(placed) >= 8 and set(placed) <= {f"{w}_new" for w in WORDS}, placed
        assert not _overlaps(state["boxes"]), _overlaps(state["boxes"])[:5]
        page.get_by_text("Placed points · 10").wait_for()
        assert page.get_by_text("placed by neighbour interpolation").count() == 1
        page.mouse.move(5, 5)
        page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
        page.wait_for_timeout(1500)  # the table paints its canvas after it mounts
        j.screenshot("explore_placed")
        j.screenshot("explore_placed_page", full_page=True)
        j.assert_no_errors()
    finally:
        j.close()
