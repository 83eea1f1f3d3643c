"""The ``embviz`` command: project, train, evaluate, convert, inspect and serve embeddings.

Each sub-command is a thin layer over the package: it parses arguments, calls one function with a
progress bar on stderr, and writes a file or a table. Errors are one line on stderr
(``embviz: error: ...``) and the exit code says what happened:

====  ============================================================
0     done
1     the data or a parameter is wrong (the message says which)
2     the command line itself is wrong (unknown option, missing argument)
130   interrupted (Ctrl-C)
====  ============================================================
"""
from __future__ import annotations

import argparse
import sys

from ..coords import write_coordinates
from .commands import cmd_convert, cmd_evaluate, cmd_info, cmd_train
from .compare import add_parser as add_compare_parser
from .common import EXIT_DATA, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, ProgressBar, _Formatter, positive_int
from .project import COORD_SUFFIXES, cmd_project, methods_help, parse_params
from .serve import cmd_serve, dashboard_path, serve_command

__all__ = ["COORD_SUFFIXES", "EXIT_DATA", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "ProgressBar",
           "build_parser", "dashboard_path", "main", "parse_params", "serve_command", "write_coordinates"]

DESCRIPTION = """\
See what embeddings are and how they behave, from the command line.

commands:
  project   vectors in, 2-D/3-D coordinates out (Parquet, CSV, or the TF projector's TSV pair);
            millions of rows: fit on a sample, map every row in partitions on Dask
  train     a text corpus in, word2vec vectors out
  evaluate  analogy and word-similarity benchmarks, as a table (or JSON)
  convert   between formats: word2vec text/binary, GloVe, fastText, projector TSV, npy/npz, CSV, Parquet
  info      rows, dimensions, format, metadata columns, duplicate and zero vectors
  compare   two tables word by word: neighbour overlap, rank change, the words that moved most
  serve     open the dashboard on a file (localhost unless --network)

Run 'embviz COMMAND --help' for the options and examples of each command.
"""


# -- parser --------------------------------------------------------------------------------------


