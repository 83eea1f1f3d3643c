"""The dashboard as a whole: every page renders, the shared sidebar loads data or says why not."""
from __future__ import annotations

import ast
import importlib.util

import numpy as np
import pytest

from tests.app.helpers import ROOT, app, figures, n_points, shown, sidebar_text, use_table


def dashboard_pages() -> list[str]:
    """Page modules listed in dashboard.PAGES (read without running the dashboard)."""
    tree = ast.parse((ROOT / "dashboard.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PAGES":
            return [elt.elts[0].value for elt in node.value.elts]
    raise AssertionError("dashboard.PAGES not found")


PAGES = [p for p in dashboard_pages() if importlib.util.find_spec(f"embviz.app.pages.{p}")]


def test_dashboard_runs_with_its_sidebar():
    at = app()
    assert not at.exception
    assert at.sidebar.radio(key="sidebar_source").value == "demo"
    assert "20,000 words × 128 dimensions" in sidebar_text(at)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_the_demo(page):
    at = app(page=page)
    assert not at.exception, at.exception
    assert at.title, f"page {page} has no title"


def _upload(at, files):
    at.sidebar.radio(key="sidebar_source").set_value("upload").run()
    at.sidebar.file_uploader(key="sidebar_upload").set_value(files).run()
    return at


def test_upload_a_word2vec_file_shows_its_map():
    rng = np.random.default_rng(0)
    words = [f"word{i}" for i in range(60)]
    lines = ["60 8"] + [w + " " + " ".join(f"{v:.4f}" for v in rng.normal(size=8)) for w in words]
    at = _upload(app(), ("tiny.txt", "\n".join(lines).encode(), "text/plain"))
    assert not at.exception and not at.sidebar.error
    (fig,) = figures(at)
    assert n_points(fig) == 60
    at.text_input(key="explore_query").input("word3").run()
    assert at.dataframe[0].value["word"].tolist()[0].startswith("word")


def test_upload_a_projector_pair():
    rng = np.random.default_rng(1)
    vectors = "\n".join("\t".join(f"{v:.4f}" for v in rng.normal(size=5)) for _ in range(30))
    meta = "word\tkind\n" + "\n".join(f"w{i}\t{'ab'[i % 2]}" for i in range(30))
    at = _upload(app(), [("vectors.tsv", vectors.encode(), "text/tab-separated-values"),
                         ("metadata.tsv", meta.encode(), "text/tab-separated-values")])
    assert not at.exception and not at.sidebar.error, [e.value for e in at.sidebar.error]
    assert n_points(figures(at)[0]) == 30
    assert "kind" in at.selectbox(key="explore_color").options


def test_upload_a_npy_with_its_keys_file():
    import io

    rng = np.random.default_rng(2)
    buf = io.BytesIO()
    np.save(buf, rng.normal(size=(40, 6)).astype(np.float32))
    keys = "\n".join(f"key{i}" for i in range(40)) + "\n"
    at = _upload(app(), [("vectors.npy", buf.getvalue(), "application/octet-stream"),
                         ("vectors.keys.txt", keys.encode(), "text/plain")])
    assert not at.exception and not at.sidebar.error, [e.value for e in at.sidebar.error]
    fig = figures(at)[0]
    assert n_points(fig) == 40
    at.text_input(key="explore_query").input("key7").run()
    assert at.dataframe[0].value["word"].tolist()[0].startswith("key")


def test_bad_upload_shows_an_error_and_keeps_the_previous_data():
    bad = b"3 4\nalpha 1 2 3 4\nbeta 1 2 x 4\ngamma 1 2 3 4\n"
    at = _upload(app(), ("broken.txt", bad, "text/plain"))
    assert not at.exception
    (err,) = at.sidebar.error
    assert "broken.txt" in shown(err.value) and "line 3" in shown(err.value) and "previous data" in shown(err.value)
    assert n_points(figures(at)[0]) == 20_000  # still the demo
    at.text_input(key="explore_query").input("king").run()
    assert not at.exception and at.dataframe[0].value["word"].tolist()[:2] == ["kings", "queen"]


def test_upload_over_the_size_limit_is_refused_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("EMBVIZ_MAX_UPLOAD_MB", "0.001")
    at = _upload(app(), ("big.txt", b"2 2\na 1 0\nb 0 1\n" + b"#" * 4000, "text/plain"))
    (err,) = at.sidebar.error
    assert "uploads are limited to" in shown(err.value) and "big.txt" in shown(err.value)


def test_data_folder_lists_only_files_inside(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "tiny.vec").write_text("3 2\nx 1 0\ny 0 1\nz 1 1\n")
    (folder / "escape.vec").symlink_to("/etc/passwd")
    monkeypatch.setenv("EMBVIZ_DATA_DIRS", str(folder))
    at = app()
    at.sidebar.radio(key="sidebar_source").set_value("folder").run()
    assert at.sidebar.selectbox(key="sidebar_folder_file").options == ["shared/tiny.vec"]
    assert not at.exception
    assert "3 words × 2 dimensions" in sidebar_text(at)


def test_trained_set_from_another_page_becomes_the_active_data(blobs):
    at = app()
    sid = use_table(at, blobs)
    at.run()
    assert not at.exception
    assert at.sidebar.radio(key="sidebar_source").value == "session"
    assert at.sidebar.selectbox(key="sidebar_session_pick").value == sid
    assert n_points(figures(at)[0]) == 300
