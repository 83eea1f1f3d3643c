"""Google analogy benchmark: embviz vs gensim on the same vectors and the same questions.

    python3 bench/analogies.py [--repeat 3] [--restrict N] [--data path.npz]

Prints both accuracies (they must be equal), per-section counts side by side, both timings
(best of ``--repeat``) and the speed-up; also 3CosMul, and WordSim-353 / SimLex-999 against
gensim's ``evaluate_word_pairs``. Timings depend on the machine and its load: run it on a quiet one.
On a busy machine gensim's one-question-at-a-time products suffer from OpenBLAS thread contention;
``OPENBLAS_NUM_THREADS=1 python3 bench/analogies.py`` gives both sides one BLAS thread.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np

import embviz
from embviz.evaluate import ANALOGY_FILE, evaluate_analogies, evaluate_similarity, gensim_data_dir


def best_of(repeat: int, fn):
    """(best wall seconds, best CPU seconds of this process, result)."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return min(times), min(cpu), out


def naive_batched(emb, restrict: int) -> float:
    """The plain batched baseline: chunks of 2,000 questions as one matrix product against all
    unit vectors, the three inputs masked, argmax (no case-variant rule, no exact tie check)."""
    from embviz.evaluate import _questions, _rows, _vocab

    vocab = _vocab(emb, restrict, True)
    cols = list(zip(*_questions(gensim_data_dir() / ANALOGY_FILE)))
    idx = np.stack([_rows(vocab, cols[j], True) for j in (1, 2, 3, 4)], axis=1)
    idx = idx[(idx >= 0).all(axis=1)]
    unit = emb.unit_vectors[: len(vocab.keys)]
    correct = 0
    for s in range(0, len(idx), 2000):
        a, b, c, e = idx[s : s + 2000].T
        sims = (unit[b] + unit[c] - unit[a]) @ unit.T
        r = np.arange(len(a))
        sims[r, a] = sims[r, b] = sims[r, c] = -np.inf
        correct += int((sims.argmax(axis=1) == e).sum())
    return correct / len(idx)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--restrict", type=int, default=300_000)
    ap.add_argument("--data", default=None, help="an embeddings file (default: the demo table)")
    args = ap.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")

    emb = embviz.load(args.data) if args.data else embviz.demo()
    kv = emb.to_keyedvectors()
    kv.fill_norms()
    path = str(gensim_data_dir() / ANALOGY_FILE)
    print(
        f"# Google analogies on {emb.name or args.data}: {len(emb):,} × {emb.dim}, restrict={args.restrict:,}"
    )
    print(f"# machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}\n")

    t_ev, c_ev, rep = best_of(args.repeat, lambda: evaluate_analogies(emb, restrict=args.restrict))
    t_nv, c_nv, acc_nv = best_of(args.repeat, lambda: naive_batched(emb, args.restrict))
    t_gs, c_gs, (score, sections) = best_of(
        1, lambda: kv.evaluate_word_analogies(path, restrict_vocab=args.restrict)
    )
    total = sections[-1]
    g_correct, g_total = len(total["correct"]), len(total["correct"]) + len(total["incorrect"])
    per = rep.sections.set_index("section")
    print("| section | questions | covered | embviz correct | gensim correct | accuracy |")
    print("|---|---:|---:|---:|---:|---:|")
    same = rep.accuracy == score and rep.correct == g_correct and rep.total == g_total
    for s in sections[:-1]:
        row = per.loc[s["section"]]
        g = len(s["correct"])
        same &= int(row["correct"]) == g and int(row["total"]) == g + len(s["incorrect"])
        print(
            f"| {s['section']} | {int(row['questions']):,} | {int(row['total']):,} | {int(row['correct']):,} | {g:,} "
            f"| {row['accuracy']:.1%} |"
        )
    print(
        f"| **all** | {rep.questions:,} | {rep.total:,} | {rep.correct:,} | {g_correct:,} | {rep.accuracy:.2%} |\n"
    )

    print("| | accuracy | correct / covered | wall s | CPU s |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| gensim `evaluate_word_analogies` | {score:.6f} | {g_correct:,} / {g_total:,} | {t_gs:.2f} | {c_gs:.2f} |"
    )
    print(f"| plain batched matmul (2,000 per product) | {acc_nv:.6f} | | {t_nv:.3f} | {c_nv:.3f} |")
    print(
        f"| embviz `evaluate_analogies` | {rep.accuracy:.6f} | {rep.correct:,} / {rep.total:,} | {t_ev:.3f} | {c_ev:.3f} |"
    )
    print(
        f"\nidentical to gensim: {same}; speed-up over gensim: {t_gs / t_ev:.1f}× wall "
        f"({g_total / t_gs:,.0f} vs {rep.total / t_ev:,.0f} questions/s); over the plain batched product: "
        f"{t_nv / t_ev:.1f}× wall, {c_nv / c_ev:.1f}× CPU"
    )

    t_mul, _, mul = best_of(
        args.repeat, lambda: evaluate_analogies(emb, restrict=args.restrict, method="3cosmul")
    )
    print(f"3CosMul (Levy & Goldberg): {mul.accuracy:.2%} ({mul.correct:,}/{mul.total:,}) in {t_mul:.3f} s\n")

    sim = evaluate_similarity(emb, restrict=args.restrict)
    print(
        "| data set | pairs used | embviz Spearman | gensim Spearman | embviz Pearson | gensim Pearson | OOV % |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in sim:
        pearson, spearman, oov = kv.evaluate_word_pairs(r.path, restrict_vocab=args.restrict)
        print(
            f"| {r.name} | {r.used}/{r.pairs} | {r.spearman:.6f} | {spearman[0]:.6f} | {r.pearson:.6f} | "
            f"{pearson[0]:.6f} | {r.oov_ratio:.1f} / {oov:.1f} |"
        )


if __name__ == "__main__":
    main()