def _nonnegative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def _common(p: argparse.ArgumentParser, *, reading: bool = True) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summaries on stderr")
    if reading:
        p.add_argument("--format", default=None, help="input format (default: told from the content)")
        p.add_argument("--limit", type=positive_int, default=None, help="read only the first N rows (default: all)")
        p.add_argument("--keys", default=None, help="a text file with one key per line (for .npy)")
        p.add_argument("--metadata", default=None, help="a metadata table (TSV/CSV/Parquet), one row per vector")


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(prog="embviz", description=DESCRIPTION, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"embviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    from ..reduce import REDUCERS

    p = sub.add_parser("project", help="vectors in, 2-D/3-D coordinates out", formatter_class=_Formatter,
                       description=PROJECT_HELP, epilog=methods_help())
    p.add_argument("source", help="vectors: any format embviz reads (.npy is memory-mapped); with --onto, "
                                  "the new vectors to place")
    p.add_argument("-o", "--output", required=True, help="coordinates: .parquet, .csv or .tsv (projector pair)")
    p.add_argument("--method", default="pca", choices=list(REDUCERS), help="projection method (see below)")
    p.add_argument("--dims", type=int, default=2, choices=[2, 3], help="2-D or 3-D")
    p.add_argument("--seed", type=int, default=0, help="random seed (the same seed gives the same map)")
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"], help="geometry of the vectors")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a method parameter, repeatable (e.g. n_neighbors=30, perplexity=50, x='woman - man'); "
                        "each method's parameters are listed below")
    p.add_argument("--sample", type=positive_int, default=20_000,
                   help="fit on at most this many rows; with more rows, the rest are mapped with transform")
    p.add_argument("--sample-method", default="random", choices=["random", "top", "stratified"],
                   help="how the fit sample is drawn")
    p.add_argument("--by", default=None, help="metadata column for --sample-method stratified")
    p.add_argument("--workers", type=_nonnegative, default=None,
                   help="Dask worker processes on this machine for the mapping (0 = in this process; "
                        "default 2 when the data is larger than --sample)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (instead of a local cluster)")
    p.add_argument("--partition-rows", type=positive_int, default=100_000, help="rows per Dask task")
    p.add_argument("--quality", action="store_true", help="print trustworthiness, continuity, kNN recall")
    p.add_argument("--onto", default=None, metavar="COORDS",
                   help="place SOURCE on this existing map (coordinates written by embviz project) instead "
                        "of making a new one; needs --base")
    p.add_argument("--base", default=None, metavar="VECTORS", help="with --onto: the vectors the map was made from")
    p.add_argument("-k", type=positive_int, default=10, help="with --onto: nearest mapped neighbours per new point")
    _common(p)
    p.set_defaults(run=cmd_project)

    p = sub.add_parser("train", help="a corpus in, word2vec vectors out", formatter_class=_Formatter,
                       description=TRAIN_HELP)
    p.add_argument("corpus", help="text, one sentence per line (.txt or .txt.gz)")
    p.add_argument("-o", "--output", required=True, help="vectors file; the format follows the extension")
    p.add_argument("--to", default=None, help="output format name (default: from the extension)")
    p.add_argument("--dims", type=int, default=100, help="vector dimensions")
    p.add_argument("--window", type=int, default=5, help="context words on each side")
    p.add_argument("--min-count", type=int, default=5, help="ignore words seen fewer times")
    p.add_argument("--epochs", type=int, default=5, help="passes over the corpus")
    p.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    p.add_argument("--negative", type=int, default=5, help="negative samples per word")
    p.add_argument("--max-vocab", type=int, default=None, help="keep at most this many words (default: all)")
    p.add_argument("--workers", type=int, default=2, help="threads (1 makes a seed reproducible)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    _common(p, reading=False)
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("evaluate", help="analogy and similarity benchmarks", formatter_class=_Formatter,
                       description=EVALUATE_HELP)
    p.add_argument("vectors", help="vectors: any format embviz reads")
    p.add_argument("--analogies", default=None, help="analogy questions file (default: Google's, bundled with gensim)")
    p.add_argument("--similarity", action="append", default=[], metavar="FILE",
                   help="word-pair file, repeatable (default: WordSim-353 and SimLex-999)")
    p.add_argument("--no-analogies", action="store_true", help="skip the analogy benchmark")
    p.add_argument("--no-similarity", action="store_true", help="skip the word-similarity benchmarks")
    p.add_argument("--method", default="3cosadd", choices=["3cosadd", "3cosmul"], help="analogy scoring")
    p.add_argument("--restrict", type=positive_int, default=None,
                   help="search only the first N keys (gensim: 300000; default: all)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _common(p)
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("convert", help="between formats", formatter_class=_Formatter, description=CONVERT_HELP)
    p.add_argument("source")
    p.add_argument("output")
    p.add_argument("--to", default=None, help="output format name (default: from the extension)")
    _common(p)
    p.set_defaults(run=cmd_convert)

    p = sub.add_parser("info", help="what is in a vectors file", formatter_class=_Formatter,
                       description="Rows, dimensions, format, metadata, duplicate and zero vectors.\n\n"
                                   "example:\n  embviz info vectors.vec --json")
    p.add_argument("source")
    p.add_argument("--json", action="store_true")
    _common(p)
    p.set_defaults(run=cmd_info)

    p = sub.add_parser("serve", help="open the dashboard on a file", formatter_class=_Formatter,
                       description=SERVE_HELP)
    p.add_argument("file", nargs="?", default=None, help="vectors or precomputed coordinates to open")
    p.add_argument("--port", type=int, default=8501, help="TCP port to listen on")
    p.add_argument("--network", action="store_true",
                   help="listen on all interfaces (0.0.0.0) instead of localhost only")
    p.add_argument("-q", "--quiet", action="store_true", help="no messages on stderr")
    p.set_defaults(run=cmd_serve)

    add_compare_parser(sub)
    return parser


PROJECT_HELP = """\
Project vectors to 2-D or 3-D and write the coordinates (key, x, y[, z], metadata).

Up to --sample rows are projected directly (the same result as the dashboard). Larger inputs are
fitted on a sample of --sample rows (random, top, or stratified --by a metadata column) and every
row is then mapped with the fitted model's transform, in partitions of --partition-rows, on Dask:
a local cluster of --workers processes, or the cluster at --scheduler. Both paths use the same
engine (embviz.project); the summary line says which ran, and whether rows outside the sample were
mapped by the method's own transform or, for methods without one, by neighbour interpolation.
The coordinates stream to Parquet, so memory stays bounded by the partition size; rows of the
sample keep their fitted coordinates (column in_sample). Outputs are written to a temporary file
beside the target and renamed when complete: an interrupted run leaves nothing at the target.

With --onto COORDS --base VECTORS, SOURCE holds new vectors (same dimension as VECTORS) that are
placed on the existing map: each lands at the median map position of its 5 nearest mapped
neighbours (in the original space), with its -k nearest neighbours and a confidence cue (how far it sits from the mapped points, relative to
their own nearest-neighbour distances) in the output.

examples:
  embviz project vectors.vec -o coords.csv --method tsne --param perplexity=50
  embviz project big.npy --method umap --sample 20000 -o coords.parquet --workers 2
  embviz project big.npy --method pca -o coords.parquet --scheduler tcp://10.0.0.5:8786
  embviz project words.npz --method axes --param x="woman - man" --param y="big - small" -o axes.csv
  embviz project new.npz --onto coords.parquet --base words.npz -o placed.csv
"""

TRAIN_HELP = """\
Train word2vec (gensim) on a corpus with one sentence per line.

examples:
  embviz train corpus.txt.gz -o vectors.vec --dims 100 --epochs 5
  embviz train corpus.txt -o vectors.npz --sg --window 10 --workers 1 --seed 7
"""

EVALUATE_HELP = """\
Score vectors on the Google analogy set (accuracy, gensim's convention) and on WordSim-353 and
SimLex-999 (Spearman correlation with human judgements), or on your own files.

examples:
  embviz evaluate vectors.vec
  embviz evaluate vectors.vec --no-similarity --method 3cosmul --json
"""

CONVERT_HELP = """\
Convert vectors between formats; the output format follows the extension (.txt word2vec text,
.bin binary, .vec fastText, .tsv projector pair, .npy, .npz, .csv, .parquet) unless --to is given.

examples:
  embviz convert glove.6B.100d.txt glove.parquet --format glove --limit 50000
  embviz convert vectors.bin projector/        (vectors.tsv + metadata.tsv for projector.tensorflow.org)
"""

SERVE_HELP = """\
Start the dashboard (streamlit) with FILE opened. It listens on localhost only, unless --network.

examples:
  embviz serve vectors.vec
  embviz serve coords.parquet --port 8600
"""


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (see the module docstring)."""
    from ..errors import EmbvizError

    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("embviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `embviz compare a b | head`: the reader has what it wanted
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_OK
    except (EmbvizError, KeyError, ValueError, OSError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) or isinstance(exc, EmbvizError) else str(exc.args[0])
        if isinstance(exc, OSError) and exc.filename and exc.filename not in message:
            message = f"{exc.filename}: {message}"
        print(f"embviz: error: {message.splitlines()[0] if message else type(exc).__name__}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
