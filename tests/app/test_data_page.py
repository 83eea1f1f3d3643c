"""Data page: overview, checks (duplicates, zero vectors), conversion that reads back."""
from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

import embviz
from embviz import Embeddings
from embviz.app.pages.data import convert
from tests.app.helpers import app, texts, use_table


def test_data_page_shows_the_demo():
    at = app(page="data")
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Words"] == "20,000" and metrics["Dimensions"] == "128"
    assert at.dataframe[0].value["word"].tolist()[:3] == embviz.demo().keys[:3]
    at.text_input(key="data_filter").input("queen").run()
    words = at.dataframe[0].value["word"].tolist()
    assert "queen" in words and all("queen" in w for w in words)


def test_duplicates_and_zero_vectors_are_reported(blobs):
    vectors = blobs.vectors.copy()
    vectors[5] = vectors[7]
    vectors[9] = 0
    bad = Embeddings(blobs.keys, vectors, blobs.metadata, name="flawed")
    at = app(page="data")
    use_table(at, bad, "upload")
    at.run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "1 groups of identical vectors (2 words)" in warnings
    assert "1 zero vectors" in warnings and "w9" in warnings


def test_bad_upload_on_the_data_page_keeps_the_data():
    at = app(page="data")
    at.file_uploader(key="data_upload").set_value(("oops.npy", b"\x93NUMPY garbage", "application/octet-stream")).run()
    assert not at.exception
    assert any("oops.npy" in e and "previous data" in e for e in texts(at, "error"))
    assert {m.label: m.value for m in at.metric}["Words"] == "20,000"


@pytest.mark.parametrize("fmt", [f for f, info in embviz.FORMATS.items() if info.writable])
def test_every_writable_format_reads_back(fmt, blobs, tmp_path):
    data = convert(blobs, fmt)
    if data[:2] == b"PK" and fmt != "npz":
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            z.extractall(tmp_path)
            names = z.namelist()
        main = next(n for n in names if "meta" not in n and not n.endswith(".keys.txt")) if len(names) > 1 else names[0]
        path = tmp_path / main
    else:
        path = tmp_path / f"table{embviz.FORMATS[fmt].extensions[0]}"
        path.write_bytes(data)
    back = embviz.load(path, format=fmt)
    assert back.keys == blobs.keys
    np.testing.assert_allclose(back.vectors, blobs.vectors, rtol=1e-5, atol=1e-5)
