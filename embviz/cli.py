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
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from typing_extensions import Self

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
COORD_SUFFIXES = (".parquet", ".csv", ".tsv")

DESCRIPTION = """\
See what embeddings are and how they behave, from the command line.

commands:
  project   vectors in, 2-D/3-D coordinates out (Parquet, CSV, or the TF projector's TSV pair);
            millions of rows: fit on a sample, map every row in partitions on Dask
  train     a text corpus in, word2vec vectors out
  evaluate  analogy and word-similarity benchmarks, as a table (or JSON)
  convert   between formats: word2vec text/binary, GloVe, fastText, projector TSV, npy/npz, CSV, Parquet
  info      rows, dimensions, format, metadata columns, duplicate and zero vectors
  serve     open the dashboard on a file (localhost unless --network)

Run 'embviz COMMAND --help' for the options and examples of each command.
"""


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    pass


# -- progress bars -------------------------------------------------------------------------------
class ProgressBar:
    """An embviz progress callback drawing a tqdm bar on stderr when it is a terminal (never with
    ``quiet``)."""

    def __init__(self, label: str, quiet: bool = False):
        self.label, self.quiet, self.bar = label, quiet, None

    def __call__(self, done: float, total: float, message: str = "") -> bool:
        if self.quiet:
            return False
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total or 1, desc=self.label, file=sys.stderr, leave=False,
                            dynamic_ncols=True, mininterval=0.5, disable=None)  # None: only on a terminal
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.n = min(done, self.bar.total)
        if message:
            self.bar.set_postfix_str(message, refresh=False)
        self.bar.refresh()
        return False

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _say(args, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)


# -- parameters ----------------------------------------------------------------------------------
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def parse_params(method: str, pairs: list[str]) -> dict[str, Any]:
    """``["n_neighbors=30", "init=pca"]`` typed by the reducer's parameter table.

    >>> parse_params("umap", ["n_neighbors=30", "min_dist=0.2", "init=pca"])
    {'n_neighbors': 30, 'min_dist': 0.2, 'init': 'pca'}
    >>> parse_params("pca", ["whiten=yes"])
    {'whiten': True}
    >>> parse_params("umap", ["neighbours=3"])
    Traceback (most recent call last):
    ...
    embviz.errors.ParameterError: The 'neighbours' parameter of UMAP must be one of 'n_neighbors', 'min_dist', 'spread', 'n_epochs', 'init', 'neighbors', 'pca_components', 'deterministic'. Got '3' instead.
    """
    from .errors import ParameterError
    from .reduce import get_reducer

    reducer = get_reducer(method)
    owner = reducer.label or reducer.name
    known = {p.name: p for p in reducer.PARAMS}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name:
            raise ParameterError("embviz project", "--param", "of the form name=value", pair)
        spec = known.get(name)
        if spec is None:
            raise ParameterError(owner, name, "one of " + ", ".join(map(repr, known)), text)
        out[name] = _typed(owner, spec, text.strip())
    return out


def _typed(owner: str, spec, text: str) -> Any:
    from .errors import ParameterError

    try:
        if spec.kind == "int":
            return int(text)
        if spec.kind == "float":
            return float(text)
    except ValueError:
        raise ParameterError(owner, spec.name, f"a{'n' if spec.kind == 'int' else ''} {spec.kind}",
                             text) from None
    if spec.kind == "bool":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ParameterError(owner, spec.name, "true or false", text)
    return text


# -- project -------------------------------------------------------------------------------------
def _check_out(path: Path, allowed=COORD_SUFFIXES) -> Path:
    from .errors import ParameterError

    if path.suffix.lower() not in allowed:
        raise ParameterError("embviz project", "--output", "a file ending in " + ", ".join(allowed), str(path))
    return path


