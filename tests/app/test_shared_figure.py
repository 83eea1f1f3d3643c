"""One drawing of a map for every session that asks for the same one (embviz.app.mapchart)."""
from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd

import embviz
from embviz.app import mapchart


def test_sessions_asking_at_once_share_one_build():
    calls = []

    def build():
        calls.append(1)
        time.sleep(0.3)
        return object()

    out = []
    threads = [threading.Thread(target=lambda: out.append(mapchart.shared_figure("k-at-once", build))) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(o) for o in out}) == 1
    assert mapchart.shared_figure("k-at-once", build) is out[0] and len(calls) == 1


def test_a_failed_build_is_not_kept():
    def bad():
        raise ValueError("no")

    for _ in range(2):
        try:
            mapchart.shared_figure("k-bad", bad)
        except ValueError:
            pass
        else:
            raise AssertionError("the error was swallowed")
    assert mapchart.shared_figure("k-bad", lambda: "ok") == "ok"


def test_the_key_follows_content_metadata_and_settings():
    rng = np.random.default_rng(0)
    keys = [f"w{i}" for i in range(50)]
    vectors = rng.normal(size=(50, 4)).astype(np.float32)
    a = embviz.Embeddings(keys, vectors, metadata=pd.DataFrame({"pos": ["noun"] * 50}))
    same = embviz.Embeddings(list(keys), vectors.copy(), metadata=pd.DataFrame({"pos": ["noun"] * 50}))
    other_meta = embviz.Embeddings(keys, vectors, metadata=pd.DataFrame({"pos": ["verb"] * 50}))
    proj = embviz.project(a, "pca", 2, cache=False)
    key = mapchart.figure_key(a, a, proj, "pos", "w1")
    assert mapchart.figure_key(same, same, proj, "pos", "w1") == key  # another session, the same table
    assert mapchart.figure_key(other_meta, other_meta, proj, "pos", "w1") != key  # colours differ
    assert mapchart.figure_key(a, a, proj, "pos", "w2") != key
    moved = embviz.project(a.subset(keys), "pca", 2, cache=False)
    moved.coords = moved.coords * 2
    assert mapchart.figure_key(a, a, moved, "pos", "w1") != key
    part = a.subset(keys[:20])
    assert mapchart.figure_key(a, part, proj, "pos", "w1") != key


def test_a_stopped_value_is_returned_but_not_kept_and_the_store_is_bounded():
    from types import SimpleNamespace

    from embviz.app.shared import SharedStore

    store = SharedStore(2)
    stopped = SimpleNamespace(stopped=True)
    assert store.get_or_make("a", lambda: stopped) is stopped and store.get("a") is None
    for key in "bcd":
        store.get_or_make(key, lambda k=key: k)
    assert len(store) == 2 and store.get("b") is None and store.get("d") == "d"


def test_a_stalled_build_does_not_hold_the_others():
    from embviz.app.shared import SharedStore

    store = SharedStore(4)
    store.WAIT = 0.2
    release = threading.Event()
    first = threading.Thread(target=lambda: store.get_or_make("k", lambda: release.wait(5) and "late"))
    first.start()
    time.sleep(0.05)
    t0 = time.monotonic()
    assert store.get_or_make("k", lambda: "own") == "own"  # built its own after the wait
    assert time.monotonic() - t0 < 2
    release.set()
    first.join()
