"""``embviz project``: vectors in, 2-D/3-D coordinates out (in process, or fitted on a sample and
mapped in partitions on Dask)."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .common import EXIT_INTERRUPTED, EXIT_OK, ProgressBar, _load, _say

COORD_SUFFIXES = (".parquet", ".csv", ".tsv")

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
    from ..errors import ParameterError
    from ..reduce import get_reducer

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
    from ..errors import ParameterError

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
    from ..errors import ParameterError

    if path.suffix.lower() not in allowed:
        raise ParameterError("embviz project", "--output", "a file ending in " + ", ".join(allowed), str(path))
    return path


def cmd_project(args) -> int:

    from .. import scale

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
        from ..reduce import Projection

        src_rows = scale.Source.open(emb if emb is not None else source)
        sample_emb = _sample_embeddings(src_rows, result.sample_index)
        proj = Projection(result.sample_coords, sample_emb.keys, args.method, args.dims, result.params, 0.0)
        _print_quality(args, sample_emb, proj)
    return EXIT_OK if not result.stopped else EXIT_INTERRUPTED


def _sample_embeddings(src, index):
    from ..embeddings import Embeddings

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

    from ..scale import AXES

    path = Path(path)
    if path.suffix.lower() == ".tsv":
        from .. import save
        from ..embeddings import Embeddings

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

    from ..scale import AXES

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