def cmd_project(args) -> int:

    from . import scale

    out = _check_out(Path(args.output))
    params = parse_params(args.method, args.param)
    source = Path(args.source)
    large = args.workers is not None or args.scheduler is not None
    plain_npy = not (args.limit or args.keys or args.metadata or args.format)
    if args.method != "axes" and source.suffix.lower() == ".npy" and plain_npy:
        rows = scale.Source.open(source).n
        large = large or rows > args.sample
        emb = None
    else:
        emb = _load(args, source)
        large = large or (len(emb) > args.sample and args.method != "axes")
    if not large:
        return _project_small(args, emb if emb is not None else _load(args, source), params, out)

    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        target = out if out.suffix.lower() == ".parquet" else Path(tmp) / "coords.parquet"
        with ProgressBar(f"{args.method} on {source.name}", args.quiet) as bar:
            result = scale.project_large(
                emb if emb is not None else source, args.method, dims=args.dims, sample=args.sample,
                sample_method=args.sample_method, by=args.by, seed=args.seed, metric=args.metric,
                out=target, partition_rows=args.partition_rows, scheduler=args.scheduler,
                workers=args.workers if args.workers is not None else (2 if args.scheduler is None else 0),
                progress=bar, **params,
            )
        if target != out:
            _convert_coordinates(target, out)
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    _say(args, f"wrote {result.n_points:,} coordinates to {out} (fitted on {result.sample_size:,}; {stages})")
    if args.quality:
        from .reduce import Projection

        src_rows = scale.Source.open(emb if emb is not None else source)
        sample_emb = _sample_embeddings(src_rows, result.sample_index)
        proj = Projection(result.sample_coords, sample_emb.keys, args.method, args.dims, result.params, 0.0)
        _print_quality(args, sample_emb, proj)
    return EXIT_OK if not result.stopped else EXIT_INTERRUPTED


def _sample_embeddings(src, index):
    from .embeddings import Embeddings

    keys = [str(i) for i in index] if src.emb is None else [src.emb.keys[i] for i in index]
    return Embeddings(keys, src.rows(index))


def _project_small(args, emb, params: dict, out: Path) -> int:
    import embviz

    if len(emb) > args.sample and args.method == "axes":
        emb = emb.sample(args.sample, method=args.sample_method, by=args.by, seed=args.seed)
    with ProgressBar(f"{args.method} on {emb.name or 'vectors'}", args.quiet) as bar:
        proj = embviz.project(emb, args.method, args.dims, seed=args.seed, metric=args.metric,
                              progress=bar, **params)
    write_coordinates(out, proj.keys, proj.coords, emb.metadata)
    _say(args, f"wrote {len(proj.keys):,} coordinates to {out} ({proj.method}, {proj.seconds:.1f} s"
               f"{', from cache' if proj.from_cache else ''})")
    if args.quality:
        _print_quality(args, emb, proj)
    return EXIT_INTERRUPTED if proj.stopped else EXIT_OK


def _print_quality(args, emb, proj) -> None:
    import embviz

    scores = embviz.quality(emb, proj, metric=args.metric, seed=args.seed)
    for name, value in scores.items():
        print(f"{name}\t{value:.4f}" if isinstance(value, float) else f"{name}\t{value}")


def write_coordinates(path: Path, keys: list[str], coords, metadata=None) -> list[Path]:
    """Coordinates to Parquet or CSV (``key, x, y[, z]`` + metadata) or the projector TSV pair."""
    import pandas as pd

    from .scale import AXES

    path = Path(path)
    if path.suffix.lower() == ".tsv":
        from . import save
        from .embeddings import Embeddings

        return save(Embeddings(keys, coords, metadata), path, format="projector")
    table = pd.DataFrame({"key": keys, **{AXES[d]: coords[:, d] for d in range(coords.shape[1])}})
    if metadata is not None:
        extra = metadata.drop(columns=[c for c in metadata.columns if c in table.columns])
        table = pd.concat([table, extra.reset_index(drop=True)], axis=1)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        table.to_parquet(path, index=False)
    else:
        table.to_csv(path, index=False)
    return [path]


def _convert_coordinates(parquet: Path, out: Path) -> None:
    """Stream a coordinates Parquet file to CSV, or to the projector's TSV pair, batch by batch."""
    import pyarrow.parquet as pq

    from .scale import AXES

    reader = pq.ParquetFile(parquet)
    if out.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        with pacsv.CSVWriter(out, reader.schema_arrow) as writer:
            for batch in reader.iter_batches(batch_size=100_000):
                writer.write_batch(batch)
        return
    meta_path = out.with_name(out.stem + "_metadata.tsv")
    with open(out, "w", encoding="utf-8") as coords, open(meta_path, "w", encoding="utf-8") as meta:
        names = [c for c in reader.schema_arrow.names if c not in AXES]
        meta.write("\t".join(names) + "\n")
        for batch in reader.iter_batches(batch_size=100_000):
            frame = batch.to_pandas()
            axes = [a for a in AXES if a in frame.columns]
            frame[axes].to_csv(coords, sep="\t", header=False, index=False, float_format="%.6g")
            frame[names].to_csv(meta, sep="\t", header=False, index=False)


