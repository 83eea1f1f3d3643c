"""URL state, saved views, path safety and export: the app's pure helpers (no streamlit run)."""
from __future__ import annotations

import doctest
import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from embviz.app import export, security, state


@pytest.mark.parametrize("module", [state, security, export])
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_view_round_trips_through_the_query_string():
    view = state.View(data="demo:minilm-words", method="tsne", dims=3, params={"perplexity": 12.5, "early_exaggeration": 4.0,
                                                                              "learning_rate": "auto"},
                      query="river", regex=True, highlight=["red", "green"], color="pos", labels=80)
    back, problems = state.from_query(state.to_query(view))
    assert problems == []
    assert back == view


@pytest.mark.parametrize("name,value,needle", [
    ("dims", "4", "'dims' must be 2 or 3"),
    ("labels", "-3", "'labels' must be a whole number from 0 to 500"),
    ("labels", "lots", "'labels' must be a whole number"),
    ("method", "__import__('os')", "'method' must be a method name"),
    ("data", "../../etc/passwd", "'data' must be a data set name"),
    ("q", "x" * 500, "'q' must be at most 200 characters"),
])
def test_broken_url_parameters_are_named_and_defaults_kept(name, value, needle):
    view, problems = state.from_query({name: value, "color": "pos"})
    assert len(problems) == 1 and needle in problems[0]
    assert view.color == "pos"  # the rest of the link still applies
    assert getattr(view, {"q": "query"}.get(name, name)) == getattr(state.DEFAULT, {"q": "query"}.get(name, name))


def test_url_values_are_parsed_never_evaluated():
    """Values are typed by the method's ParamSpec (the one parser); a value it rejects is named and
    dropped, a name the method does not have stays text (the controls report it)."""
    view, problems = state.from_query({"method": "umap", "p.n_neighbors": "__import__('os').system('true')",
                                       "p.n_epochs": "auto", "p.min_dist": "0.5", "p.seed": "7"})
    assert view.params == {"n_epochs": "auto", "min_dist": 0.5, "seed": "7"}
    assert problems == ["URL parameter 'p.n_neighbors': The 'n_neighbors' parameter of UMAP must be an int in "
                        "[2, 500] and below n_samples. Got \"__import__('os').system('true')\" instead. "
                        "Using the method's default."]
    view, problems = state.from_query({"method": "tsne", "p.n_iter": "999999999999"})
    assert view.params == {} and "must be an int in [50, 10000]. Got 999999999999" in problems[0]


def test_saved_views_round_trip_and_validate():
    views = [state.View(method="umap", params={"n_neighbors": 30}, name="UMAP"), state.View(dims=3, name="3-D")]
    back, problems = state.load_views(state.dump_views(views))
    assert problems == [] and back == views


@pytest.mark.parametrize("text,needle", [
    ("not json", "not valid JSON"),
    ('[1, 2]', 'must be a JSON object with a "views" list'),
    (json.dumps({"views": [{}] * 101}), "limit is 100"),
])
def test_bad_saved_views_files_raise_a_clear_error(text, needle):
    with pytest.raises(ValueError, match=needle):
        state.load_views(text)


def test_saved_view_with_pickle_like_content_is_just_text():
    doc = json.dumps({"views": [{"query": "cos\nsystem\n(S'ls'\ntR.", "method": "pca", "name": 3}, "x"]})
    views, problems = state.load_views(doc)
    assert len(views) == 1 and views[0].query.startswith("cos") and views[0].name == "3"
    assert problems == ["view 2: not an object, skipped"]


def test_resolve_inside_blocks_escapes_and_symlinks(tmp_path):
    root = tmp_path / "data"
    root.mkdir()
    (root / "ok.txt").write_text("x")
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (root / "link.txt").symlink_to(outside)
    assert security.resolve_inside(root, "ok.txt") == (root / "ok.txt").resolve()
    for bad in ("../secret.txt", "link.txt", "/etc/passwd", "missing.txt", "."):
        with pytest.raises(PermissionError, match="not a file inside the configured data folder"):
            security.resolve_inside(root, bad)
    assert security.list_files(root) == ["ok.txt"]  # the escaping symlink is not even listed


def test_data_dirs_and_upload_limit_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBVIZ_DATA_DIRS", f"{tmp_path}:{tmp_path / 'nope'}")
    assert security.data_dirs() == [tmp_path.resolve()]
    monkeypatch.setenv("EMBVIZ_MAX_UPLOAD_MB", "1")
    security.check_upload("small.txt", 1000)
    with pytest.raises(ValueError, match=r"big.vec is 2.0 MB; uploads are limited to 1 MB"):
        security.check_upload("big.vec", 2 * 1024 * 1024)


def test_exports_read_back(rng):
    coords = rng.normal(size=(5, 3)).astype(np.float32)
    meta = pd.DataFrame({"pos": ["n", "v", "n", "a\tb", "n"]})
    df = export.coordinates_frame(coords, list("abcde"), meta)
    back = pd.read_csv(io.BytesIO(export.to_csv(df)))
    np.testing.assert_allclose(back[["x", "y", "z"]].to_numpy(), coords, rtol=1e-6)
    pq = pd.read_parquet(io.BytesIO(export.to_parquet(df)))
    assert pq["key"].tolist() == list("abcde") and pq["x"].dtype == np.float32
    with zipfile.ZipFile(io.BytesIO(export.to_projector_zip(df))) as z:
        tensors = np.loadtxt(io.StringIO(z.read("tensors.tsv").decode()), delimiter="\t")
        meta_lines = z.read("metadata.tsv").decode().splitlines()
    np.testing.assert_allclose(tensors, coords, rtol=1e-5)
    assert meta_lines[0] == "key\tpos" and meta_lines[4] == "d\ta b"  # tabs inside cells cannot split columns


def test_html_export_is_standalone(rng):
    from embviz.figures.scatter import scatter

    html = export.figure_html(scatter(rng.normal(size=(20, 2)), [str(i) for i in range(20)])).decode()
    assert "<script src=\"https://cdn" not in html and "plotly.js" in html.lower()
    assert html.lstrip().lower().startswith("<!doctype html>") and len(html) > 1_000_000  # plotly.js inlined
