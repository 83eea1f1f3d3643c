"""The first projection in a fresh process, with and without ``embviz.reduce.warm_up``.

    python3 bench/first_call.py            # UMAP at 10,000 points, t-SNE at 5,000 (demo table)
    python3 bench/first_call.py --quick    # 3,000 / 2,000 points

Each row is measured in its own new Python process (numba's disk cache as a user has it after
the first run, plus one UMAP row with an empty numba cache): the first call, a second identical
call in the same process, and — in another new process — the first call after ``warm_up()``
(whose own time is listed). For t-SNE the first call is broken into its stages (imports, PCA,
neighbours, affinities, optimisation), first call against second, to show where the extra time
of a first call goes.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(case: dict) -> dict:
    """Runs in a fresh process: the timings of one case."""
    out: dict = {}
    t = time.perf_counter()
    import numpy as np

    import embviz

    emb = embviz.demo()
    emb = emb.sample(min(case["n"], len(emb)), seed=0)
    out["load_s"] = time.perf_counter() - t
    if case["warm"]:
        t = time.perf_counter()
        from embviz.reduce import warm_up

        warm_up(methods=(case["method"],))
        out["warm_up_s"] = time.perf_counter() - t
    if case["method"] == "tsne" and case.get("stages"):
        out["stages_first"] = tsne_stages(emb)
        out["stages_second"] = tsne_stages(emb)
        return out
    for name in ("first_s", "second_s"):
        t = time.perf_counter()
        embviz.project(emb, case["method"], cache=False)
        out[name] = time.perf_counter() - t
    del np
    return out


def tsne_stages(emb) -> dict:
    """The stages of embviz's t-SNE, timed one by one (the same calls as TSNEReducer.fit)."""
    stages = {}
    t = time.perf_counter()
    import openTSNE  # noqa: F401
    from openTSNE import TSNEEmbedding, initialization

    from embviz.reduce import tsne
    from embviz.reduce.base import prepare_rows
    from embviz.reduce.pca import pre_reduce

    stages["imports"] = time.perf_counter() - t
    x = prepare_rows(emb.vectors, "cosine")
    t = time.perf_counter()
    z, _ = pre_reduce(x, 100, 0)
    stages["pca"] = time.perf_counter() - t
    t = time.perf_counter()
    index = tsne.knn_index(z, 90, 0, "auto")
    graph = index.build()
    stages["neighbours"] = time.perf_counter() - t
    from openTSNE import affinity
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    t = time.perf_counter()
    aff = affinity.PerplexityBasedNN(perplexity=30, knn_index=PrecomputedNeighbors(*graph), n_jobs=tsne.n_jobs())
    stages["affinities"] = time.perf_counter() - t
    t = time.perf_counter()
    init = initialization.pca(z, n_components=2, random_state=0)
    embedding = TSNEEmbedding(init, aff, negative_gradient_method="fft", n_jobs=tsne.n_jobs(), random_state=0,
                              learning_rate=max(200, len(z) / 10))
    stages["init"] = time.perf_counter() - t
    t = time.perf_counter()
    embedding.optimize(50, exaggeration=12, momentum=0.5, inplace=True)
    stages["first 50 iterations"] = time.perf_counter() - t
    t = time.perf_counter()
    embedding.optimize(450, momentum=0.8, inplace=True)
    stages["next 450 iterations"] = time.perf_counter() - t
    return stages


def spawn(case: dict, env: dict | None = None) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--case", json.dumps(case)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=3600, check=False)
    if proc.returncode:
        return {"error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(child(json.loads(args.case))))
        return
    n_umap, n_tsne = (3000, 2000) if args.quick else (10_000, 5_000)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(timings on a shared machine are provisional)")
    header = f"{'case':34} {'N':>7} {'first s':>8} {'second s':>9} {'warm_up s':>10} {'first after warm_up s':>22}"
    print(header)
    print("-" * len(header))
    empty = {"NUMBA_CACHE_DIR": tempfile.mkdtemp(prefix="numba-empty-")}
    rows = [("UMAP, numba cache empty", "umap", n_umap, empty), ("UMAP", "umap", n_umap, None),
            ("t-SNE", "tsne", n_tsne, None)]
    for label, method, n, env in rows:
        cold = spawn({"method": method, "n": n, "warm": False}, env)
        if env is not None:
            env = {"NUMBA_CACHE_DIR": tempfile.mkdtemp(prefix="numba-empty-")}
        warm = spawn({"method": method, "n": n, "warm": True}, env)
        if "error" in cold or "error" in warm:
            print(f"{label:34} {n:>7} failed: {cold.get('error') or warm.get('error')}")
            continue
        print(f"{label:34} {n:>7} {cold['first_s']:8.2f} {cold['second_s']:9.2f} {warm['warm_up_s']:10.2f} "
              f"{warm['first_s']:22.2f}")
    stages = spawn({"method": "tsne", "n": n_tsne, "warm": False, "stages": True})
    if "error" not in stages:
        print(f"\nt-SNE at {n_tsne:,} points, stage by stage in one fresh process (seconds):")
        print(f"{'stage':24} {'first call':>11} {'second call':>12}")
        for name, first in stages["stages_first"].items():
            print(f"{name:24} {first:11.2f} {stages['stages_second'][name]:12.2f}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
