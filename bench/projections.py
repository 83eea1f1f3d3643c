"""Projection speed and faithfulness against the libraries a user would otherwise call.

    python3 bench/projections.py            # the full table of issue 3 (~20-40 min on 2 cores)
    python3 bench/projections.py --quick    # smaller sizes, a few minutes
    python3 bench/projections.py --only pacmap,trimap,densmap,placement,tsne-100k

Every timed run happens in its own subprocess so that the peak memory (``VmHWM`` of that
process, imports included; ``ru_maxrss`` would carry the parent's peak over the exec) and the "first call in a fresh process" cases are honest. Quality
(trustworthiness@10, kNN recall@10, cosine metric on the input vectors) is computed afterwards
by the parent with ``embviz.quality`` on the coordinates each run saved.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


# -- data -----------------------------------------------------------------------------------------
def dataset(name: str, n: int) -> np.ndarray:
    """Unit-length float32 rows: a sample of the demo table, or a synthetic mixture."""
    if name == "demo":
        import embviz

        emb = embviz.demo()
        return np.array(emb.sample(min(n, len(emb)), seed=0).unit_vectors)
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(60, 128))
    labels = rng.integers(0, 60, size=n)
    scales = rng.uniform(0.3, 1.2, size=60)[labels, None]
    x = (centers[labels] + scales * rng.normal(size=(n, 128))).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# -- one timed run (child process) ---------------------------------------------------------------
def peak_mb() -> float:
    """This process's peak resident memory in MB (Linux ``VmHWM``; reset by exec, unlike
    ``getrusage``'s ``ru_maxrss``, which a child inherits from its parent's peak)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_case(case: dict) -> dict:
    x = dataset(case["data"], case["n"])
    emb = None
    kind, side = case["kind"], case["side"]
    out: dict = {}
    if kind in ("densmap", "pacmap", "trimap") and side != "ours":
        coords, out["seconds"] = library_run(kind, x)
    elif kind == "placement":
        out.update(placement(x, side))
        coords = None
    elif kind in ("tsne", "umap", "pca", "densmap", "pacmap", "trimap") and side == "ours":
        import embviz

        emb = embviz.Embeddings([str(i) for i in range(len(x))], x)
        if kind == "tsne":  # import what it uses before timing, as the references' imports are
            import openTSNE  # noqa: F401
            import sklearn.decomposition  # noqa: F401

            import embviz.reduce.tsne  # noqa: F401
        if kind in ("densmap", "pacmap", "trimap"):
            import embviz.reduce  # noqa: F401  (the libraries import inside fit, as for the references)
        if case.get("warm"):  # like the reference's warm-up: 5,000 points, through pynndescent too
            extra = {"neighbors": "approx"} if kind == "umap" else {}
            embviz.project(emb.take(np.arange(5000)), kind, cache=False, **case.get("params", {}), **extra)
        t = time.perf_counter()
        p = embviz.project(emb, kind, cache=False, **case.get("params", {}))
        out["seconds"] = time.perf_counter() - t
        coords = p.coords
        out["params"] = p.params
    elif kind == "tsne" and side == "sklearn":
        from sklearn.manifold import TSNE

        t = time.perf_counter()
        coords = TSNE(perplexity=30, random_state=0).fit_transform(x)
        out["seconds"] = time.perf_counter() - t
    elif kind == "tsne" and side == "openTSNE":
        from openTSNE import TSNE

        t = time.perf_counter()
        coords = np.asarray(TSNE(random_state=0, n_jobs=os.cpu_count()).fit(x))
        out["seconds"] = time.perf_counter() - t
    elif kind == "umap" and side == "umap-learn":
        import umap

        if case.get("warm"):
            umap.UMAP().fit_transform(x[:5000])
        t = time.perf_counter()
        coords = umap.UMAP().fit_transform(x)
        out["seconds"] = time.perf_counter() - t
    elif kind == "pca" and side == "sklearn":
        from sklearn.decomposition import PCA

        t = time.perf_counter()
        coords = PCA(2).fit_transform(x)
        out["seconds"] = time.perf_counter() - t
    elif kind == "quality":
        y = x[:, :2] + 0.05 * np.random.default_rng(1).normal(size=(len(x), 2)).astype(np.float32)
        t = time.perf_counter()
        if side == "ours":
            from embviz.faithfulness import trustworthiness

            out["value"] = trustworthiness(x, y, 10, "cosine")
        else:
            from sklearn.manifold import trustworthiness

            out["value"] = trustworthiness(x, y, n_neighbors=10, metric="cosine")
        out["seconds"] = time.perf_counter() - t
        coords = None
    elif kind == "cache":
        import embviz

        emb = embviz.Embeddings([str(i) for i in range(len(x))], x)
        t = time.perf_counter()
        p = embviz.project(emb, "umap" if side == "ours" else "pca")
        out["seconds"] = time.perf_counter() - t
        out["from_cache"] = p.from_cache
        coords = None
    else:
        raise SystemExit(f"unknown case {case}")
    out["peak_mb"] = peak_mb()
    if coords is not None:
        np.save(case["out"], np.asarray(coords, dtype=np.float32))
    return out


