"""Comparing two models word by word: embviz.compare_models against a direct computation.

Two cases on the bundled table (20,000 words × 128):
  1. against a noisy rotated copy of itself (random rotation, rows shuffled, 5 % noise): 20,000 shared words;
  2. against word2vec trained here on the shipped corpus (gensim, 1 epoch, min_count=1): the words both know.

For each case, in the same run: embviz (``compare_models``: overlap@10 and rank change, one exact
pass per model plus Procrustes where dimensions match), the same neighbour lists from
``embviz.neighbors.top_k`` (whole-row argpartition), and scikit-learn's
``NearestNeighbors(metric="cosine", algorithm="brute")`` with the overlaps computed from its lists.
"agree" is the share of words whose overlap equals embviz's.

    python3 bench/models.py           # a Markdown table
    python3 bench/models.py --k 20

Target (issue 16): 20,000 shared words in <= 5 s on 2 cores. Wall time depends on what else the
machine runs: CPU time and the load average are printed too.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def _noisy_copy(emb, seed: int = 0):
    from embviz import Embeddings

    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(emb.dim, emb.dim)))
    perm = rng.permutation(len(emb))
    scale = np.linalg.norm(emb.vectors, axis=1, keepdims=True) / np.sqrt(emb.dim)
    x = emb.vectors + 0.05 * scale * rng.normal(size=emb.vectors.shape)
    return Embeddings([emb.keys[i] for i in perm], (x @ q)[perm], name="noisy rotated copy")


def _trained():
    import embviz

    return embviz.train_word2vec(embviz.demo_corpus(), dims=100, epochs=1, min_count=1, workers=2,
                                 snapshots=False, seed=0)


def _lists_top_k(xa, xb, k):
    from embviz.neighbors import top_k

    self_rows = np.arange(len(xa))[:, None]
    return top_k(xa, xa, k, exclude=self_rows)[0], top_k(xb, xb, k, exclude=self_rows)[0]


def _lists_sklearn(xa, xb, k):
    from sklearn.neighbors import NearestNeighbors

    out = []
    for x in (xa, xb):
        idx = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute").fit(x).kneighbors(
            x, return_distance=False)
        rows = np.arange(len(x))[:, None]
        keep = idx != rows  # drop the word itself (it is first unless a duplicate ties with it)
        out.append(np.array([r[m][:k] for r, m in zip(idx, keep)]))
    return out


def _overlap(na, nb) -> np.ndarray:
    k = na.shape[1]
    return np.array([len(set(a) & set(b)) / k for a, b in zip(na.tolist(), nb.tolist())])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, default=10)
    args = parser.parse_args()
    import embviz
    from embviz.models import compare_models

    demo = embviz.demo()
    load0 = os.getloadavg()[0]
    print(f"bundled table {len(demo):,} × {demo.dim}; {os.cpu_count()} cores; load average {load0:.1f}", flush=True)
    (trained, train_s, _) = _timed(_trained)
    print(f"trained word2vec: {len(trained):,} words × {trained.dim} in {train_s:.0f} s", flush=True)
    rows = []
    for case, other in (("noisy rotated copy", _noisy_copy(demo)), ("word2vec trained here", trained)):
        compare_models(demo.subset(demo.keys[:2_000]), other, k=args.k)  # warm-up: imports, thread pool
        cmp, wall, cpu = _timed(lambda other=other: compare_models(demo, other, k=args.k))
        ref = cmp.overlap
        rows.append((case, cmp.n, f"embviz compare_models ({cmp.alignment})", wall, cpu, ref.mean(), 1.0))
        xa = demo.unit_vectors[cmp.vocab.rows_a]
        xb = other.unit_vectors[cmp.vocab.rows_b]
        for label, fn in (("embviz neighbors.top_k, both models", _lists_top_k),
                          ("scikit-learn NearestNeighbors (brute, cosine)", _lists_sklearn)):
            (na, nb), wall, cpu = _timed(lambda fn=fn, xa=xa, xb=xb: fn(xa, xb, args.k))
            ov, extra, _ = _timed(lambda na=na, nb=nb: _overlap(na, nb))
            rows.append((case, cmp.n, label, wall + extra, cpu, ov.mean(), float(np.mean(ov == ref))))
        print(f"done: {case}", flush=True)
    print(f"\nk = {args.k}; load average {load0:.1f} at the start, {os.getloadavg()[0]:.1f} at the end\n")
    print("| case | shared words | method | wall s | CPU s | mean overlap@k | agree |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for case, n, label, wall, cpu, mean, agree in rows:
        print(f"| {case} | {n:,} | {label} | {wall:.2f} | {cpu:.2f} | {mean:.4f} | {agree:.2%} |")


if __name__ == "__main__":
    main()