# -- the other commands --------------------------------------------------------------------------
def _load(args, path: Path, label: str = "reading"):
    from . import load

    with ProgressBar(f"{label} {path.name}", args.quiet) as bar:
        return load(path, getattr(args, "format", None) or "auto", limit=getattr(args, "limit", None),
                    keys=getattr(args, "keys", None), metadata=getattr(args, "metadata", None),
                    progress=bar)


def cmd_train(args) -> int:
    from . import save, train_word2vec

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
    from . import evaluate_analogies, evaluate_similarity

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
    from . import save

    emb = _load(args, Path(args.source))
    written = save(emb, args.output, args.to)
    _say(args, f"wrote {len(emb):,} vectors × {emb.dim} to {', '.join(map(str, written))}")
    return EXIT_OK


def cmd_info(args) -> int:
    from . import sniff

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


def dashboard_path() -> Path:
    """``dashboard.py`` of this checkout (the package is installed in editable mode)."""
    return Path(__file__).resolve().parent.parent / "dashboard.py"


def serve_command(args) -> tuple[list[str], dict[str, str]]:
    """The ``streamlit run`` command line and environment for :func:`cmd_serve`."""
    from .errors import EmbeddingFormatError, ParameterError

    script = dashboard_path()
    if not script.exists():
        raise ParameterError("embviz serve", "dashboard", "found beside the package", str(script))
    env = dict(os.environ)
    if args.file is not None:
        path = Path(args.file).expanduser().resolve()
        if not path.is_file():
            raise EmbeddingFormatError("no such file" if not path.exists() else "is a folder; serve opens "
                                       "one file (vectors or coordinates)", path=args.file)
        env["EMBVIZ_FILE"] = str(path)
    if not 0 < args.port < 65536:
        raise ParameterError("embviz serve", "--port", "in 1..65535", args.port)
    cmd = [sys.executable, "-m", "streamlit", "run", str(script), "--server.headless", "true",
           "--server.address", "0.0.0.0" if args.network else "127.0.0.1", "--server.port", str(args.port),
           "--browser.gatherUsageStats", "false"]
    return cmd, env


def cmd_serve(args) -> int:
    import subprocess

    cmd, env = serve_command(args)
    if args.network:
        print("embviz: warning: --network serves the dashboard to every machine that can reach this one "
              f"on port {args.port}; it has no login.", file=sys.stderr)
    host = "0.0.0.0" if args.network else "localhost"
    _say(args, f"embviz dashboard on http://{host}:{args.port}  (Ctrl-C to stop)")
    return subprocess.call(cmd, env=env)


# -- parser --------------------------------------------------------------------------------------
def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _nonnegative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text}")
    return value


