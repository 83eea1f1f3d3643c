"""``embviz project``: vectors in, 2-D/3-D coordinates out — one engine at every size.

Up to ``--sample`` rows the whole table is fitted in this process (``embviz.project``, as the
dashboard does). Above, the same engine fits a sample and maps every other row with the fitted
model's transform (the method's own, or neighbour interpolation where the library has none), in
partitions, in this process or on Dask (``embviz.scale``). ``--onto`` places new vectors on an
existing map instead (``embviz.place``). The summary line says which path ran. Every output is
written atomically (``embviz.coords``).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from ..coords import WRITABLE as COORD_SUFFIXES  # what a coordinates file may be written as
from .common import EXIT_INTERRUPTED, EXIT_OK, ProgressBar, _load, _say


# -- parameters ----------------------------------------------------------------------------------
def parse_params(method: str, pairs: list[str]) -> dict[str, Any]:
    """``["n_neighbors=30", "init=pca"]`` typed by the reducer's parameter table (``ParamSpec.parse``).

    >>> parse_params("umap", ["n_neighbors=30", "min_dist=0.2", "init=pca"])
    {'n_neighbors': 30, 'min_dist': 0.2, 'init': 'pca'}
    >>> parse_params("pca", ["whiten=yes"])
    {'whiten': True}
    >>> parse_params("tsne", ["learning_rate=auto"])
    {'learning_rate': 'auto'}
    >>> parse_params("umap", ["neighbours=3"])
    Traceback (most recent call last):
    ...
    embviz.errors.ParameterError: The 'neighbours' parameter of UMAP must be one of 'n_neighbors', 'min_dist', 'spread', 'n_epochs', 'init', 'neighbors', 'pca_components', 'deterministic'. Got '3' instead.
    """
    from ..params import parse_pairs
    from ..reduce import get_reducer

    reducer = get_reducer(method)
    return parse_pairs(reducer.owner(), reducer.PARAMS, pairs)


def methods_help() -> str:
    """Every registered method with its parameters, rules and defaults (from the registry)."""
    from ..reduce import REDUCERS

    lines = ["methods and their --param NAME=VALUE (from embviz.REDUCERS):"]
    for name, cls in REDUCERS.items():
        extra = "" if cls.available() else f"  [needs: pip install {' '.join(cls.requires)}]"
        transform = "" if cls.native_transform else "  (no transform: new rows by neighbour interpolation)"
        lines.append(f"  {name:<9} {cls.owner()}{transform}{extra}")
        for spec in cls.PARAMS:
            lines.append(f"      {spec.name}: {spec.describe()}")
        if not cls.PARAMS:
            lines.append("      (no parameters)")
    return "\n".join(lines)


# -- project -------------------------------------------------------------------------------------
def cmd_project(args) -> int:
    from .. import scale
    from ..coords import check_output
    from ..reduce import get_reducer

    out = check_output(args.output, "embviz project")
    if args.onto is not None:
        return _place(args, out)
    reducer = get_reducer(args.method)
    reducer.check_available()
    params = parse_params(args.method, args.param)
    source = Path(args.source)
    distributed = args.workers is not None or args.scheduler is not None
    plain_npy = not (args.limit or args.keys or args.metadata or args.format)
    # a method that reads columns (formula axes) needs the keys and is fitted on every row at once
    if not reducer.reads_columns and source.suffix.lower() == ".npy" and plain_npy:
        rows, emb = scale.Source.open(source).n, None
    else:
        emb = _load(args, source)
        rows = len(emb)
    if reducer.reads_columns or (rows <= args.sample and not distributed):
        return _project_whole(args, emb if emb is not None else _load(args, source), params, out)
    return _project_sample(args, emb, source, rows, params, out)


def _project_whole(args, emb, params: dict, out: Path) -> int:
    import embviz

    from ..coords import write_coordinates

    with ProgressBar(f"{args.method} on {emb.name or 'vectors'}", args.quiet) as bar:
        proj = embviz.project(emb, args.method, args.dims, seed=args.seed, metric=args.metric,
                              progress=bar, **params)
    write_coordinates(out, proj.keys, proj.coords, emb.metadata)
    _say(args, f"wrote {len(proj.keys):,} coordinates to {out} ({proj.method}, {proj.seconds:.1f} s"
               f"{', from cache' if proj.from_cache else ''}; path: every row fitted in this process)")
    if args.quality:
        _print_quality(args, emb, proj)
    return EXIT_INTERRUPTED if proj.stopped else EXIT_OK


def _project_sample(args, emb, source: Path, rows: int, params: dict, out: Path) -> int:
    from .. import scale
    from ..coords import PARTIAL, convert_coordinates, remove_stale

    workers = args.workers if args.workers is not None else (2 if args.scheduler is None else 0)
    remove_stale(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # named like every embviz temporary, so a killed run's folder is removed by the next run
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}{PARTIAL}{os.getpid()}-") as tmp:
        target = out if out.suffix.lower() == ".parquet" else Path(tmp) / "coords.parquet"
        with ProgressBar(f"{args.method} on {source.name}", args.quiet) as bar:
            result = scale.project_large(
                emb if emb is not None else source, args.method, dims=args.dims, sample=args.sample,
                sample_method=args.sample_method, by=args.by, seed=args.seed, metric=args.metric,
                out=target, partition_rows=args.partition_rows, scheduler=args.scheduler,
                workers=workers, progress=bar, **params,
            )
        if target != out and target.exists():
            convert_coordinates(target, out)
    if result.projection is None:
        _say(args, "stopped before fitting; nothing written")
        return EXIT_INTERRUPTED
    where = (f"Dask scheduler {result.scheduler}" if result.scheduler else
             f"{result.workers} local Dask worker{'s' if result.workers != 1 else ''}" if result.workers
             else "this process")
    how = "the method's transform" if result.transform == "native" else "neighbour interpolation (no transform)"
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    _say(args, f"wrote {result.n_points:,} coordinates to {out} ({stages}; path: fitted on {result.sample_size:,} "
               f"of {rows:,} rows, the rest mapped with {how} on {where})")
    if args.quality:
        _print_quality(args, result.projection.base, result.projection)
    return EXIT_OK if not result.stopped else EXIT_INTERRUPTED


def _place(args, out: Path) -> int:
    """``embviz project NEW --onto coords --base vectors``: new points on an existing map."""
    import embviz

    from ..coords import read_coordinates, write_table
    from ..errors import ParameterError
    from ..reduce import Projection

    if args.base is None:
        raise ParameterError("embviz project", "--base", "the vectors the map in --onto was made from", None)
    table = read_coordinates(args.onto)
    axes = [a for a in ("x", "y", "z") if a in table.columns]
    base = _load(args, Path(args.base), "reading base")
    new = _load(args, Path(args.source))
    keys = table["key"].tolist()
    missing = [k for k in keys[:1000] if k not in base.key_to_index]
    if missing:
        raise ParameterError("embviz project", "--base", f"vectors for every key of {Path(args.onto).name} "
                             f"(missing {missing[0]!r})", str(args.base))
    proj = Projection(table[axes].to_numpy("float32"), keys, "map", len(axes), {}, 0.0, base=base,
                      metric=args.metric)
    placement = embviz.place(proj, base, new, k=args.k, seed=args.seed)
    frame = placement.to_frame()
    written = write_table(frame, out)
    low = sum(c == "low" for c in placement.confidence)
    _say(args, f"placed {len(placement):,} points on {Path(args.onto).name} ({len(keys):,} points) by neighbour "
               f"interpolation (median of the 5 nearest; {args.k} neighbours listed); {low:,} far from every "
               "mapped point (confidence low); "
               f"wrote {', '.join(map(str, written))}")
    return EXIT_OK


def _print_quality(args, emb, proj) -> None:
    import embviz

    scores = embviz.quality(emb, proj, metric=args.metric, seed=args.seed)
    for name, value in scores.items():
        print(f"{name}\t{value:.4f}" if isinstance(value, float) else f"{name}\t{value}")
