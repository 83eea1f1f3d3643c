"""Projections of millions of points: fit on a sample, map everything in partitions on Dask.

A reducer is fitted on a sample of the rows (random, the top rows, or stratified by a metadata
column); every row is then mapped with the fitted model's ``transform`` in partitions of
``partition_rows`` rows. With ``workers=0`` the partitions run one after another in this process;
otherwise they run on a ``dask.distributed`` cluster (a local one on 127.0.0.1 by default, or the
scheduler at ``scheduler``). Coordinates are written to Parquet partition by partition, in order,
so peak memory is bounded by the partition size and the number of partitions in flight, not by N.

Rows of the fitted sample keep their fitted coordinates (the picture the reducer learned); the
other rows get ``transform`` coordinates. The output has the columns ``key``, ``x``, ``y`` (``z``
for 3-D), ``in_sample`` and, for sources that carry it, their metadata.

The sample is fitted by the one engine (:func:`embviz.project`, any method of the registry, the
same parameters and code as the app and the CLI), and the fitted projection's ``mapper()`` — the
method's own ``transform``, or neighbour interpolation for methods without one (densMAP, TriMap;
``LargeProjection.transform`` says which) — is what is sent to the workers.

>>> import numpy as np, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> np.save(folder / "v.npy", np.random.default_rng(0).normal(size=(500, 8)).astype("float32"))
>>> result = project_large(folder / "v.npy", "pca", sample=100, partition_rows=200,
...                        out=folder / "coords.parquet", workers=0)
>>> result.n_points, result.n_partitions, result.sample_size
(500, 3, 100)
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .coords import AXES  # re-exported: the column names of the output

__all__ = ["AXES", "LargeProjection", "Source", "fit_sample", "project_large", "read_coordinates", "sample_rows"]
from .embeddings import SAMPLING_METHODS, Embeddings, _stratified
from .errors import EmbeddingFormatError, ParameterError
from .progress import ProgressCallback, report


@dataclass
class LargeProjection:
    """What :func:`project_large` did: where the coordinates are and how long each stage took."""

    path: Path
    method: str
    dims: int
    n_points: int
    sample_size: int
    n_partitions: int
    params: dict[str, Any]
    workers: int
    scheduler: str | None
    seconds: dict[str, float] = field(default_factory=dict)
    sample_index: np.ndarray | None = None
    sample_coords: np.ndarray | None = None
    stopped: bool = False
    requested: dict[str, Any] = field(default_factory=dict)
    transform: str = ""  # "native" or "neighbours": how rows outside the sample were mapped
    projection: Any = None  # the sample's Projection (coordinates, model)


# -- sources --------------------------------------------------------------------------------------
class Source:
    """Rows of vectors that can be read by range without loading the whole file.

    ``npy`` files are memory-mapped and read by the workers themselves; anything else is read
    here and the partitions are sent to the workers.
    """

    def __init__(self, n: int, dim: int, *, npy: Path | None = None, emb: Embeddings | None = None):
        self.n, self.dim, self.npy, self.emb = n, dim, npy, emb

    @classmethod
    def open(cls, source: str | Path | Embeddings) -> Source:
        if isinstance(source, Embeddings):
            return cls(len(source), source.dim, emb=source)
        path = Path(source)
        if not path.exists():
            raise EmbeddingFormatError("no such file", path=path)
        if path.suffix.lower() == ".npy":
            try:
                arr = np.load(path, mmap_mode="r", allow_pickle=False)
            except ValueError as exc:
                raise EmbeddingFormatError(f"not a readable .npy array ({exc})", path=path) from exc
            if arr.ndim != 2 or arr.dtype.kind not in "fiu" or arr.shape[0] == 0:
                raise EmbeddingFormatError(
                    f"expected a non-empty 2-D numeric array, found shape {arr.shape} of {arr.dtype}",
                    path=path,
                )
            return cls(arr.shape[0], arr.shape[1], npy=path)
        from . import load  # any other format goes through the readers

        emb = load(path)
        return cls(len(emb), emb.dim, emb=emb)

    def rows(self, index: np.ndarray | slice) -> np.ndarray:
        """The rows as a fresh, writeable float32 C array (numba code needs writeable arrays)."""
        if self.npy is not None:
            return _read_npy(str(self.npy), index)
        return np.array(self.emb.vectors[index], dtype=np.float32, order="C")

    def keys(self, start: int, stop: int) -> list[str]:
        if self.emb is not None:
            return self.emb.keys[start:stop]
        return [str(i) for i in range(start, stop)]

    def metadata(self, start: int, stop: int):
        if self.emb is None or self.emb.metadata.shape[1] == 0:
            return None
        return self.emb.metadata.iloc[start:stop].reset_index(drop=True)

    def labels(self, by: str | None) -> np.ndarray:
        columns = [] if self.emb is None else list(self.emb.metadata.columns)
        if by is None or by not in columns:
            raise ParameterError("project_large", "by", f"a metadata column ({columns})", by)
        return self.emb.metadata[by].astype(str).to_numpy()


def _read_npy(path: str, index: np.ndarray | slice) -> np.ndarray:
    arr = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.array(arr[index], dtype=np.float32, order="C")


def sample_rows(
    n: int, size: int, *, method: str = "random", seed: int = 0, labels: np.ndarray | None = None
) -> np.ndarray:
    """Sorted row indices of the fit sample; the same rows ``Embeddings.sample`` picks.

    >>> sample_rows(10, 3, method="top")
    array([0, 1, 2])
    >>> len(sample_rows(1000, 20, seed=1)), sample_rows(5, 20).tolist()
    (20, [0, 1, 2, 3, 4])
    """
    if method not in SAMPLING_METHODS:
        raise ParameterError("project_large", "sample_method", f"one of {SAMPLING_METHODS}", method)
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ParameterError("project_large", "sample", "a positive integer", size)
    if size >= n:
        return np.arange(n)
    if method == "top":
        return np.arange(size)
    rng = np.random.default_rng(seed)
    if method == "random":
        return np.sort(rng.choice(n, size=size, replace=False))
    return _stratified(labels, size, rng)


# -- fitting through the engine ------------------------------------------------------------------
def _sample_embeddings(src: Source, idx: np.ndarray) -> Embeddings:
    keys = [src.emb.keys[i] for i in idx] if src.emb is not None else [str(i) for i in idx]
    return Embeddings(keys, src.rows(idx))


def fit_sample(sample: Embeddings, method: str, dims: int, *, seed: int = 0, metric: str = "cosine",
               progress: ProgressCallback | None = None, **params: Any):
    """The sample's :class:`~embviz.reduce.Projection` from the registry's engine (what
    :func:`embviz.project` does in the app and the CLI); its ``mapper()`` maps every other row."""
    from .reduce import get_reducer, project

    reducer = get_reducer(method)
    if reducer.name == "axes":
        raise ParameterError("project_large", "method", "a method fitted to data (formula axes need no "
                             "sample: use embviz.project on the whole table)", method)
    return project(sample, reducer, dims, seed=seed, metric=metric, progress=progress, cache=False, **params)


def _transform_part(mapper, data: np.ndarray | tuple[str, int, int]) -> np.ndarray:
    """Runs on a worker: read the partition if given as (npy path, start, stop), then map it."""
    if isinstance(data, tuple):
        path, start, stop = data
        data = _read_npy(path, slice(start, stop))
    return mapper(data)


# -- the pipeline --------------------------------------------------------------------------------
def project_large(
    source: str | Path | Embeddings,
    method: str = "pca",
    *,
    dims: int = 2,
    sample: int = 20_000,
    sample_method: str = "random",
    by: str | None = None,
    seed: int = 0,
    metric: str = "cosine",
    out: str | Path,
    partition_rows: int = 100_000,
    scheduler: str | None = None,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    **params: Any,
) -> LargeProjection:
    """Fit ``method`` on a sample of ``source`` and write coordinates of every row to ``out``.

    ``source``: a ``.npy`` file (memory-mapped; the workers read their own partitions), any file
    :func:`embviz.load` reads, or an :class:`~embviz.Embeddings`. ``workers=0`` runs everything in
    this process; ``workers>=1`` starts a local Dask cluster with that many single-threaded worker
    processes; ``scheduler="tcp://host:8786"`` uses an existing cluster instead. ``params`` go to
    the reducer (e.g. ``n_neighbors=30`` for UMAP). ``progress`` may return ``True`` to stop: the
    file then holds the partitions finished so far and ``stopped`` is set.
    """
    if not isinstance(partition_rows, (int, np.integer)) or partition_rows < 1:
        raise ParameterError("project_large", "partition_rows", "a positive integer", partition_rows)
    if not isinstance(workers, (int, np.integer)) or workers < 0:
        raise ParameterError("project_large", "workers", "an integer >= 0", workers)
    out = Path(out)
    if out.suffix.lower() != ".parquet":
        raise ParameterError("project_large", "out", "a path ending in .parquet", str(out))
    seconds: dict[str, float] = {}
    clock = time.perf_counter()
    src = Source.open(source)
    labels = src.labels(by) if sample_method == "stratified" else None
    idx = sample_rows(src.n, sample, method=sample_method, seed=seed, labels=labels)
    sample_emb = _sample_embeddings(src, idx)
    seconds["load+sample"] = time.perf_counter() - clock
    if report(progress, 0, 1, f"fitting {method} on {len(idx):,} of {src.n:,} rows"):
        return LargeProjection(out, str(method), dims, src.n, len(idx), 0, {}, workers, scheduler, seconds,
                               idx, None, True)

    clock = time.perf_counter()
    proj = fit_sample(sample_emb, method, dims, seed=seed, metric=metric, progress=progress, **params)
    del sample_emb
    seconds["fit"] = time.perf_counter() - clock
    if proj.stopped:
        return _result(out, proj, src, idx, 0, workers, scheduler, seconds, True)
    fitted, mapper = proj.coords, proj.mapper()

    clock = time.perf_counter()
    bounds = [(a, min(a + partition_rows, src.n)) for a in range(0, src.n, partition_rows)]
    if len(idx) == src.n:  # everything was fitted: nothing left to map
        parts: Iterator[tuple[int, np.ndarray]] = ((i, None) for i in range(len(bounds)))
        stopped = _write(out, src, bounds, parts, idx, fitted, dims, progress)
    elif workers == 0 and scheduler is None:
        parts = ((i, mapper(src.rows(slice(a, b)))) for i, (a, b) in enumerate(bounds))
        stopped = _write(out, src, bounds, parts, idx, fitted, dims, progress)
    else:
        with _client(scheduler, workers) as client:
            parts = _dask_parts(client, mapper, src, bounds)
            stopped = _write(out, src, bounds, parts, idx, fitted, dims, progress)
    seconds["transform+write"] = time.perf_counter() - clock
    return _result(out, proj, src, idx, len(bounds), workers, scheduler, seconds, stopped)


def _result(out, proj, src, idx, n_parts, workers, scheduler, seconds, stopped):
    return LargeProjection(
        path=out, method=proj.method, dims=proj.dims, n_points=src.n, sample_size=len(idx), n_partitions=n_parts,
        params=proj.params, workers=0 if scheduler is None and workers == 0 else workers,
        scheduler=scheduler, seconds=seconds, sample_index=idx, sample_coords=proj.coords, stopped=stopped,
        requested=proj.requested, transform=proj.transform_kind, projection=proj,
    )


class _client:
    """A Dask client on an existing scheduler, or on a local cluster that is closed afterwards."""

    def __init__(self, scheduler: str | None, workers: int):
        self.scheduler, self.workers = scheduler, max(1, workers)
        self.cluster = self.client = None

    def __enter__(self):
        from dask.distributed import Client, LocalCluster

        if self.scheduler is not None:
            try:
                self.client = Client(self.scheduler, timeout="10s")
            except (OSError, TimeoutError) as exc:
                raise ParameterError("project_large", "scheduler", "the address of a running Dask "
                                     "scheduler (e.g. tcp://host:8786)", self.scheduler) from exc
            return self.client
        self.cluster = LocalCluster(
            n_workers=self.workers, threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, scheduler_kwargs={"dashboard": False}, silence_logs=40,
        )
        self.client = Client(self.cluster)
        return self.client

    def __exit__(self, *exc):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _dask_parts(client, mapper, src: Source, bounds: list[tuple[int, int]]):
    """Yield (partition number, coordinates) as partitions finish, with a bounded number in flight."""
    from dask.distributed import as_completed

    [remote_model] = client.scatter([mapper], broadcast=True)
    in_flight = max(2, 2 * len(client.scheduler_info()["workers"]))

    def submit(i: int):
        a, b = bounds[i]
        data = (str(src.npy), a, b) if src.npy is not None else src.rows(slice(a, b))
        future = client.submit(_transform_part, remote_model, data, pure=False)
        future.partition = i
        return future

    queue = as_completed([submit(i) for i in range(min(in_flight, len(bounds)))])
    submitted = min(in_flight, len(bounds))
    for future in queue:
        i = future.partition
        result = future.result()
        future.release()
        if submitted < len(bounds):
            queue.add(submit(submitted))
            submitted += 1
        yield i, result


def _write(
    out: Path,
    src: Source,
    bounds: list[tuple[int, int]],
    parts,
    idx: np.ndarray,
    fitted: np.ndarray,
    dims: int,
    progress: ProgressCallback | None,
) -> bool:
    """Write partitions in order as they arrive (out-of-order ones wait in memory); True if stopped.
    The file appears under its name only when complete (or stopped); a failure or a kill leaves
    nothing there (:class:`embviz.coords.ParquetParts`)."""
    from .coords import ParquetParts

    waiting: dict[int, np.ndarray | None] = {}
    following, stopped = 0, False
    with ParquetParts(out) as writer:
        for i, coords in parts:
            waiting[i] = coords
            while following in waiting:
                a, b = bounds[following]
                writer.write(_table(src, a, b, waiting.pop(following), idx, fitted, dims))
                following += 1
            if report(progress, bounds[following - 1][1] if following else 0, src.n,
                      f"mapped {following} of {len(bounds)} partitions"):
                stopped = True
                break
        writer.close(empty_schema=_table(src, 0, 0, None, idx, fitted, dims).schema)
    return stopped


def _table(src: Source, a: int, b: int, coords: np.ndarray | None, idx, fitted, dims: int):
    """One partition's rows: key, coordinates (fitted ones for sample rows), in_sample, metadata
    (the table itself is :func:`embviz.coords.coordinates_arrow`)."""
    from .coords import coordinates_arrow

    lo, hi = np.searchsorted(idx, [a, b])
    xy = np.empty((b - a, dims), dtype=np.float32) if coords is None else coords.astype(np.float32)
    xy[idx[lo:hi] - a] = fitted[lo:hi]
    in_sample = np.zeros(b - a, dtype=bool)
    in_sample[idx[lo:hi] - a] = True
    return coordinates_arrow(src.keys(a, b), xy, src.metadata(a, b), extra={"in_sample": in_sample})


def read_coordinates(path: str | Path) -> np.ndarray:
    """The coordinate columns of a file :func:`project_large` wrote (:func:`embviz.coords.coordinate_array`)."""
    from .coords import coordinate_array

    return coordinate_array(path)
