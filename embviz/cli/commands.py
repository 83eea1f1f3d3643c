"""``embviz train``, ``evaluate``, ``convert`` and ``info``."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .common import EXIT_INTERRUPTED, EXIT_OK, ProgressBar, _load, _say


def cmd_train(args) -> int:
    from .. import save, train_word2vec

    with ProgressBar("word2vec epochs", args.quiet) as bar:
        emb = train_word2vec(
            args.corpus, dims=args.dims, window=args.window, min_count=args.min_count,
            epochs=args.epochs, sg=args.sg, negative=args.negative, seed=args.seed, progress=bar,
            snapshots=False, max_vocab=args.max_vocab, workers=args.workers,
        )
    written = save(emb, args.output, args.to)
    _say(args, f"trained {len(emb):,} words × {emb.dim} dims; wrote {', '.join(map(str, written))}")
    return EXIT_INTERRUPTED if getattr(emb, "stopped", False) else EXIT_OK


def cmd_evaluate(args) -> int:
    from .. import evaluate_analogies, evaluate_similarity

    emb = _load(args, Path(args.vectors))
    rows: list[dict[str, Any]] = []
    if not args.no_analogies:
        with ProgressBar("analogies", args.quiet) as bar:
            rep = evaluate_analogies(emb, args.analogies, restrict=args.restrict, method=args.method,
                                     progress=bar)
        rows.append({"benchmark": Path(rep.path).name, "kind": "analogy", "metric": f"accuracy ({rep.method})",
                     "score": rep.accuracy, "used": rep.total, "of": rep.questions})
    if not args.no_similarity:
        sim = evaluate_similarity(emb, args.similarity or None, restrict=args.restrict)
        for r in sim:
            rows.append({"benchmark": Path(r.path).name, "kind": "similarity", "metric": "spearman",
                         "score": r.spearman, "used": r.used, "of": r.pairs})
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        import pandas as pd

        table = pd.DataFrame(rows)
        print(table.to_string(index=False, float_format=lambda v: f"{v:.4f}") if rows else "(nothing to evaluate)")
    return EXIT_OK


def cmd_convert(args) -> int:
    from .. import save

    emb = _load(args, Path(args.source))
    written = save(emb, args.output, args.to)
    _say(args, f"wrote {len(emb):,} vectors × {emb.dim} to {', '.join(map(str, written))}")
    return EXIT_OK


def cmd_info(args) -> int:
    from .. import sniff

    path = Path(args.source)
    fmt = args.format or sniff(path)
    emb = _load(args, path)
    duplicates = emb.duplicate_vectors()
    info = {
        "file": str(path), "format": fmt, "rows": len(emb), "dims": emb.dim,
        "metadata": list(map(str, emb.metadata.columns)),
        "duplicate_groups": len(duplicates), "duplicate_rows": sum(len(g) for g in duplicates),
        "zero_vectors": len(emb.zero_vectors()), "first_keys": emb.keys[:5],
    }
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        width = max(map(len, info))
        for name, value in info.items():
            shown = ", ".join(map(str, value)) if isinstance(value, list) else value
            print(f"{name:<{width}}  {shown}")
    return EXIT_OK


