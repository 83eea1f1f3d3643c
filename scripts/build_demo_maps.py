"""Build data/minilm_words_maps.npz: the demo table's maps, made once, shipped with the table.

PCA, t-SNE and UMAP of **all** 20,000 words of data/minilm_words.npz, in 2-D and 3-D, with
embviz's own ``embviz.project`` (default parameters, seed 0), their faithfulness
(trustworthiness@10, continuity@10 and kNN recall@10 over every point, ``embviz.quality``), and
the regions (named islands) of each 2-D map (``embviz.regions.find_regions``, HDBSCAN defaults).

The file holds, without pickles:

* ``fingerprint`` — ``Embeddings.fingerprint()`` of the table (keys + vectors only, so a rebuilt
  *metadata* keeps the maps valid; changed vectors or keys make the loader refuse them);
* ``<method><dims>`` (``tsne2``, ``umap3``, ...) — float16 coordinates, one row per key in file order;
* ``regions:<method>`` — int16 region label per word of each 2-D map (-1 = none); names, places
  and outlines are recomputed from them at load (0.2 s) so they follow the current metadata;
* ``meta`` — JSON: parameters that ran, seconds, scores, region counts and purity, library versions.

    python3 scripts/build_demo_maps.py                 # 4-10 minutes on 2 cores, offline
    python3 scripts/build_demo_maps.py --out /tmp/maps.npz
    python3 scripts/build_demo_maps.py --regions-only  # keep the maps, recompute their regions

Not part of CI. Load with ``embviz.datasets.shipped_projection(emb, "tsne", 2)``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

METHODS = ("pca", "tsne", "umap")
K = 10


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "data" / "minilm_words_maps.npz")
    ap.add_argument("--regions-only", action="store_true", help="reuse the maps in --out, recompute regions")
    args = ap.parse_args()

    import embviz
    from embviz.cache import library_versions

    emb = embviz.demo()
    arrays: dict[str, np.ndarray] = {"fingerprint": np.array(emb.fingerprint())}
    meta: dict = {"table": "minilm_words.npz", "fingerprint": emb.fingerprint(), "n": len(emb), "k": K,
                  "built": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                  "libraries": library_versions(), "maps": {}, "regions": {}}
    if args.regions_only:
        with np.load(args.out, allow_pickle=False) as old:
            if str(old["fingerprint"]) != emb.fingerprint():
                sys.exit(f"{args.out} was made from another table; rebuild it without --regions-only")
            arrays.update({k: old[k] for k in old.files if not k.startswith("regions:") and k != "meta"})
            meta["maps"] = json.loads(str(old["meta"]))["maps"]
        for method in METHODS:
            add_regions(emb, method, arrays, meta)
        write(args.out, arrays, meta)
        return
    for method in METHODS:
        for dims in (2, 3):
            t0 = time.perf_counter()
            proj = embviz.project(emb, method, dims, seed=0)  # content-keyed cache: a rebuild reuses it
            q = embviz.quality(emb, proj, k=(K,), sample=len(emb))
            name = f"{method}{dims}"
            arrays[name] = proj.coords.astype(np.float16)
            meta["maps"][name] = {
                "method": method, "dims": dims, "params": proj.params, "seconds": round(proj.seconds, 2),
                "quality": {key: (round(v, 4) if isinstance(v, float) else v) for key, v in q.items()},
                "explained_variance": None if proj.explained_variance is None
                else [float(v) for v in proj.explained_variance],
                "float16_max_error": float(np.abs(arrays[name].astype(np.float32) - proj.coords).max()),
            }
            print(f"{name}: {proj.seconds:.1f} s to project, {time.perf_counter() - t0:.1f} s with scores; "
                  f"trustworthiness@{K} {q[f'trustworthiness@{K}']:.4f}, kNN recall@{K} {q[f'knn_recall@{K}']:.4f}",
                  flush=True)
            if dims == 2:
                add_regions(emb, method, arrays, meta)
    write(args.out, arrays, meta)


def add_regions(emb, method: str, arrays: dict, meta: dict) -> None:
    """The regions of the shipped 2-D ``method`` map (computed on the float16 coordinates it ships)."""
    from embviz.regions import find_regions, purity, random_purity

    regions = find_regions(emb, arrays[f"{method}2"].astype(np.float32), cache=False)
    arrays[f"regions:{method}"] = regions.labels.astype(np.int16)
    cat = emb.metadata["lexname"] if "lexname" in emb.metadata else None
    p = purity(regions.labels, cat)[0] if cat is not None else float("nan")
    chance = random_purity(regions.labels, cat) if cat is not None else float("nan")
    meta["regions"][method] = {
        "n": regions.n_regions, "coverage": round(regions.coverage, 4), "params": regions.params,
        "compact": int(regions.compact.sum()), "names": regions.names,
        "lexname_purity": round(p, 4), "random_purity": round(chance, 4),
    }
    print(f"  {method}: {regions.n_regions} regions covering {regions.coverage:.0%}, lexname purity {p:.3f} "
          f"vs {chance:.3f} for random groups of the same sizes ({p / chance:.1f}x)", flush=True)


def write(out: Path, arrays: dict, meta: dict) -> None:
    best = max(("tsne", "umap"), key=lambda m: (meta["maps"][f"{m}2"]["quality"][f"knn_recall@{K}"],
                                                 meta["maps"][f"{m}2"]["quality"][f"trustworthiness@{K}"]))
    meta["first_map"] = best
    arrays["meta"] = np.array(json.dumps(meta, sort_keys=True, default=lambda o: o.item() if hasattr(o, "item") else str(o)))
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    print(f"first map: {best} (higher kNN recall@{K} of the 2-D maps); wrote {out} ({out.stat().st_size / 1024:.0f} kB)")


if __name__ == "__main__":
    main()
