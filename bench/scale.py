"""How far one machine goes: 1,000,000 × 128 synthetic vectors projected end to end.

Writes the vectors as a .npy file, then runs :func:`embviz.scale.project_large` (fit on a 20,000-row
sample, map every row in 100,000-row partitions, stream to Parquet) and reports the time and the
peak resident memory (this process + its Dask workers) of each stage, for 0 (in process), 1 and 2
local Dask workers.

    python3 bench/scale.py                       # PCA 0/1/2 workers + UMAP 2 workers at 1M
    python3 bench/scale.py --rows 200000 --methods umap --workers 1 2
"""
from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


class PeakMemory:
    """Samples RSS of this process and its children; keeps the peak per stage label."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self.proc, self.interval = psutil.Process(), interval
        self.stage, self.peaks = "load+sample", {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self) -> int:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            with contextlib.suppress(Exception):  # a child may exit between listing and reading
                total += child.memory_info().rss
        return total

    def _run(self):
        while not self._stop.is_set():
            rss = self._rss()
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)
            time.sleep(self.interval)

    def progress(self, done, total, message=""):
        self.stage = "fit" if message.startswith("fitting") else "transform+write"

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def synthetic(path: Path, rows: int, dim: int, seed: int = 0) -> float:
    """Clustered vectors (50 centres), written in blocks so the writer never holds them all."""
    start = time.perf_counter()
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(50, dim)).astype(np.float32)
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, dim))
    for a in range(0, rows, 100_000):
        b = min(rows, a + 100_000)
        out[a:b] = centres[rng.integers(0, 50, b - a)] + rng.normal(size=(b - a, dim)).astype(np.float32)
    out.flush()
    del out
    return time.perf_counter() - start


def main() -> None:
    from embviz.scale import project_large

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--sample", type=int, default=20_000)
    ap.add_argument("--methods", nargs="+", default=["pca", "umap"])
    ap.add_argument("--workers", nargs="+", type=int, default=None,
                    help="worker counts (default: 0 1 2 for PCA, 2 for UMAP)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="embviz-bench-"))
    src = folder / "vectors.npy"
    print(f"writing {args.rows:,} × {args.dim} float32 to {src}: {synthetic(src, args.rows, args.dim):.1f} s",
          flush=True)
    print("| method | workers | load+sample s | fit s | transform+write s | total s | peak RSS MB (sample / fit / map) |")
    print("|---|---|---|---|---|---|---|", flush=True)
    for method in args.methods:
        counts = args.workers or ([0, 1, 2] if method == "pca" else [2])
        for workers in counts:
            with PeakMemory() as mem:
                res = project_large(src, method, sample=args.sample, out=folder / f"{method}{workers}.parquet",
                                    workers=workers, progress=mem.progress)
            s = res.seconds
            peaks = " / ".join(f"{mem.peaks.get(k, 0) / 2**20:.0f}" for k in ("load+sample", "fit", "transform+write"))
            print(f"| {method} | {workers} | {s['load+sample']:.1f} | {s['fit']:.1f} | {s['transform+write']:.1f} "
                  f"| {sum(s.values()):.1f} | {peaks} |", flush=True)


if __name__ == "__main__":
    main()
