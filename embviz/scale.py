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

The reducers in :mod:`embviz.reduce` return coordinates only, so the library estimators are
fitted here (scikit-learn ``PCA``, ``umap.UMAP``, openTSNE ``TSNE``) with the parameters of the
reducers' tables and the same preparation (unit vectors for cosine, PCA pre-reduction); the fitted
model is what is sent to the workers. t-SNE's ``tol`` has no openTSNE equivalent and is ignored.

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

from .embeddings import SAMPLING_METHODS, Embeddings, _stratified
from .errors import EmbeddingFormatError, ParameterError
from .progress import ProgressCallback, report

METHODS = ("pca", "umap", "tsne")
AXES = ("x", "y", "z")


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


# -- reducers ------------------------------------------------------------------------------------
def _normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class FittedModel:
    """A fitted reducer that maps new rows; small enough to send to every worker once.

    The steps are those of :mod:`embviz.reduce`: unit vectors for cosine, PCA pre-reduction,
    then the method; PCA components get the same sign convention as :func:`embviz.reduce.pca.pca`.
    """

    def __init__(self, method: str, model: Any, *, normalise: bool, pre: Any = None, signs=None):
        self.method, self.model, self.normalise, self.pre, self.signs = method, model, normalise, pre, signs

    def prepare(self, x: np.ndarray) -> np.ndarray:
        if self.normalise:
            x = _normalise(x)
        if self.pre is not None:
            x = self.pre.transform(x)
        return np.array(x, dtype=np.float32, order="C")

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.method == "umap":
            from .reduce.umap_ import configure_numba_cache

            configure_numba_cache()
        out = np.asarray(self.model.transform(self.prepare(x)), dtype=np.float32)
        return out * self.signs if self.signs is not None else out


def _pca_model(x: np.ndarray, n_components: int, seed: int, whiten: bool = False):
    """A fitted sklearn PCA and the component signs of :func:`embviz.reduce.pca.pca`."""
    from sklearn.decomposition import PCA

    n, d = x.shape
    n_components = min(n_components, n, d)
    solver = "covariance_eigh" if n >= 4 * d else "auto"
    model = PCA(n_components=n_components, svd_solver=solver, whiten=whiten, random_state=seed).fit(x)
    comps = model.components_
    signs = np.sign(comps[np.arange(n_components), np.abs(comps).argmax(axis=1)]).astype(np.float32)
    signs[signs == 0] = 1
    return model, signs


def fit_model(
    x: np.ndarray, method: str, dims: int, *, seed: int = 0, metric: str = "cosine", **params: Any
) -> tuple[FittedModel, np.ndarray, dict[str, Any]]:
    """Fit ``method`` on the sample ``x``; return the model, the sample's coordinates and the
    resolved parameters (checked against the reducer's parameter table in :mod:`embviz.reduce`)."""
    from .neighbors import check_metric
    from .reduce import get_reducer

    if method not in METHODS:
        raise ParameterError("project_large", "method", f"one of {METHODS} (a method with transform)", method)
    if dims not in (2, 3):
        raise ParameterError("project_large", "dims", "2 or 3", dims)
    check_metric(metric, "project_large")
    resolved = get_reducer(method).resolve(params, len(x), x.shape[1], dims)
    normalise = metric == "cosine"
    x = _normalise(x) if normalise else x
    if method == "pca":
        model, signs = _pca_model(x, dims, seed, resolved["whiten"])
        fitted = FittedModel("pca", model, normalise=normalise, signs=signs)
        coords = model.transform(x).astype(np.float32) * signs
        return fitted, coords, {**resolved, "metric": metric, "seed": seed}
    pre = None
    k = resolved["pca_components"]
    if k and x.shape[1] > k and x.shape[0] > k:
        pre = _pca_model(x, k, seed)[0]
    fitted = FittedModel(method, None, normalise=normalise, pre=pre)
    z = np.array(x if pre is None else pre.transform(x), dtype=np.float32, order="C")
    if method == "umap":
        fitted.model, coords = _fit_umap(z, dims, seed, resolved)
    else:
        fitted.model, coords = _fit_tsne(z, dims, seed, resolved)
    return fitted, coords, {**resolved, "metric": metric, "seed": seed}


def _fit_umap(z: np.ndarray, dims: int, seed: int, p: dict):
    import warnings

    from .reduce.umap_ import configure_numba_cache

    configure_numba_cache()
    import umap

    model = umap.UMAP(
        n_components=dims, n_neighbors=p["n_neighbors"], min_dist=p["min_dist"], spread=p["spread"],
        n_epochs=p["n_epochs"] or None, init=p["init"], random_state=seed, metric="euclidean",
        force_approximation_algorithm=True, low_memory=True, n_jobs=1,
    )  # the pynndescent index is what maps new points (exact k-NN has no transform)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = model.fit_transform(z)
    return model, np.asarray(coords, dtype=np.float32)


def _fit_tsne(z: np.ndarray, dims: int, seed: int, p: dict):
    from openTSNE import TSNE

    gradient = p["gradient"]
    if gradient == "auto":
        gradient = "fft" if len(z) >= 20_000 and dims <= 2 else "bh"
    neighbors = {"auto": "auto", "exact": "exact", "approx": "annoy"}[p["neighbors"]]
    model = TSNE(
        n_components=dims, perplexity=p["perplexity"], n_iter=p["n_iter"],
        early_exaggeration_iter=p["exaggeration_iter"], early_exaggeration=p["early_exaggeration"],
        negative_gradient_method=gradient, theta=p["theta"], neighbors=neighbors, metric="euclidean",
        random_state=seed, n_jobs=1, verbose=False,
    ).fit(z)  # openTSNE's own pipeline: its affinity object keeps the index that maps new points
    return model, np.asarray(model, dtype=np.float32)


