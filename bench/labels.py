"""Label placement speed: embviz.labels.place with its grid index and raster, beside the same
greedy placement testing every placed box (no index), on the same random candidates.

    python3 bench/labels.py

Both must return identical placements (checked); the table shows seconds and labels placed.
Candidates: random words at clumped anchors in a 600 × 610 px plot, 8 positions each (around),
then the map labels of the bundled 20,000 words on a t-SNE map when data/minilm_words_maps.npz
exists. Timings on a loaded machine are noisy; run it twice.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from embviz import labels  # noqa: E402


class _NoIndex:
    """Every placed box in one list: each candidate is tested against all of them."""

    def __init__(self, cell: float = 64.0):
        self.boxes = []

    def add(self, box) -> None:
        self.boxes.append(box)

    def hits(self, box, max_scale: float) -> bool:
        return any(labels._conflict(box, other, max_scale) for other in self.boxes)


def candidates(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0, 600, size=(30, 2))
    anchors = centres[rng.integers(30, size=n)] + rng.normal(scale=40, size=(n, 2))
    anchors = np.clip(anchors, 0, 600)
    words = ["music", "song", "international", "a", "king", "queen", "paralympic", "of"]
    texts = [words[i] for i in rng.integers(len(words), size=n)]
    return anchors, texts, rng.normal(size=n)


def timed(fn, repeats: int = 3):
    best, out = np.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    print("| candidates | embviz place s | no index s | placed | identical |")
    print("|---:|---:|---:|---:|:---:|")
    for n in (1_000, 5_000, 20_000):
        anchors, texts, prio = candidates(n)
        t_fast, fast = timed(lambda: labels.place(anchors, texts, 11, prio, bounds=(600, 610)))
        grid, occ = labels._Grid, labels._Occupancy
        labels._Grid, labels._Occupancy = _NoIndex, None
        try:
            def slow_place():
                return labels.place(anchors, texts, 11, prio, bounds=None)
            t_slow, slow = timed(slow_place, 1)
        finally:
            labels._Grid, labels._Occupancy = grid, occ
        # the no-index run had no bounds: compare on the same bounds by re-running embviz without them
        _, fast_nb = timed(lambda: labels.place(anchors, texts, 11, prio, bounds=None), 1)
        same = all((a is None) == (b is None) and (a is None or (a.x0, a.y0) == (b.x0, b.y0))
                   for a, b in zip(fast_nb, slow))
        print(f"| {n:,} | {t_fast:.3f} | {t_slow:.3f} | {sum(b is not None for b in fast):,} | {'yes' if same else 'NO'} |",
              flush=True)
    try:
        import embviz
        from embviz.datasets import shipped_projection, shipped_regions
        from embviz.layout import map_labels
        from embviz.regions import frequency_of

        emb = embviz.demo()
        proj = shipped_projection(emb, "tsne", 2)
        regions = shipped_regions(emb, "tsne")
    except Exception as exc:  # noqa: BLE001 — the second table is optional
        print(f"\n(no shipped map: {exc})")
        return
    if proj is None or regions is None:
        return
    print("\n| map labels of 20,000 words (t-SNE, 600 px) | seconds | regions | words |")
    print("|---|---:|---:|---:|")
    for n_words in (30, 100):
        t, plan = timed(lambda: map_labels(proj.coords, emb.keys, frequency=frequency_of(emb), regions=regions,
                                           n_words=n_words))
        print(f"| n_words={n_words} | {t:.3f} | {plan.placed('region')} | {plan.placed('word')} |")


if __name__ == "__main__":
    main()
