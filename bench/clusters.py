"""Clustering the 20k × 128 demo table in the original space: time, memory, silhouette.

Each configuration runs in its own Python process (so peak memory is its own, and a runaway
configuration can be cut off), after a warm-up that imports scikit-learn and loads the data.
embviz's settings sit beside scikit-learn's defaults on the same (unit-length) vectors.

    python3 bench/clusters.py                # all configurations, a Markdown table
    python3 bench/clusters.py --timeout 300  # give slow library defaults longer
    python3 bench/clusters.py --run kmeans   # one configuration, JSON (what the parent calls)
    python3 bench/clusters.py --purity       # only the "recognisable groups" table

Targets (issue 6): k-means under 2 s, HDBSCAN under 10 s on 2 cores. Wall time depends on what
else the machine runs, so CPU time and the load average are printed too.

The second table (issue 13) asks which grouping a person can recognise: for k-means with k chosen
by silhouette, fixed k = 20, 50, 100, HDBSCAN in the original space and HDBSCAN on the shipped
t-SNE and UMAP maps of all 20,000 words, it prints the number of groups, the share of words in a
group, the cosine silhouette in the original space (so all rows are comparable) and the WordNet
category (``lexname``) purity beside that of random groups of the same sizes, and how far the
shipped t-SNE map keeps each grouping together. Measured once (loaded machine): k by silhouette
settles on k = 2 (purity 1.6× chance); k = 50 or 100 reach 3.0× but their groups are scattered
over the map (49 % of map neighbours in the same group); HDBSCAN leaf islands of the t-SNE map
(``embviz.regions``) reach 2.8× on 53 % of the words and stay together on the map (94 %);
HDBSCAN in the original space finds 2 groups.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# name -> (label, what it runs)
CONFIGS = {
    "kmeans": "embviz k-means, k=20 (n_init=1, unit vectors)",
    "kmeans_auto": "embviz k-means, k=auto (8 values in 2..30 by silhouette on 2,000)",
    "hdbscan": "embviz HDBSCAN (PCA to 10 dims, min_cluster_size=20, min_samples=5)",
    "hdbscan_default": "embviz HDBSCAN, defaults (PCA to 10 dims, min_cluster_size=50, min_samples=10)",
    "agglomerative": "embviz agglomerative, k=20 (cosine, average; fit on 5,000, rest to nearest centre)",
    "sk_kmeans": "sklearn KMeans(n_clusters=20) defaults",
    "sk_minibatch": "sklearn MiniBatchKMeans(n_clusters=20) defaults",
    "sk_hdbscan": "sklearn HDBSCAN() defaults, all 128 dims",
    "sk_agglomerative": "sklearn AgglomerativeClustering(n_clusters=20) defaults (ward), all 20k",
}


def _rss_mb() -> float:
    """Peak resident MB of this process (VmHWM: reset by exec, unlike ru_maxrss)."""
    try:
        with open("/proc/self/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _silhouette(x, labels) -> float | None:
    import numpy as np

    from embviz.clustering import _silhouette as sil

    value, _, _ = sil(x, np.asarray(labels), "cosine", 0)
    return value


def run_one(name: str) -> dict:
    import numpy as np
    import sklearn.cluster  # warm-up: imports are not what we measure
    import sklearn.metrics  # noqa: F401  (warm-up)

    import embviz
    from embviz.clustering import cluster

    emb = embviz.demo()
    x = np.asarray(emb.unit_vectors)
    before = _rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    info: dict = {}
    if name.startswith("sk_"):
        from sklearn.cluster import HDBSCAN, AgglomerativeClustering, KMeans, MiniBatchKMeans

        model = {"sk_kmeans": lambda: KMeans(n_clusters=20, random_state=0),
                 "sk_minibatch": lambda: MiniBatchKMeans(n_clusters=20, random_state=0),
                 "sk_hdbscan": lambda: HDBSCAN(copy=True),
                 "sk_agglomerative": lambda: AgglomerativeClustering(n_clusters=20)}[name]()
        labels = model.fit(x).labels_
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        sil = _silhouette(x, labels) if len(set(labels.tolist()) - {-1}) > 1 else None
    else:
        params = {"kmeans": dict(method="kmeans", k=20), "kmeans_auto": dict(method="kmeans", k="auto"),
                  "hdbscan": dict(method="hdbscan", min_cluster_size=20, min_samples=5),
                  "hdbscan_default": dict(method="hdbscan"),
                  "agglomerative": dict(method="agglomerative", k=20)}[name]
        c = cluster(emb, **params)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        labels, sil = c.labels, c.silhouette
        info = {"k": c.params.get("k"), "reduced_to": c.params.get("reduced_to"), "sampled": c.sampled}
    labels = np.asarray(labels)
    return {"name": name, "wall": wall, "cpu": cpu, "peak_mb": _rss_mb(), "extra_mb": _rss_mb() - before,
            "silhouette": sil, "clusters": len(set(labels.tolist()) - {-1}),
            "noise": float((labels == -1).mean()), **info}


PURITY_ROWS = {
    "k-means, k by silhouette (2..30)": dict(method="kmeans", k="auto"),
    "k-means, k=20": dict(method="kmeans", k=20),
    "k-means, k=50": dict(method="kmeans", k=50),
    "k-means, k=100": dict(method="kmeans", k=100),
    "HDBSCAN, original space (PCA 10)": dict(method="hdbscan"),
    "HDBSCAN on the t-SNE map (eom)": dict(method="hdbscan", space="projected", map="tsne"),
    "HDBSCAN on the UMAP map (eom)": dict(method="hdbscan", space="projected", map="umap"),
    "HDBSCAN on the t-SNE map (leaf, embviz.regions)": dict(method="hdbscan", space="projected", map="tsne",
                                                             cluster_selection_method="leaf"),
    "HDBSCAN on the UMAP map (leaf, embviz.regions)": dict(method="hdbscan", space="projected", map="umap",
                                                            cluster_selection_method="leaf"),
}


def purity_table() -> None:
    import numpy as np

    import embviz
    from embviz.clustering import chance_agreement, cluster, map_agreement
    from embviz.datasets import shipped_projection
    from embviz.regions import describe, purity, random_purity

    emb = embviz.demo()
    x = np.asarray(emb.unit_vectors)
    lex = emb.metadata["lexname"]
    tsne = shipped_projection(emb, "tsne", 2)
    print("| grouping | groups | in a group | silhouette (cosine, original) | purity | random groups | × "
          "| together on t-SNE (chance) | seconds | names (largest 4) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for label, spec in PURITY_ROWS.items():
        spec = dict(spec)
        coords = None
        if "map" in spec:
            proj = shipped_projection(emb, spec.pop("map"), 2)
            if proj is None:
                print(f"| {label} | (no shipped map: run scripts/build_demo_maps.py) | | | | | | | | |")
                continue
            coords = proj.coords
        t = time.perf_counter()
        c = cluster(emb, coords=coords, **spec)
        seconds = time.perf_counter() - t
        sil = _silhouette(x, c.labels)
        p, _ = purity(c.labels, lex)
        chance = random_purity(c.labels, lex)
        names = describe(emb, coords if coords is not None else np.zeros((len(emb), 2)), c.labels).names[:4]
        k = f" (k={c.params['k']})" if spec.get("k") == "auto" else ""
        together = "—"
        if tsne is not None:
            together = f"{map_agreement(c.labels, tsne.coords)[0]:.2f} ({chance_agreement(c.labels):.2f})"
        print(f"| {label}{k} | {c.n_clusters} | {1 - c.n_noise / len(emb):.0%} | "
              f"{'—' if sil is None else f'{sil:.3f}'} | {p:.3f} | {chance:.3f} | {p / chance:.1f} | {together} | "
              f"{seconds:.1f} | {'; '.join(names)} |", flush=True)
    print("\npurity: share of a group's words in its most common WordNet category (lexname, 'other' included), "
          "weighted by group size; random groups: the same sizes, labels shuffled among the grouped words "
          "(mean of 20). Together on t-SNE: share of each grouped word's 10 nearest neighbours on the shipped t-SNE "
          "map in its own group (embviz.clustering.map_agreement; a random map in brackets). Names: the most "
          "frequent of each group's more central half (embviz.regions).")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--purity", action="store_true", help="only the recognisable-groups table")
    ap.add_argument("--run", choices=list(CONFIGS), help="run one configuration and print JSON")
    ap.add_argument("--only", nargs="*", choices=list(CONFIGS), help="a subset of configurations")
    ap.add_argument("--timeout", type=float, default=180, help="seconds before a configuration is cut off")
    args = ap.parse_args()
    if args.run:
        print(json.dumps(run_one(args.run)))
        return
    if args.purity:
        purity_table()
        return
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores\n")
    print("| configuration | wall s | CPU s | peak RSS MB (+ over data) | clusters | noise | silhouette* |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name in args.only or CONFIGS:
        try:
            out = subprocess.run([sys.executable, __file__, "--run", name], capture_output=True, text=True, check=False,
                                 timeout=args.timeout, cwd=ROOT)
            r = json.loads(out.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            print(f"| {CONFIGS[name]} | > {args.timeout:.0f} (cut off) | | | | | |", flush=True)
            continue
        except (json.JSONDecodeError, IndexError):
            print(f"| {CONFIGS[name]} | failed: {out.stderr.strip().splitlines()[-1:]} | | | | | |", flush=True)
            continue
        sil = "—" if r["silhouette"] is None else f"{r['silhouette']:.3f}"
        print(f"| {CONFIGS[name]} | {r['wall']:.2f} | {r['cpu']:.2f} | {r['peak_mb']:.0f} (+{r['extra_mb']:.0f}) "
              f"| {r['clusters']} | {r['noise']:.0%} | {sil} |", flush=True)
    print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    print("* cosine silhouette of the clustered points on a random sample of 5,000 (noise left out).\n")
    purity_table()


if __name__ == "__main__":
    main()
