"""``embviz compare``: two embedding tables word by word — the summary, and a per-word table."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..io.atomic import atomic_paths
from .common import EXIT_INTERRUPTED, EXIT_OK, ProgressBar, _Formatter, _say, positive_int

TABLE_SUFFIXES = (".parquet", ".csv")

COMPARE_HELP = """\
Compare two embedding tables on the words they share: for every shared word, its k nearest
neighbours among the shared words in each table, the share of them both tables agree on
(overlap@k), and how far their ranks moved (mean |rank in A - rank in B| over both lists, a
neighbour missing from a list ranked k + 1). Prints the summary and the most and least changed
words; -o writes one row per word (Parquet keeps the neighbour lists as lists, CSV writes them as
JSON arrays). When both tables have the same dimensions, B is also turned onto A (orthogonal
Procrustes) and the residual and per-word cosine after the turn are reported.

examples:
  embviz compare minilm.npz word2vec.bin
  embviz compare a.bin b.txt --k 20 --case lower -o changes.parquet
"""




def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``compare`` on the sub-command parsers of ``embviz``."""
    p = sub.add_parser("compare", help="two tables word by word: neighbour overlap and what moved",
                       formatter_class=_Formatter, description=COMPARE_HELP)
    p.add_argument("a", help="table A: any format embviz reads")
    p.add_argument("b", help="table B")
    p.add_argument("--k", type=positive_int, default=10, help="neighbours per word")
    p.add_argument("--case", default="exact", choices=["exact", "lower"],
                   help="how words match; lower: the first spelling in each file stands for a word")
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    p.add_argument("-o", "--output", default=None, help="per-word table: .parquet or .csv")
    p.add_argument("--top", type=int, default=10, help="most and least changed words to print (0: none)")
    p.add_argument("--format-a", default=None, help="format of A (default: told from the content)")
    p.add_argument("--format-b", default=None, help="format of B (default: told from the content)")
    p.add_argument("--limit", type=positive_int, default=None, help="read only the first N rows of each file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars on stderr")
    p.set_defaults(run=cmd_compare)
    return p


def cmd_compare(args) -> int:
    from .. import load
    from ..errors import ParameterError
    from ..models import compare_models

    out = Path(args.output) if args.output else None
    if out is not None and out.suffix.lower() not in TABLE_SUFFIXES:
        raise ParameterError("embviz compare", "--output", f"a file ending in {' or '.join(TABLE_SUFFIXES)}",
                             str(out))
    if out is not None and not out.parent.is_dir():
        raise ParameterError("embviz compare", "--output", "in an existing folder", str(out))
    tables = []
    for path, fmt in ((Path(args.a), args.format_a), (Path(args.b), args.format_b)):
        with ProgressBar(f"reading {path.name}", args.quiet) as bar:
            emb = load(path, fmt or "auto", limit=args.limit, progress=bar)
        emb.name = emb.name or path.name
        tables.append(emb)
    with ProgressBar("comparing", args.quiet) as bar:
        cmp = compare_models(*tables, k=args.k, case=args.case, metric=args.metric, progress=bar)
    print(cmp.summary_text())
    if args.top > 0:
        for title, rows in (("most changed", cmp.most_changed(args.top)), ("least changed", cmp.least_changed(args.top))):
            print(f"\n{title} (overlap@{cmp.k}, rank change, neighbours in A | in B):")
            for r in rows.itertuples():
                print(f"  {r.word}  {r.overlap:.2f}  {r.rank_change:.2f}  "
                      f"{', '.join(r.neighbors_a[:5])} | {', '.join(r.neighbors_b[:5])}")
    if out is not None:
        write_table(cmp.table, out)
        _say(args, f"wrote {len(cmp.table):,} words to {out}")
    return EXIT_INTERRUPTED if cmp.stopped else EXIT_OK


def write_table(table, path: Path) -> None:
    """The per-word table as Parquet or CSV, written to a temporary file in the same folder and
    renamed over ``path`` (a reader never sees half a file; a failure leaves the old file)."""
    path = Path(path)
    frame = table.copy()
    if path.suffix.lower() == ".csv":
        for col in ("neighbors_a", "neighbors_b"):
            frame[col] = [json.dumps(list(v), ensure_ascii=False) for v in frame[col]]
    with atomic_paths([path]) as (tmp,):
        if path.suffix.lower() == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            frame.to_parquet(tmp, index=False)
