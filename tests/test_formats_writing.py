"""Writing: Parquet for any table, and every output atomic (no partial file at a final path, no
temporary left behind, not even after SIGKILL — the next write to that path removes it)."""
from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embviz import EmbeddingFormatError, Embeddings
from embviz.formats import load, save
from embviz.io import atomic, text
from embviz.io.atomic import atomic_paths, atomic_write, remove_stale_temporaries

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def small(rng) -> Embeddings:
    keys = ["king", "queen", "café", "東京", "new york", "", "nan"][:5] + ["nan", "null"]
    vectors = rng.normal(size=(len(keys), 6)).astype(np.float32)
    vectors[0, 0], vectors[1, 1] = 1e-30, -3.4e38
    return Embeddings(keys, vectors, name="small")


def _meta(n: int) -> pd.DataFrame:
    return pd.DataFrame({
        "rank": np.arange(1, n + 1), "zipf": np.linspace(7.5, 3.25, n), "pos": ["n", "v"] * (n // 2) + ["n"] * (n % 2),
        "flag": [True, False] * (n // 2) + [True] * (n % 2),
        "kind": pd.Categorical(["a", "b", "c"] * (n // 3) + ["a"] * (n % 3)),
        "count": pd.array([1, None] + [3] * (n - 2), dtype="Int64"),
    })


# -- Parquet --------------------------------------------------------------------------------------
@pytest.mark.parametrize("with_metadata", [False, True])
@pytest.mark.parametrize("ext", [".parquet", ".pq"])
def test_parquet_round_trips_any_table(tmp_path, small, with_metadata, ext):
    import pyarrow as pa
    import pyarrow.parquet as pq

    emb = small.with_metadata(_meta(len(small))) if with_metadata else small
    written = save(emb, tmp_path / f"x{ext}")
    assert [p.name for p in written] == [f"x{ext}"]
    back = load(written[0])
    assert back.keys == emb.keys
    assert back.vectors.tobytes() == emb.vectors.tobytes()  # bit-identical
    pd.testing.assert_frame_equal(back.metadata, emb.metadata, check_column_type=with_metadata)
    schema = pq.read_schema(written[0])  # what other tools see: key, metadata…, vector
    assert schema.names == ["key", *map(str, emb.metadata.columns), "vector"]
    vector = schema.field("vector").type
    assert pa.types.is_fixed_size_list(vector) and vector.list_size == 6 and vector.value_type == pa.float32()


def test_convert_text_to_parquet_like_the_command_line(tmp_path, small):
    """``embviz convert small.txt x.parquet`` is load then save."""
    plain = Embeddings([k.replace(" ", "_") for k in small.keys], small.vectors)
    source = save(plain, tmp_path / "small.txt")[0]
    out = save(load(source), tmp_path / "x.parquet")[0]
    back = load(out)
    assert back.keys == plain.keys and back.vectors.tobytes() == plain.vectors.tobytes()


def test_parquet_written_by_pyarrow_directly_has_the_documented_layout(tmp_path, small):
    import pyarrow.parquet as pq

    save(small, tmp_path / "x.parquet")
    table = pq.read_table(tmp_path / "x.parquet")
    assert table.column("key").to_pylist() == small.keys
    np.testing.assert_array_equal(np.array(table.column("vector").to_pylist(), np.float32), small.vectors)


# -- atomic writes ---------------------------------------------------------------------------------
def test_a_failed_save_leaves_no_file_and_keeps_the_old_one(tmp_path, small, monkeypatch):
    target = tmp_path / "v.txt"
    target.write_text("old content\n")

    def broken(f, *args, **kwargs):
        f.write(b"2 6\npartial row")
        raise KeyboardInterrupt  # as a Ctrl-C midway would

    monkeypatch.setattr(text, "write_text", broken)
    plain = Embeddings(["a", "b"], np.eye(2, 6))
    with pytest.raises(KeyboardInterrupt):
        save(plain, target)
    assert target.read_text() == "old content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.txt"]


def test_several_files_are_renamed_together_or_not_at_all(tmp_path):
    emb = Embeddings(["a", "b"], np.eye(2), pd.DataFrame({"note": ["fine", "has\ttab"]}))
    with pytest.raises(EmbeddingFormatError, match=r"contains a tab or line break"):
        save(emb, tmp_path / "pair.tsv")  # vectors.tsv would be fine; metadata.tsv cannot hold a tab
    assert list(tmp_path.iterdir()) == []


def test_gzip_outputs_name_their_final_file_inside(tmp_path, small):
    plain = Embeddings([k.replace(" ", "_") for k in small.keys], small.vectors)
    path = save(plain, tmp_path / "v.txt.gz")[0]
    raw = path.read_bytes()
    assert raw[3] & 0x08 and raw[10:raw.index(b"\0", 10)] == b"v.txt"  # FNAME field of the gzip header
    assert gzip.decompress(raw).startswith(b"7 6\n")


def test_new_files_get_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_write(tmp_path / "a.txt", "w") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644


def test_atomic_paths_for_writers_that_want_a_path(tmp_path):
    with atomic_paths([tmp_path / "t.parquet"]) as (tmp,):
        pd.DataFrame({"x": [1]}).to_parquet(tmp)
        assert not (tmp_path / "t.parquet").exists()
    assert pd.read_parquet(tmp_path / "t.parquet")["x"].tolist() == [1]
    with pytest.raises(ValueError), atomic_paths([tmp_path / "u.csv"]) as (tmp,):
        tmp.write_text("half")
        raise ValueError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.parquet"]


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporaries_of_dead_writers_are_removed_by_the_next_write(tmp_path, small):
    final = tmp_path / "v.npz"
    dead = tmp_path / f".v.npz.{_dead_pid()}.abc123{atomic.SUFFIX}"
    alive = tmp_path / f".v.npz.{os.getppid()}.def456{atomic.SUFFIX}"
    other = tmp_path / f".w.npz.{_dead_pid()}.abc123{atomic.SUFFIX}"
    for p in (dead, alive, other):
        p.write_bytes(b"half")
    save(small, final)
    assert not dead.exists() and alive.exists() and other.exists()  # only its own, only the dead's
    assert remove_stale_temporaries(tmp_path / "w.npz") == [other]


WRITER = r"""
import sys, time
from embviz.io.atomic import atomic_write
with atomic_write(sys.argv[1], "wb") as f:
    for _ in range(10_000):
        f.write(b"x" * 65536)
        f.flush()
        print("writing", flush=True)
        time.sleep(0.01)
"""


def test_a_writer_killed_midway_leaves_no_partial_file(tmp_path):
    final = tmp_path / "out.csv"
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(final)], cwd=ROOT, stdout=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        for _ in range(5):
            assert proc.stdout.readline().strip() == "writing"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stdout.close()
    assert not final.exists()
    leftovers = list(tmp_path.glob(f".out.csv.{proc.pid}.*{atomic.SUFFIX}"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size >= 5 * 65536
    time.sleep(0.05)
    with atomic_write(final, "w") as f:  # the next run
        f.write("key,v0\na,1\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
