"""The disk cache touches only its own files, reads only bounded regular files, survives kills."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from embviz.cache import FOLDER, MARKER, DiskCache, projection_key

ROOT = Path(__file__).resolve().parents[1]


def _user_files(root: Path) -> dict[Path, bytes]:
    """Files a user keeps in the cache folder (and in our subfolder): they must all survive."""
    rng = np.random.default_rng(0)
    files = {
        root / "my_vectors.npy": None,
        root / "notes.json": b'{"note": "mine"}',
        root / "0123456789abcdef0123456789abcdef01234567.npy": b"an old-style name, still not ours",
        root / "embviz-abc.cache": b"our name, but not in our folder",
        root / FOLDER / "notes.json": b"{}",
        root / FOLDER / "my.npy": b"x" * 1000,
        root / FOLDER / "embviz-abc.cache.bak": b"close to our name",
        root / FOLDER / ".embviz-abc.tmp.keep": b"close to a temporary's name",
    }
    np.save(root / "my_vectors.npy", rng.normal(size=(20_000, 32)).astype(np.float32))  # 2.5 MB
    files[root / "my_vectors.npy"] = (root / "my_vectors.npy").read_bytes()
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def test_eviction_and_clear_delete_only_cache_entries(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=50_000)
    cache.put("first", np.zeros(10, np.float32), {})  # creates the folder with its marker
    files = _user_files(tmp_path)
    for i in range(40):  # ~4 kB each: eviction runs many times
        cache.put(f"k{i}", np.full((500, 2), i, np.float32), {"i": i})
    assert 0 < cache.size() <= 50_000 and cache.get("k39")[1] == {"i": 39}
    assert cache.get("k0") is None  # evicted
    cache.clear()
    assert cache.entries() == [] and cache.get("k39") is None
    for path, data in files.items():
        assert path.read_bytes() == data, path
    assert (tmp_path / FOLDER / MARKER).is_file()


def test_a_folder_without_our_marker_is_left_alone(tmp_path):
    """A user's own folder named like ours: nothing is written into it or deleted from it."""
    theirs = tmp_path / FOLDER
    theirs.mkdir()
    (theirs / "embviz-k.cache").write_bytes(b"theirs")
    cache = DiskCache(tmp_path, max_bytes=1)
    cache.put("k", np.zeros(4, np.float32), {})
    cache.clear()
    assert cache.get("k") is None and cache.entries() == []
    assert sorted(os.listdir(theirs)) == ["embviz-k.cache"] and (theirs / "embviz-k.cache").read_bytes() == b"theirs"


def _probe(code: str, timeout: float = 60.0) -> str:
    """Run ``code`` in a fresh interpreter (a hang or a memory blow-up cannot take the tests down)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                         timeout=timeout, env=env, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hostile_entries_are_quick_misses_without_memory_growth(tmp_path):
    cache = DiskCache(tmp_path)
    cache.put("good", np.arange(6, dtype=np.float32).reshape(3, 2), {})
    folder = cache.folder
    os.symlink("/dev/zero", folder / "embviz-zero.cache")
    os.mkfifo(folder / "embviz-fifo.cache")
    with open(folder / "embviz-sparse.cache", "wb") as fh:  # 10 GB, sparse: no disk used
        fh.truncate(10 * 1024**3)
    os.symlink(folder / "embviz-good.cache", folder / "embviz-link.cache")  # never followed
    (folder / "embviz-dir.cache").mkdir()
    # a header that claims a billion rows in a small file must not allocate them
    good = (folder / "embviz-good.cache").read_bytes()
    (folder / "embviz-liar.cache").write_bytes(good.replace(b"(3, 2)", b"(1000000000, 2)"))
    out = _probe(f"""
        import resource, time
        from embviz.cache import DiskCache
        c = DiskCache({str(tmp_path)!r}, max_bytes=100 * 1024**3)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        hits = [c.get(k) is not None for k in ("zero", "fifo", "sparse", "link", "dir", "liar", "good")]
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(hits, time.perf_counter() - t, grew)
    """)
    hits, seconds, grew_kb = out.rsplit(" ", 2)
    assert hits == "[False, False, False, False, False, False, True]", out
    assert float(seconds) < 5 and int(grew_kb) < 100_000, out  # not the 10 GB, not /dev/zero's stream
    sizes = {key for _, _, key in cache.entries()}
    assert sizes == {"good", "sparse", "liar"}  # links, FIFOs and folders are not entries
    cache.clear()  # regular files with our names go; the others are left
    assert sorted(os.listdir(folder)) == [MARKER, "embviz-dir.cache", "embviz-fifo.cache",
                                          "embviz-link.cache", "embviz-zero.cache"]


def test_entries_larger_than_the_cache_are_not_written(tmp_path):
    cache = DiskCache(tmp_path, max_bytes=10_000)
    cache.put("small", np.zeros(100, np.float32), {})
    cache.put("huge", np.zeros(100_000, np.float32), {})
    assert cache.get("huge") is None and cache.get("small") is not None


def test_killed_writer_leaves_no_partial_entry_and_its_temporary_is_swept(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import numpy as np
            from embviz.cache import DiskCache
            c = DiskCache({str(tmp_path)!r}, max_bytes=10 * 1024**3)
            big = np.random.default_rng(0).normal(size=(6_000_000, 2)).astype(np.float32)  # 48 MB
            for i in range(1000):
                c.put(f"k{{i}}", big + i, {{"i": i}})
        """)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    folder = tmp_path / FOLDER
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (
        folder.is_dir() and any(f.endswith(".tmp") for f in os.listdir(folder)) and len(os.listdir(folder)) > 2
    ):
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    cache = DiskCache(tmp_path, max_bytes=10 * 1024**3)
    for _, _, key in cache.entries():  # whatever reached its final name is whole
        coords, meta = cache.get(key)
        assert coords.shape == (6_000_000, 2) and meta["i"] == int(key[1:])
    temps = [f for f in os.listdir(folder) if f.endswith(".tmp")]
    old = time.time() - 3600
    for f in temps:  # as if the next run came an hour later
        os.utime(folder / f, (old, old))
    cache.put("next", np.zeros(3, np.float32), {})
    assert not [f for f in os.listdir(folder) if f.endswith(".tmp")]
    fresh = folder / ".embviz-live.abc.tmp"  # a live writer's temporary is left alone
    fresh.write_bytes(b"writing")
    cache.put("again", np.zeros(3, np.float32), {})
    assert fresh.exists()


def test_projection_key_takes_extra_inputs(blobs):
    base = projection_key(blobs, "pca", 2, 0, {})
    assert projection_key(blobs, "pca", 2, 0, {}, extra=None) == base
    regions = projection_key(blobs, "pca", 2, 0, {}, extra={"kind": "regions", "k": 5})
    assert regions != base
    assert regions == projection_key(blobs, "pca", 2, 0, {}, {"k": 5, "kind": "regions"})  # order-free
    assert regions != projection_key(blobs, "pca", 2, 0, {}, extra={"kind": "regions", "k": 6})


def test_bad_keys_are_parameter_errors(tmp_path):
    from embviz import ParameterError

    cache = DiskCache(tmp_path)
    for key in ["", "../escape", "a/b", "x" * 200, "名前", None]:
        with pytest.raises(ParameterError, match="'key' parameter of DiskCache"):
            cache.get(key)
