"""Large maps: precomputed coordinates as a density image plus sampled points, zoom, bad files."""
from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from embviz.app import security
from tests.app.helpers import app, decode, figures, texts


def coords_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = np.array([[-5.0, 0.0], [5.0, 0.0], [0.0, 6.0]])
    group = rng.integers(0, 3, size=n)
    xy = centres[group] + rng.normal(size=(n, 2))
    return pd.DataFrame({"key": [f"p{i}" for i in range(n)], "x": xy[:, 0].astype(np.float32),
                         "y": xy[:, 1].astype(np.float32), "group": np.array(["a", "b", "c"])[group]})


def parquet_bytes(table: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    table.to_parquet(buf, index=False)
    return buf.getvalue()


def density(fig: dict) -> np.ndarray:
    heat = next(t for t in fig["data"] if t["type"] == "heatmap")
    return np.asarray(heat["customdata"], dtype=float) if not isinstance(heat["customdata"], dict) \
        else decode(heat["customdata"]).astype(float)


def markers(fig: dict) -> int:
    return sum(len(decode(t["customdata"])) for t in fig["data"] if t["type"] == "scattergl")


def test_default_is_the_density_of_the_sidebar_data():
    at = app(page="maps")
    assert not at.exception
    fig = figures(at)[0]
    assert density(fig).sum() == 20_000  # every demo word counted in the image
    assert markers(fig) == 5_000         # a sample drawn as points


def test_uploaded_coordinates_zoom_and_colour():
    table = coords_table(200_000)
    at = app(page="maps")
    at.radio(key="maps_source").set_value("upload").run()
    at.file_uploader(key="maps_upload").set_value(("coords.parquet", parquet_bytes(table), "application/octet-stream")).run()
    assert not at.exception, at.exception
    fig = figures(at)[0]
    assert density(fig).sum() == 200_000
    assert "200,000 points in the file" in " ".join(c.value for c in at.caption)

    at.selectbox(key="maps_colour").set_value("group").run()
    names = {t["name"] for t in figures(at)[0]["data"] if t["type"] == "scattergl"}
    assert names == {"a", "b", "c"}

    # a box drawn on the map becomes the zoom window: the image recounts only the window
    at.session_state["maps_window"] = ((0.0, 10.0), (-3.0, 3.0))
    at.run()
    inside = ((table.x >= 0) & (table.x <= 10) & (table.y >= -3) & (table.y <= 3)).sum()
    zoomed = figures(at)[0]
    assert density(zoomed).sum() == inside
    assert zoomed["layout"]["xaxis"]["range"] == [0.0, 10.0]
    at.button(key="maps_reset").click().run()
    assert density(figures(at)[0]).sum() == 200_000


def test_a_table_without_coordinates_is_a_clear_error():
    bad = pd.DataFrame({"word": ["a", "b"], "u": [1.0, 2.0], "v": [3.0, 4.0]}).to_csv(index=False).encode()
    at = app(page="maps")
    at.radio(key="maps_source").set_value("upload").run()
    at.file_uploader(key="maps_upload").set_value(("points.csv", bad, "text/csv")).run()
    assert not at.exception
    message = " ".join(texts(at, "error"))
    assert "points.csv" in message and "x and y" in message and "'u'" in message
    assert not figures(at)


def test_served_coordinates_open_here_not_as_vectors(tmp_path, monkeypatch):
    path = tmp_path / "coords.parquet"
    coords_table(5_000).to_parquet(path, index=False)
    monkeypatch.setenv(security.FILE_ENV, str(path))
    assert security.server_coordinates() == path.resolve()
    at = app(page="maps")
    assert not at.exception
    assert at.radio(key="maps_source").value == "server"
    assert density(figures(at)[0]).sum() == 5_000
    assert "file" not in at.radio(key="sidebar_source").options


@pytest.mark.parametrize("content, expected", [(b"x,y,key\n1,2,a\n", True), (b"key,v0,v1\na,1,2\n", False)])
def test_coordinates_tables_are_told_from_vectors(tmp_path, content, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert security.is_coordinates_table(path) is expected
