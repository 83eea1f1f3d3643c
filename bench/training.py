"""Training throughput: embviz.train_word2vec (snapshots + progress on) against plain gensim.

    python3 bench/training.py [--repeat 3] [--epochs 5] [--lines N] [--workers 2]

Both get the same tokenised corpus (the shipped one, tokenised once before timing) and the same
settings (CBOW, 100 dims, window 5, min_count 5, negative 5, seed 0). Each timing covers the whole
call — vocabulary building and training (plus, for embviz, the snapshot copies, the loss, the
progress callback and building the result). Runs alternate (gensim, gensim with loss, embviz, …)
so that a change in machine load hits all of them; the overhead is taken from the medians. Plain
gensim is timed with its defaults (``compute_loss=False``) and with ``compute_loss=True`` (which
the loss curve needs) so that the two costs can be told apart.
CPU seconds (all threads of the process) are printed too: on a busy machine they measure the work
done far more steadily than wall time. Timings depend on the machine and its load: run it on a
quiet one.
"""
from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import embviz  # noqa: E402
from embviz.corpus import read_corpus  # noqa: E402
from embviz.train import train_word2vec  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--lines", type=int, default=None, help="use only the first N lines")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    from gensim.models import Word2Vec

    corpus = read_corpus(embviz.demo_corpus())
    if args.lines:
        corpus.sentences = corpus.sentences[: args.lines]
        corpus.tokens = sum(map(len, corpus.sentences))
    settings = dict(window=5, min_count=5, epochs=args.epochs, negative=5, seed=0, workers=args.workers)
    words = corpus.tokens * args.epochs
    print(f"corpus: {len(corpus.sentences):,} sentences, {corpus.tokens:,} tokens; CBOW, 100 dims, "
          f"{args.epochs} epochs, {args.workers} workers; {args.repeat} alternating runs each\n")

    def plain(loss: bool):
        return lambda: Word2Vec(corpus.sentences, vector_size=100, sg=0, compute_loss=loss, **settings)

    calls = 0

    def progress(done, total, message):
        nonlocal calls
        calls += 1

    runs = {
        "gensim Word2Vec (defaults)": plain(False),
        "gensim Word2Vec (compute_loss=True)": plain(True),
        "embviz train_word2vec (snapshots + progress)": lambda: train_word2vec(
            corpus, dims=100, progress=progress, snapshots=True, **settings),
    }
    times: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    out = None
    for r in range(args.repeat):
        for name, fn in runs.items():
            t, c = time.perf_counter(), time.process_time()
            out = fn()
            times[name].append(time.perf_counter() - t)
            cpu[name].append(time.process_time() - c)
            print(f"  run {r + 1}: {name}: {times[name][-1]:.2f} s wall, {cpu[name][-1]:.2f} s CPU",
                  flush=True)
    base = statistics.median(times["gensim Word2Vec (defaults)"])
    base_cpu = statistics.median(cpu["gensim Word2Vec (defaults)"])
    print("\n| run | median wall s | best wall s | words/s (median wall) | wall vs gensim | "
          "median CPU s | CPU vs gensim |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, ts in times.items():
        med, med_cpu = statistics.median(ts), statistics.median(cpu[name])
        print(f"| {name} | {med:.2f} | {min(ts):.2f} | {words / med:,.0f} | {100 * (med / base - 1):+.1f} % "
              f"| {med_cpu:.2f} | {100 * (med_cpu / base_cpu - 1):+.1f} % |")
    snap_mb = sum(s.nbytes for s in out.snapshots) / 1e6
    print(f"\nembviz kept {len(out.snapshots)} snapshots of {len(out.snapshot_keys):,} words "
          f"({snap_mb:.0f} MB) and {len(out.loss)} loss values; progress was called "
          f"{calls // args.repeat} times per run.")


if __name__ == "__main__":
    main()
