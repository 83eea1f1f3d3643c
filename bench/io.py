"""Benchmark embviz.load against gensim's KeyedVectors.load_word2vec_format.

Writes a synthetic N × D table (default 100,000 × 300, normal values) in several formats, then
times each reader in a fresh subprocess (so that peak memory is measured per reader, as the rise
of the process's maximum resident size over the reader's run) and prints a table.

    python3 bench/io.py                      # 100k × 300, about two minutes (gensim text is slow)
    python3 bench/io.py --rows 20000 --dim 100
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [
    # name,                 file,          embviz kwargs,        gensim kwargs (None: no equivalent)
    ("word2vec text", "v.txt", {}, {"binary": False}),
    ("word2vec text, limit 50k", "v.txt", {"limit": 50_000}, {"binary": False, "limit": 50_000}),
    ("word2vec text .gz", "v.txt.gz", {}, {"binary": False}),
    ("GloVe text (no header)", "g.txt", {"format": "glove"}, {"binary": False, "no_header": True}),
    ("word2vec binary", "v.bin", {}, {"binary": True}),
    ("word2vec binary, limit 50k", "v.bin", {"limit": 50_000}, {"binary": True, "limit": 50_000}),
    ("npz", "v.npz", {}, None),
    ("parquet", "v.parquet", {}, None),
    ("csv", "v.csv", {}, None),
    ("projector tsv", "p.tsv", {}, None),
]


def _peak_mb() -> float:
    """Peak resident memory of this process so far (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_one(tool: str, path: str, kwargs: dict) -> dict:
    """Runs inside the subprocess: import first, then time the load alone."""
    if tool == "embviz":
        from embviz import formats

        load = lambda: formats.load(path, **kwargs)
    else:
        from gensim.models import KeyedVectors

        load = lambda: KeyedVectors.load_word2vec_format(path, **kwargs)
    import numpy  # noqa: F401  (imports done before the baseline)

    before = _peak_mb()
    start = time.perf_counter()
    out = load()
    seconds = time.perf_counter() - start
    rows = len(out) if tool == "embviz" else len(out.index_to_key)
    return {"seconds": seconds, "peak_mb": _peak_mb() - before, "rows": rows}


def measure(tool: str, path: Path, kwargs: dict, repeat: int = 3) -> dict:
    """Best time of up to ``repeat`` fresh processes (only one when a run takes over 5 s)."""
    cmd = [sys.executable, __file__, "--one", tool, str(path), json.dumps(kwargs)]
    best = None
    for _ in range(repeat):
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{tool} on {path.name} failed:\n{done.stderr[-2000:]}")
        run = json.loads(done.stdout.strip().splitlines()[-1])
        if best is None or run["seconds"] < best["seconds"]:
            best = run
        if run["seconds"] > 5:
            break
    return best


def write_files(folder: Path, rows: int, dim: int) -> float:
    import numpy as np
    import pandas as pd

    from embviz import Embeddings
    from embviz.formats import save

    rng = np.random.default_rng(0)
    emb = Embeddings([f"w{i}" for i in range(rows)], rng.normal(size=(rows, dim)).astype(np.float32),
                     pd.DataFrame({"rank": np.arange(rows)}))
    bare = emb.with_metadata(pd.DataFrame(index=range(rows)))
    start = time.perf_counter()
    save(bare, folder / "v.txt")
    write_seconds = time.perf_counter() - start
    (folder / "g.txt").write_bytes((folder / "v.txt").read_bytes().split(b"\n", 1)[1])
    import gzip

    (folder / "v.txt.gz").write_bytes(gzip.compress((folder / "v.txt").read_bytes(), compresslevel=1))
    save(bare, folder / "v.bin")
    for name in ("v.npz", "v.parquet", "v.csv", "p.tsv"):
        save(emb, folder / name)
    return write_seconds


def gensim_write_seconds(folder: Path) -> float:
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(folder / "v.bin"), binary=True)
    start = time.perf_counter()
    kv.save_word2vec_format(str(folder / "gensim.txt"), binary=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, path, kwargs = args.one
        print(json.dumps(run_one(tool, path, json.loads(kwargs))))
        return
    with tempfile.TemporaryDirectory(prefix="embviz-bench-") as tmp:
        folder = Path(tmp)
        print(f"writing {args.rows:,} × {args.dim} files to {folder} …", flush=True)
        ours_write = write_files(folder, args.rows, args.dim)
        theirs_write = gensim_write_seconds(folder)
        print(f"\n{'format':28} {'rows':>8} {'embviz s':>9} {'gensim s':>9} {'ratio':>6} "
              f"{'embviz MB':>10} {'gensim MB':>10}")
        for name, file, ours_kw, theirs_kw in CASES:
            ours = measure("embviz", folder / file, ours_kw)
            line = f"{name:28} {ours['rows']:>8,} {ours['seconds']:>9.2f} "
            if theirs_kw is None:
                line += f"{'-':>9} {'-':>6} {ours['peak_mb']:>10.0f} {'-':>10}"
            else:
                theirs = measure("gensim", folder / file, theirs_kw)
                assert theirs["rows"] == ours["rows"], (theirs, ours)
                ratio = theirs["seconds"] / ours["seconds"]
                line += (f"{theirs['seconds']:>9.2f} {ratio:>5.1f}x {ours['peak_mb']:>10.0f} "
                         f"{theirs['peak_mb']:>10.0f}")
            print(line, flush=True)
        print(f"{'write word2vec text':28} {args.rows:>8,} {ours_write:>9.2f} {theirs_write:>9.2f} "
              f"{theirs_write / ours_write:>5.1f}x {'':>10} {'':>10}")
        print("\nratio = gensim seconds / embviz seconds (above 1: embviz is faster); best of 3 "
              "fresh processes for runs under 5 s. MB = rise of peak resident memory (VmHWM) "
              "during the load.")


if __name__ == "__main__":
    main()