def library_run(kind: str, x: np.ndarray) -> tuple[np.ndarray, float]:
    """The library a user would otherwise call, with its defaults (imports before the clock)."""
    if kind == "densmap":
        import umap

        t = time.perf_counter()
        coords = umap.UMAP(densmap=True, random_state=0).fit_transform(x)
    elif kind == "pacmap":
        import pacmap

        t = time.perf_counter()
        coords = pacmap.PaCMAP(random_state=0).fit_transform(x)
    else:
        from trimap import TorchTRIMAP

        t = time.perf_counter()
        coords = TorchTRIMAP(device="cpu").fit_transform(x)
        coords = coords.detach().cpu().numpy() if hasattr(coords, "detach") else coords
    return np.asarray(coords, dtype=np.float32), time.perf_counter() - t


def placement(x: np.ndarray, method: str) -> dict:
    """Fit on 90 % of the rows, place the held-out 10 % with the method's own transform and with
    neighbour interpolation (what a map from the disk cache uses); recall@10 of each placement
    (its 10 nearest fitted points on the map against the 10 nearest in the original space) and
    the median gap between the two placements relative to the map's extent."""
    import embviz
    from embviz.neighbors import top_k
    from embviz.reduce.place import Mapper, NeighbourModel

    n_fit = int(len(x) * 0.9)
    emb = embviz.Embeddings([str(i) for i in range(n_fit)], x[:n_fit])
    proj = embviz.project(emb, method, cache=False)
    new = x[n_fit:]
    t = time.perf_counter()
    native = proj.transform(new)
    native_s = time.perf_counter() - t
    t = time.perf_counter()
    interp = Mapper(NeighbourModel(emb.unit_vectors, proj.coords, metric="cosine"), "cosine", emb.dim)(new)
    interp_s = time.perf_counter() - t
    truth, _ = top_k(new, x[:n_fit], 10)

    def recall(xy):
        got, _ = top_k(xy, proj.coords, 10, metric="euclidean")
        return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)]))

    extent = float(np.ptp(proj.coords, axis=0).max())
    gap = float(np.median(np.linalg.norm(native - interp, axis=1)) / extent)
    return {"seconds": native_s, "ref_seconds": interp_s, "recall_native": recall(native),
            "recall_interp": recall(interp), "gap": gap}


def spawn(case: dict, env: dict | None = None, timeout: int = 3600) -> dict:
    fd, path = tempfile.mkstemp(suffix=".npy")
    os.close(fd)
    case = {**case, "out": path}
    proc = subprocess.run([sys.executable, __file__, "--case", json.dumps(case)], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=timeout, cwd=ROOT, check=False)
    if proc.returncode:
        print(proc.stderr[-2000:], file=sys.stderr)
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    if os.path.getsize(path):
        res["coords"] = np.load(path)
    os.unlink(path)
    return res