def _transform_part(model: FittedModel, data: np.ndarray | tuple[str, int, int]) -> np.ndarray:
    """Runs on a worker: read the partition if given as (npy path, start, stop), then map it."""
    if isinstance(data, tuple):
        path, start, stop = data
        data = _read_npy(path, slice(start, stop))
    return model.transform(data)


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
    x = src.rows(idx)
    seconds["load+sample"] = time.perf_counter() - clock
    if report(progress, 0, 1, f"fitting {method} on {len(idx):,} of {src.n:,} rows"):
        return _result(out, method, dims, src, idx, 0, {}, workers, scheduler, seconds, None, True)

    clock = time.perf_counter()
    model, fitted, resolved = fit_model(x, method, dims, seed=seed, metric=metric, **params)
    del x
    seconds["fit"] = time.perf_counter() - clock

    clock = time.perf_counter()
    bounds = [(a, min(a + partition_rows, src.n)) for a in range(0, src.n, partition_rows)]
    if len(idx) == src.n:  # everything was fitted: nothing left to map
        parts: Iterator[tuple[int, np.ndarray]] = ((i, None) for i in range(len(bounds)))
        stopped = _write(out, src, bounds, parts, idx, fitted, dims, progress)
    elif workers == 0 and scheduler is None:
        parts = ((i, model.transform(src.rows(slice(a, b)))) for i, (a, b) in enumerate(bounds))
        stopped = _write(out, src, bounds, parts, idx, fitted, dims, progress)
    else:
        with _client(scheduler, workers) as client:
            parts = _dask_parts(client, model, src, bounds)
            stopped = _write(out, src, bounds, parts, idx, fitted, dims, progress)
    seconds["transform+write"] = time.perf_counter() - clock
    return _result(out, method, dims, src, idx, len(bounds), resolved, workers, scheduler, seconds,
                   fitted, stopped)


def _result(out, method, dims, src, idx, n_parts, resolved, workers, scheduler, seconds, fitted, stopped):
    return LargeProjection(
        path=out, method=method, dims=dims, n_points=src.n, sample_size=len(idx), n_partitions=n_parts,
        params=resolved, workers=0 if scheduler is None and workers == 0 else workers,
        scheduler=scheduler, seconds=seconds, sample_index=idx, sample_coords=fitted, stopped=stopped,
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


def _dask_parts(client, model: FittedModel, src: Source, bounds: list[tuple[int, int]]):
    """Yield (partition number, coordinates) as partitions finish, with a bounded number in flight."""
    from dask.distributed import as_completed

    [remote_model] = client.scatter([model], broadcast=True)
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
    The file appears under its name only when complete (or stopped); a failure leaves nothing."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        stopped = _write_parts(tmp, src, bounds, parts, idx, fitted, dims, progress)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(out)
    return stopped


def _write_parts(tmp: Path, src, bounds, parts, idx, fitted, dims, progress) -> bool:
    import pyarrow.parquet as pq

    waiting: dict[int, np.ndarray | None] = {}
    writer = None
    following, stopped = 0, False
    try:
        for i, coords in parts:
            waiting[i] = coords
            while following in waiting:
                a, b = bounds[following]
                table = _table(src, a, b, waiting.pop(following), idx, fitted, dims)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                writer.write_table(table)
                following += 1
            if report(progress, bounds[following - 1][1] if following else 0, src.n,
                      f"mapped {following} of {len(bounds)} partitions"):
                stopped = True
                break
    finally:
        if writer is None:
            writer = pq.ParquetWriter(tmp, _table(src, 0, 0, None, idx, fitted, dims).schema)
        writer.close()
    return stopped


def _table(src: Source, a: int, b: int, coords: np.ndarray | None, idx, fitted, dims: int):
    """One partition's rows: key, coordinates (fitted ones for sample rows), in_sample, metadata."""
    import pyarrow as pa

    lo, hi = np.searchsorted(idx, [a, b])
    xy = np.empty((b - a, dims), dtype=np.float32) if coords is None else coords.astype(np.float32)
    xy[idx[lo:hi] - a] = fitted[lo:hi]
    in_sample = np.zeros(b - a, dtype=bool)
    in_sample[idx[lo:hi] - a] = True
    columns = {"key": pa.array(src.keys(a, b), type=pa.string())}
    columns.update({AXES[d]: pa.array(xy[:, d]) for d in range(dims)})
    columns["in_sample"] = pa.array(in_sample)
    meta = src.metadata(a, b)
    table = pa.table(columns)
    if meta is not None:
        for name in meta.columns:
            if name not in columns:
                table = table.append_column(str(name), pa.array(meta[name].to_numpy()))
    return table


def read_coordinates(path: str | Path) -> np.ndarray:
    """The coordinate columns of a file :func:`project_large` wrote, as an N×dims float32 array."""
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    names = [a for a in AXES if a in table.column_names]
    return np.column_stack([table[a].to_numpy() for a in names]).astype(np.float32)