def _common(p: argparse.ArgumentParser, *, reading: bool = True) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars or summaries on stderr")
    if reading:
        p.add_argument("--format", default=None, help="input format (default: told from the content)")
        p.add_argument("--limit", type=_positive, default=None, help="read only the first N rows")
        p.add_argument("--keys", default=None, help="a text file with one key per line (for .npy)")
        p.add_argument("--metadata", default=None, help="a metadata table (TSV/CSV/Parquet), one row per vector")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="embviz", description=DESCRIPTION, formatter_class=_Formatter)
    parser.add_argument("--version", action="version", version=f"embviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("project", help="vectors in, 2-D/3-D coordinates out", formatter_class=_Formatter,
                       description=PROJECT_HELP)
    p.add_argument("source", help="vectors: any format embviz reads (.npy is memory-mapped)")
    p.add_argument("-o", "--output", required=True, help="coordinates: .parquet, .csv or .tsv (projector pair)")
    p.add_argument("--method", default="pca", choices=["pca", "tsne", "umap", "axes"])
    p.add_argument("--dims", type=int, default=2, choices=[2, 3])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--metric", default="cosine", choices=["cosine", "euclidean"])
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a method parameter, repeatable (e.g. n_neighbors=30, perplexity=50, x='woman - man')")
    p.add_argument("--sample", type=_positive, default=20_000,
                   help="fit on at most this many rows; with more rows, the rest are mapped with transform")
    p.add_argument("--sample-method", default="random", choices=["random", "top", "stratified"])
    p.add_argument("--by", default=None, help="metadata column for --sample-method stratified")
    p.add_argument("--workers", type=_nonnegative, default=None,
                   help="Dask worker processes on this machine for the mapping (0 = in this process; "
                        "default 2 when the data is larger than --sample)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (instead of a local cluster)")
    p.add_argument("--partition-rows", type=_positive, default=100_000, help="rows per Dask task")
    p.add_argument("--quality", action="store_true", help="print trustworthiness, continuity, kNN recall")
    _common(p)
    p.set_defaults(run=cmd_project)

    p = sub.add_parser("train", help="a corpus in, word2vec vectors out", formatter_class=_Formatter,
                       description=TRAIN_HELP)
    p.add_argument("corpus", help="text, one sentence per line (.txt or .txt.gz)")
    p.add_argument("-o", "--output", required=True, help="vectors file; the format follows the extension")
    p.add_argument("--to", default=None, help="output format name (default: from the extension)")
    p.add_argument("--dims", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--sg", action="store_true", help="skip-gram instead of CBOW")
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--max-vocab", type=int, default=None)
    p.add_argument("--workers", type=int, default=2, help="threads (1 makes a seed reproducible)")
    p.add_argument("--seed", type=int, default=0)
    _common(p, reading=False)
    p.set_defaults(run=cmd_train)

    p = sub.add_parser("evaluate", help="analogy and similarity benchmarks", formatter_class=_Formatter,
                       description=EVALUATE_HELP)
    p.add_argument("vectors")
    p.add_argument("--analogies", default=None, help="analogy questions file (default: Google's, bundled with gensim)")
    p.add_argument("--similarity", action="append", default=[], metavar="FILE",
                   help="word-pair file, repeatable (default: WordSim-353 and SimLex-999)")
    p.add_argument("--no-analogies", action="store_true")
    p.add_argument("--no-similarity", action="store_true")
    p.add_argument("--method", default="3cosadd", choices=["3cosadd", "3cosmul"])
    p.add_argument("--restrict", type=_positive, default=None, help="search only the first N keys (gensim: 300000)")
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
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--network", action="store_true",
                   help="listen on all interfaces (0.0.0.0) instead of localhost only")
    p.add_argument("-q", "--quiet", action="store_true")
    p.set_defaults(run=cmd_serve)
    return parser


PROJECT_HELP = """\
Project vectors to 2-D or 3-D and write the coordinates (key, x, y[, z], metadata).

Up to --sample rows are projected directly (the same result as the dashboard). Larger inputs are
fitted on a sample of --sample rows (random, top, or stratified --by a metadata column) and every
row is then mapped with the fitted model's transform, in partitions of --partition-rows, on Dask:
a local cluster of --workers processes, or the cluster at --scheduler. The coordinates stream to
Parquet, so memory stays bounded by the partition size; rows of the sample keep their fitted
coordinates (column in_sample).

examples:
  embviz project vectors.vec -o coords.csv --method tsne --param perplexity=50
  embviz project big.npy --method umap --sample 20000 -o coords.parquet --workers 2
  embviz project big.npy --method pca -o coords.parquet --scheduler tcp://10.0.0.5:8786
  embviz project words.npz --method axes --param x="woman - man" --param y="big - small" -o axes.csv
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
    from .errors import EmbvizError

    parser = build_parser()
    args = parser.parse_args(argv)  # exits with 2 on usage errors
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("embviz: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (EmbvizError, KeyError, ValueError, OSError) as exc:
        message = str(exc) if not isinstance(exc, KeyError) or isinstance(exc, EmbvizError) else str(exc.args[0])
        if isinstance(exc, OSError) and exc.filename and exc.filename not in message:
            message = f"{exc.filename}: {message}"
        print(f"embviz: error: {message.splitlines()[0] if message else type(exc).__name__}", file=sys.stderr)
        return EXIT_DATA


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
