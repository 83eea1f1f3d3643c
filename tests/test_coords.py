"""Coordinates tables: one module builds, writes (atomically), reads and validates them."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from embviz.coords import (PARTIAL, atomic_write, coordinate_array, coordinates_frame, read_coordinates,
                           remove_stale, write_coordinates)
from embviz.errors import EmbeddingFormatError, ParameterError


@pytest.fixture
def xy():
    return np.random.default_rng(3).normal(size=(100, 2))


def test_read_coordinates_parquet_csv_and_errors(tmp_path, xy):
    table = pd.DataFrame({"key": [f"k{i}" for i in range(100)], "x": xy[:100, 0], "y": xy[:100, 1],
                          "group": ["a", "b"] * 50})
    table.to_parquet(tmp_path / "c.parquet", index=False)
    table.to_csv(tmp_path / "c.csv", index=False)
    for name in ("c.parquet", "c.csv"):
        back = read_coordinates(tmp_path / name)
        assert list(back["key"][:2]) == ["k0", "k1"] and back["x"].dtype == np.float32
        np.testing.assert_allclose(back["y"], table["y"], rtol=1e-6)
        assert list(back["group"][:2]) == ["a", "b"]
    table.drop(columns="y").to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(EmbeddingFormatError, match=r"bad.csv: expected coordinate columns x and y, found \['key', 'x', 'group'\]"):
        read_coordinates(tmp_path / "bad.csv")
    table.assign(x="oops").to_csv(tmp_path / "text.csv", index=False)
    with pytest.raises(EmbeddingFormatError, match="column 'x' must hold numbers"):
        read_coordinates(tmp_path / "text.csv")
    with pytest.raises(EmbeddingFormatError, match="no such file"):
        read_coordinates(tmp_path / "missing.parquet")


@pytest.mark.parametrize("name", ["c.parquet", "c.csv", "c.tsv"])
def test_written_coordinates_read_back_with_keys_and_metadata(tmp_path, xy, name):
    meta = pd.DataFrame({"group": ["a\tb", "c"] * 50, "x": range(100)})  # a column named like an axis is dropped
    written = write_coordinates(tmp_path / name, [f"k{i}" for i in range(100)], xy.astype(np.float32), meta)
    assert written[0] == tmp_path / name and all(p.exists() for p in written)
    back = read_coordinates(tmp_path / name)
    assert back["key"].tolist()[:2] == ["k0", "k1"]
    np.testing.assert_allclose(back[["x", "y"]], xy, rtol=1e-5)
    assert back["group"].tolist()[:2] == (["a b", "c"] if name.endswith(".tsv") else ["a\tb", "c"])
    np.testing.assert_allclose(coordinate_array(tmp_path / name), xy, rtol=1e-5)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    with pytest.raises(ParameterError, match=r"'output' parameter of write_coordinates must be a file ending in"):
        write_coordinates(tmp_path / "c.txt", ["a"], [[0, 1]])
    with pytest.raises(ParameterError, match="'coords' parameter of coordinates_frame"):
        coordinates_frame(np.zeros((3, 2)), ["a", "b"])


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(target, "w") as fh:
            fh.write("new, half")
            raise RuntimeError("disk full")
    assert target.read_text() == "old\n" and sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_stale_temporaries_of_dead_processes_are_removed_by_the_next_write(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    stale = tmp_path / f".out.csv{PARTIAL}{dead}-abcdef"
    stale.write_text("half")
    folder = tmp_path / f".out.csv{PARTIAL}{dead}-dir"
    folder.mkdir()
    (folder / "coords.parquet").write_text("half")
    mine = tmp_path / f".out.csv{PARTIAL}{os.getpid()}-live"  # this process is alive: kept
    mine.write_text("in progress")
    other = tmp_path / ".notes.csv.embviz-partial-1-x"  # another target's: not ours to judge
    other.write_text("x")
    write_coordinates(tmp_path / "out.csv", ["a"], np.zeros((1, 2)))
    assert not stale.exists() and not folder.exists() and mine.exists() and other.exists()
    assert remove_stale(tmp_path / "out.csv") == []


def test_projector_zip_is_the_tsv_pair_the_writer_writes_and_reads_back_raw(tmp_path, xy):
    """One projector writer: the app's zip holds exactly the files write_coordinates writes; cells
    are raw (a quote stays a quote, tabs and line breaks become spaces), as the projector reads them."""
    import io
    import zipfile

    from embviz.app.export import to_projector_zip
    from embviz.coords import projector_zip

    keys = ['say "hi"', "tab\there", "line\nbreak"] + [f"k{i}" for i in range(97)]
    meta = pd.DataFrame({"pos": ["n", "v"] * 50})
    written = write_coordinates(tmp_path / "c.tsv", keys, xy, meta)
    df = coordinates_frame(xy, keys, meta)
    assert to_projector_zip(df) == projector_zip(df)
    with zipfile.ZipFile(io.BytesIO(projector_zip(df))) as z:
        assert z.read("tensors.tsv") == written[0].read_bytes()
        assert z.read("metadata.tsv") == written[1].read_bytes()
    assert written[1].read_text().splitlines()[:4] == ["key\tpos", 'say "hi"\tn', "tab here\tv", "line break\tn"]
    back = read_coordinates(tmp_path / "c.tsv")
    assert back["key"].tolist()[:3] == ['say "hi"', "tab here", "line break"]
    np.testing.assert_allclose(back[["x", "y"]].to_numpy(), xy, rtol=1e-5)


def test_is_coordinates_table_reads_only_the_columns(tmp_path, xy):
    from embviz.app import security
    from embviz.coords import is_coordinates_table

    write_coordinates(tmp_path / "c.parquet", [f"k{i}" for i in range(100)], xy)
    write_coordinates(tmp_path / "c.csv", [f"k{i}" for i in range(100)], xy)
    pd.DataFrame({"key": ["a"], "v0": [1.0]}).to_csv(tmp_path / "v.csv", index=False)
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    assert is_coordinates_table(tmp_path / "c.parquet") and is_coordinates_table(tmp_path / "c.csv")
    assert not any(is_coordinates_table(tmp_path / n) for n in ("v.csv", "bad.parquet", "missing.csv", "c.tsv"))
    assert security.is_coordinates_table is is_coordinates_table


def test_coordinates_arrow_matches_the_frame(xy):
    from embviz.coords import coordinates_arrow

    meta = pd.DataFrame({"pos": ["n", "v"] * 50, "x": range(100)})  # a metadata "x" never replaces the axis
    table = coordinates_arrow([f"k{i}" for i in range(100)], xy, meta, extra={"in_sample": np.ones(100, bool)})
    assert table.column_names == ["key", "x", "y", "in_sample", "pos"]
    frame = coordinates_frame(xy.astype(np.float32), [f"k{i}" for i in range(100)], meta)
    pd.testing.assert_frame_equal(table.to_pandas().drop(columns="in_sample"), frame)
