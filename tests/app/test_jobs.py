"""The Streamlit adapter of the work pool (embviz/app/jobs.py) and common's rewired wrappers, in AppTest."""
from __future__ import annotations

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

from embviz import work  # noqa: E402

SCRIPT = """
import numpy as np, streamlit as st, embviz
from embviz.app import common, jobs
x = np.random.default_rng(0).normal(size=(300, 16)).astype(np.float32)
emb = embviz.Embeddings([f"w{{i}}" for i in range(300)], x)
mode = st.session_state.get("mode", "tsne")
seen = st.session_state.setdefault("layouts", [])
try:
    if mode == "tsne":
        with jobs.layouts(lambda c: seen.append(c.shape)):
            st.session_state["proj"] = common.projection(emb, "tsne", 2, perplexity={perplexity})
    elif mode == "pca":
        st.session_state["proj"] = common.cached_projection(emb, "pca", 2)
    elif mode == "stop":
        st.session_state["jobs_stop_requests"] = {{"stop-key"}}
        st.session_state["proj"] = jobs.run("t-SNE", "stop-key", embviz.project, emb, "tsne", 2,
                                            n_iter=10_000, cache=False)
    elif mode == "page-function":
        common.run_with_progress("bad", common.frequency_order, emb)
except Exception as exc:
    st.session_state["error"] = exc
"""


def _app(mode: str, perplexity: float = 12.5) -> AppTest:
    at = AppTest.from_string(SCRIPT.format(perplexity=perplexity), default_timeout=120)
    at.session_state["mode"] = mode
    return at.run()


def test_projection_runs_in_the_pool_and_is_remembered(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBVIZ_CACHE", str(tmp_path))
    before = work.default_pool().counts["submitted"]
    at = _app("tsne")
    assert not at.exception and "error" not in at.session_state
    proj = at.session_state["proj"]
    assert proj.method == "tsne" and proj.coords.shape == (300, 2) and not proj.stopped
    assert work.default_pool().counts["submitted"] == before + 1
    again = _app("tsne")  # the same request: this process's store, no new job
    assert again.session_state["proj"] is proj
    assert work.default_pool().counts["submitted"] == before + 1


def test_small_pca_stays_in_the_script_thread(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBVIZ_CACHE", str(tmp_path))
    before = work.default_pool().counts["submitted"]
    at = _app("pca")
    assert at.session_state["proj"].method == "pca"
    assert work.default_pool().counts["submitted"] == before


def test_a_bad_parameter_is_named_before_any_job(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBVIZ_CACHE", str(tmp_path))
    before = work.default_pool().counts["submitted"]
    at = _app("tsne", perplexity=500.0)
    assert "perplexity" in str(at.session_state["error"])
    assert work.default_pool().counts["submitted"] == before


def test_stop_keeps_what_was_computed():
    at = _app("stop")
    proj = at.session_state["proj"]
    assert "error" not in at.session_state, at.session_state["error"]
    assert proj.stopped and proj.coords.shape == (300, 2)


def test_page_functions_are_refused():
    at = _app("page-function")
    assert isinstance(at.session_state["error"], TypeError)
    assert "package-level function" in str(at.session_state["error"])