def metrics(data: str, n: int, coords: np.ndarray | None) -> tuple[float, float]:
    if coords is None:
        return float("nan"), float("nan")
    from embviz.faithfulness import quality

    q = quality(dataset(data, n), coords, k=(10,), sample=10_000 if n <= 10_000 else 3_000)
    return q["trustworthiness@10"], q["knn_recall@10"]


# -- the table -----------------------------------------------------------------------------------
def rows(quick: bool, only: set[str] | None):
    n_tsne, n_big = (3000, 10_000) if quick else (10_000, 50_000)
    n_pca = 50_000 if quick else 200_000
    yield "tsne", n_tsne, "demo", [({"kind": "tsne", "side": "ours"}, {}), ({"kind": "tsne", "side": "sklearn"}, {})]
    yield "tsne-big", n_big, "synthetic", [({"kind": "tsne", "side": "ours"}, {}), ({"kind": "tsne", "side": "openTSNE"}, {})]
    cold = tempfile.mkdtemp(prefix="numba-cold-")
    cold_ref = tempfile.mkdtemp(prefix="numba-cold-ref-")
    yield "umap-first-call-cold", n_tsne, "demo", [
        ({"kind": "umap", "side": "ours"}, {"NUMBA_CACHE_DIR": cold}),
        ({"kind": "umap", "side": "umap-learn"}, {"NUMBA_CACHE_DIR": cold_ref})]
    yield "umap-first-call-warm-cache", n_tsne, "demo", [
        ({"kind": "umap", "side": "ours"}, {"NUMBA_CACHE_DIR": cold}),
        ({"kind": "umap", "side": "umap-learn"}, {"NUMBA_CACHE_DIR": cold_ref})]
    yield "umap-warm", n_big, "synthetic", [({"kind": "umap", "side": "ours", "warm": True, "params": {"deterministic": False}}, {}),
                                            ({"kind": "umap", "side": "umap-learn", "warm": True}, {})]
    n_new = 3000 if quick else 10_000
    yield "densmap", n_new, "demo", [({"kind": "densmap", "side": "ours"}, {}),
                                     ({"kind": "densmap", "side": "umap-learn"}, {})]
    yield "pacmap", n_new, "demo", [({"kind": "pacmap", "side": "ours"}, {}), ({"kind": "pacmap", "side": "pacmap"}, {})]
    yield "trimap", n_new, "demo", [({"kind": "trimap", "side": "ours"}, {}), ({"kind": "trimap", "side": "trimap"}, {})]
    n_huge = 30_000 if quick else 100_000
    yield "tsne-100k", n_huge, "synthetic", [({"kind": "tsne", "side": "ours"}, {}),
                                             ({"kind": "tsne", "side": "openTSNE"}, {})]
    yield "pca", n_pca, "wide", [({"kind": "pca", "side": "ours"}, {}), ({"kind": "pca", "side": "sklearn"}, {})]
    yield "quality", n_tsne, "demo", [({"kind": "quality", "side": "ours"}, {}), ({"kind": "quality", "side": "sklearn"}, {})]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="", help="comma-separated row names")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(run_case(json.loads(args.case)), default=str))
        return
    only = set(filter(None, args.only.split(",")))
    if not only or "placement" in only:
        placement_rows(3000 if args.quick else 10_000)
        if only == {"placement"}:
            return
    header = f"{'case':28} {'N':>8} {'ours s':>8} {'ref':>11} {'ref s':>8} {'ratio':>6} {'MB ours/ref':>13} {'T@10 ours/ref':>15} {'recall@10 ours/ref':>19}"
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)
    print(header, flush=True)
    print("-" * len(header), flush=True)
    for name, n, data, pair in rows(args.quick, only):
        if only and name not in only:
            continue
        if data == "wide":
            res = [spawn_pca(n, case) for case, _ in pair]
        else:
            res = [spawn({**case, "n": n, "data": data}, env) for case, env in pair]
        if any("error" in r for r in res):
            print(f"{name:28} {n:>8} failed: {[r.get('error') for r in res]}", flush=True)
            continue
        ours, ref = res
        q_ours = metrics(data, n, ours.get("coords")) if data != "wide" else (float("nan"),) * 2
        q_ref = metrics(data, n, ref.get("coords")) if data != "wide" else (float("nan"),) * 2
        if name == "quality":
            q_ours, q_ref = (ours["value"], float("nan")), (ref["value"], float("nan"))
        print(f"{name:28} {n:>8} {ours['seconds']:8.2f} {pair[1][0]['side']:>11} {ref['seconds']:8.2f} "
              f"{ours['seconds'] / ref['seconds']:6.2f} {ours['peak_mb']:6.0f}/{ref['peak_mb']:<6.0f} "
              f"{q_ours[0]:7.4f}/{q_ref[0]:<7.4f} {q_ours[1]:9.4f}/{q_ref[1]:<9.4f}", flush=True)
    if not only or "cache" in only:
        cache_row(20_000)
    print(f"load average at end: {os.getloadavg()[0]:.1f}", flush=True)


