"""The disk cache: hits, corrupt entries, LRU eviction, concurrent writers, new processes."""
from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import embviz
from embviz.cache import DiskCache, projection_key


def _writer(path: str, key: str, seed: int, rounds: int) -> None:
    cache = DiskCache(path)
    coords = np.arange(20000, dtype=np.float32).reshape(-1, 2) + seed  # each writer its own content
    for _ in range(rounds):
        cache.put(key, coords, {"seconds": 1.0, "writer": seed})


def test_put_get_and_miss(tmp_path):
    c = DiskCache(tmp_path)
    coords = np.random.default_rng(0).normal(size=(50, 3)).astype(np.float32)
    c.put("abc", coords, {"params": {"a": 1}})
    got, meta = c.get("abc")
    np.testing.assert_array_equal(got, coords)
    assert meta["params"] == {"a": 1} and c.get("other") is None
    assert not [f for f in os.listdir(c.folder) if f.endswith(".tmp")]


@pytest.mark.parametrize("damage", ["truncate", "garbage", "delete", "flip_byte", "other_key", "empty"])
def test_corrupt_entry_is_a_miss_and_gets_recomputed(blobs, tmp_path, damage):
    cache = DiskCache(tmp_path)
    first = embviz.project(blobs, "pca", cache=cache)
    key = projection_key(blobs, "pca", 2, 0, first.params)
    entry = cache.folder / f"embviz-{key}.cache"
    data = entry.read_bytes()
    if damage == "truncate":
        entry.write_bytes(data[: len(data) - 100])
    elif damage == "garbage":
        entry.write_bytes(b"{not an entry" * 100)
    elif damage == "delete":
        entry.unlink()
    elif damage == "flip_byte":
        entry.write_bytes(data[:-1] + bytes([data[-1] ^ 0xFF]))
    elif damage == "other_key":  # a whole, valid entry of another key copied under this name
        cache.put("other", np.zeros((300, 2), np.float32), {})
        entry.write_bytes((cache.folder / "embviz-other.cache").read_bytes())
    else:
        entry.write_bytes(b"")
    assert cache.get(key) is None
    again = embviz.project(blobs, "pca", cache=cache)
    assert not again.from_cache
    np.testing.assert_array_equal(again.coords, first.coords)
    assert embviz.project(blobs, "pca", cache=cache).from_cache  # rewritten


def test_least_recently_used_entries_are_evicted(tmp_path):
    c = DiskCache(tmp_path, max_bytes=10_000)
    arr = np.zeros((500, 2), np.float32)  # ~4.1 kB per entry
    c.put("a", arr, {})
    time.sleep(0.02)
    c.put("b", arr, {})
    time.sleep(0.02)
    assert c.get("a") is not None  # a is now more recent than b
    time.sleep(0.02)
    c.put("c", arr, {})
    assert c.get("b") is None and c.get("a") is not None and c.get("c") is not None
    assert c.size() <= 10_000


def test_key_depends_on_content_method_and_parameters(blobs):
    base = projection_key(blobs, "pca", 2, 0, {"whiten": False})
    assert base == projection_key(blobs, "pca", 2, 0, {"whiten": False})
    assert base != projection_key(blobs, "pca", 3, 0, {"whiten": False})
    assert base != projection_key(blobs, "pca", 2, 1, {"whiten": False})
    assert base != projection_key(blobs, "tsne", 2, 0, {"whiten": False})
    assert base != projection_key(blobs, "pca", 2, 0, {"whiten": True})
    changed = embviz.Embeddings(blobs.keys, blobs.vectors * 1.0001)
    assert base != projection_key(changed, "pca", 2, 0, {"whiten": False})


def test_concurrent_writers_never_produce_a_corrupt_read(tmp_path):
    """Three processes write the same key with different content; every read is one writer's whole entry."""
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), "same", i, 30)) for i in range(3)]
    for p in procs:
        p.start()
    cache = DiskCache(tmp_path)
    base = np.arange(20000, dtype=np.float32).reshape(-1, 2)
    writers = set()
    while any(p.is_alive() for p in procs):
        hit = cache.get("same")
        if hit is not None:  # coordinates and metadata always from the same writer
            np.testing.assert_array_equal(hit[0], base + hit[1]["writer"])
            writers.add(hit[1]["writer"])
    for p in procs:
        p.join()
        assert p.exitcode == 0
    final = cache.get("same")
    assert final is not None
    np.testing.assert_array_equal(final[0], base + final[1]["writer"])
    assert not [f for f in os.listdir(cache.folder) if f.endswith(".tmp")]


def test_unwritable_location_is_not_fatal(blobs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    p = embviz.project(blobs, "pca", cache=DiskCache(blocker / "sub"))
    assert p.coords.shape == (300, 2) and not p.from_cache


def test_hit_in_a_new_process_is_fast(blobs, tmp_path):
    first = embviz.project(blobs, "pca", cache=DiskCache(tmp_path))
    code = (
        "import time, numpy as np, embviz; from embviz.cache import DiskCache;"
        "emb = embviz.Embeddings([f'w{i}' for i in range(300)], np.load(r'%s'));"
        "t = time.perf_counter(); p = embviz.project(emb, 'pca', cache=DiskCache(r'%s'));"
        "print(p.from_cache, time.perf_counter() - t)"
    )
    np.save(tmp_path / "vectors.npy", blobs.vectors)
    out = subprocess.run([sys.executable, "-c", code % (tmp_path / "vectors.npy", tmp_path)],
                         capture_output=True, text=True, check=True, timeout=120)
    hit, seconds = out.stdout.split()
    assert hit == "True" and float(seconds) < 1.0, out.stdout
    assert first.coords.shape == (300, 2)