def spawn_pca(n: int, case: dict) -> dict:
    """PCA on an n × 300 matrix (random low-rank plus noise) written to a temporary .npy."""
    code = (
        "import sys, time, resource, json, numpy as np\n"
        "rng = np.random.default_rng(0); n = int(sys.argv[1])\n"
        "x = (rng.normal(size=(n, 20)).astype(np.float32) @ rng.normal(size=(20, 300)).astype(np.float32)"
        " + rng.normal(size=(n, 300)).astype(np.float32))\n"
        "if sys.argv[2] == 'ours':\n"
        "    import embviz; emb = embviz.Embeddings([str(i) for i in range(n)], x)\n"
        "    t = time.perf_counter(); embviz.project(emb, 'pca', metric='euclidean', cache=False)\n"
        "else:\n"
        "    from sklearn.decomposition import PCA\n"
        "    t = time.perf_counter(); PCA(2).fit_transform(x)\n"
        "s = time.perf_counter() - t\n"
        "hwm = [int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:')][0] / 1024\n"
        "print(json.dumps({'seconds': s, 'peak_mb': hwm}))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(n), case["side"]], capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode:
        return {"error": proc.stderr[-300:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def placement_rows(n: int) -> None:
    """New points on a fitted map: the method's transform against neighbour interpolation."""
    print(f"placing 10 % held-out demo words on a map of the other 90 % ({n:,} words; recall@10 of the "
          "placed point's map neighbours against its true neighbours)", flush=True)
    print(f"{'method':8} {'native s':>9} {'interp s':>9} {'recall native':>14} {'recall interp':>14} "
          f"{'median gap / extent':>20}", flush=True)
    for method in ("pca", "tsne", "umap", "pacmap"):
        r = spawn({"kind": "placement", "side": method, "n": n, "data": "demo"})
        if "error" in r:
            print(f"{method:8} failed: {r['error']}", flush=True)
            continue
        print(f"{method:8} {r['seconds']:9.2f} {r['ref_seconds']:9.2f} {r['recall_native']:14.3f} "
              f"{r['recall_interp']:14.3f} {r['gap']:20.3f}", flush=True)


def cache_row(n: int) -> None:
    """A 20,000-point projection computed once, then requested again from a new process."""
    folder = tempfile.mkdtemp(prefix="embviz-cache-")
    env = {"EMBVIZ_CACHE": folder}
    first = spawn({"kind": "cache", "side": "ours", "n": n, "data": "demo"}, env)
    hit = spawn({"kind": "cache", "side": "ours", "n": n, "data": "demo"}, env)
    if "error" in first or "error" in hit:
        print(f"{'cache hit (UMAP, new process)':28} {n:>8} failed", flush=True)
        return
    print(f"{'cache hit (UMAP, new proc)':28} {n:>8} {hit['seconds']:8.2f} {'compute':>11} {first['seconds']:8.2f} "
          f"{hit['seconds'] / first['seconds']:6.3f} {hit['peak_mb']:6.0f}/{first['peak_mb']:<6.0f}  from_cache={hit['from_cache']}",
          flush=True)


if __name__ == "__main__":
    main()
