"""UMAP with umap-learn, made fast on the first call and reproducible.

What costs time in umap-learn and what we do about it (figures in ``bench/projections.py``):

* **numba compilation** (~30–45 s in a fresh process). Most of umap's kernels are declared with
  ``cache=True``; we point ``NUMBA_CACHE_DIR`` at a writable folder inside the embviz cache (unless
  the user set one) so compiled code survives between processes. umap declares its per-epoch
  optimiser without ``cache=True``, so every new process compiles it again; for the default,
  deterministic (single-thread) path we swap in a cached build of the same function, and likewise
  for the two kernels of ``fuzzy_simplicial_set`` (~7 s of compilation per process otherwise). The
  parallel epoch kernel stays umap's own (with a cached parallel build, 50,000 points took 19.6 s
  in two runs against 11-15 s without).
* **pynndescent** (a further ~30 s of compilation when N ≥ 4096). The k-NN graph comes from
  :class:`embviz.neighbors.NeighbourIndex` (exact up to 20,000 points, well under a second; Annoy
  above) and goes to UMAP as ``precomputed_knn`` with a search index (:class:`UMAPIndex`), so
  pynndescent is never needed and ``transform`` still works.
* **Read-only arrays** make numba compile new specialisations: the input is always copied to a
  writeable C-contiguous float32 array.
* **Determinism**: a fixed ``random_state`` makes umap-learn run its optimiser (and pynndescent)
  single-threaded. A seed gives identical coordinates by default; ``deterministic=False`` trades
  that for every core (the bench reports both).

Progress is reported per epoch; a progress callback returning ``True`` ends the optimisation
early and the partial layout is returned.
"""
from __future__ import annotations

import os
import threading
import warnings
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from ..neighbors import EXACT_LIMIT, NeighbourIndex, search_method
from ..progress import report
from .base import AUTO, Fit, ParamSpec, Reducer, register
from .pca import Chain, pre_reduce

_local = threading.local()
_patch_lock = threading.Lock()
_patched = False


def configure_numba_cache() -> None:
    """Send numba's on-disk cache to ``$NUMBA_CACHE_DIR`` or ``<embviz cache>/numba``."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    from ..cache import default_path

    path = default_path() / "numba"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(path)
    import sys

    if "numba" in sys.modules:  # already imported: make it re-read the environment
        from numba.core import config

        config.reload_config()


def _install_hooks() -> None:
    """Per-epoch progress (through umap's tqdm loop) and a cached epoch kernel; once per process."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        import numba
        from umap import layouts

        original_tqdm = layouts.tqdm
        original_epoch_fn = layouts._get_optimize_layout_euclidean_single_epoch_fn
        cached: list = []

        def epoch_fn(parallel: bool):
            if parallel:  # umap's own parallel kernel: a cached parallel build ran ~1.5x slower
                return original_epoch_fn(parallel)
            if not cached:
                cached.append(numba.njit(layouts._optimize_layout_euclidean_single_epoch, fastmath=True, cache=True))
            return cached[0]

        def progress_tqdm(iterable, **kwargs):
            hook = getattr(_local, "hook", None)
            if hook is None:
                return original_tqdm(iterable, **kwargs)
            return hook(iterable)

        layouts._get_optimize_layout_euclidean_single_epoch_fn = epoch_fn
        # The two kernels of fuzzy_simplicial_set are declared without cache=True either: ~7 s of
        # compilation in every new process. Same functions, same options, cached on disk.
        from umap import umap_ as umap_module

        for name in ("smooth_knn_dist", "compute_membership_strengths"):
            kernel = getattr(umap_module, name)
            if hasattr(kernel, "py_func") and not kernel.targetoptions.get("cache"):
                options = {k: v for k, v in kernel.targetoptions.items() if k != "nopython"}
                cached_kernel = numba.njit(cache=True, locals=dict(kernel.locals), **options)(kernel.py_func)
                setattr(umap_module, name, cached_kernel)
        layouts.tqdm = progress_tqdm
        _patched = True


class _Epochs:
    """Iterates umap's epochs, reporting each and ending the loop when asked to stop."""

    def __init__(self, progress):
        self.progress, self.stopped = progress, False

    def __call__(self, iterable):
        epochs = list(iterable)
        total = len(epochs)
        for n in epochs:
            if report(self.progress, n, total, f"UMAP: epoch {n} of {total}"):
                self.stopped = True
                return
            yield n
        report(self.progress, total, total, "UMAP done")


class UMAPIndex:
    """umap-learn's search-index protocol (``query(X, k, epsilon)``) over
    :class:`embviz.neighbors.NeighbourIndex`, so ``transform`` works on our exact graphs too."""

    _angular_trees = False

    def __init__(self, index: NeighbourIndex):
        self.index = index

    def query(self, x, k, epsilon=None):
        idx, dist = self.index.query(x, k)
        return idx.astype(np.int32), dist.astype(np.float32)


def knn_graph(x: np.ndarray, k: int, seed: int, method: str = "auto"):
    """``(indices, distances, index)`` with each point first in its own row, as umap expects."""
    n = len(x)
    index = NeighbourIndex(x, method=method, seed=seed)
    idx, dist = index.graph(k - 1)
    idx = np.hstack([np.arange(n)[:, None], idx]).astype(np.int32)
    dist = np.hstack([np.zeros((n, 1)), dist]).astype(np.float32)
    return idx, np.maximum(dist, 0), UMAPIndex(index)


class UMAPModel:
    """A fitted umap-learn model; ``transform`` is umap's own (deterministic for a fitted model:
    fixed ``transform_seed``)."""

    def __init__(self, model):
        self.model = model

    def transform(self, x: np.ndarray) -> np.ndarray:
        configure_numba_cache()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.asarray(self.model.transform(np.ascontiguousarray(x, dtype=np.float32)), dtype=np.float32)


@register
class UMAPReducer(Reducer):
    name = "umap"
    label = "UMAP"
    description = (
        "UMAP builds a neighbour graph and lays it out; it keeps local structure like t-SNE and "
        "somewhat more of the global arrangement. Distances between clusters remain approximate."
    )
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("n_neighbors", "int", 15, "an int in [2, 500] and below n_samples", low=2, high=500,
                  help="Neighbourhood size: small values show fine structure, large values the big picture."),
        ParamSpec("min_dist", "float", 0.1, "in [0, spread]", low=0, high=100,
                  help="How tightly points may pack together in the map."),
        ParamSpec("spread", "float", 1.0, low=0, high=100, exclusive_low=True),
        ParamSpec("n_epochs", "int", AUTO, low=1, high=5_000, auto="200 for large sets, 500 for small",
                  help="Optimisation epochs; auto lets UMAP choose (200 for large sets, 500 for small)."),
        ParamSpec("init", "choice", "spectral", choices=("spectral", "pca", "random")),
        ParamSpec("neighbors", "choice", AUTO, choices=(AUTO, "exact", "approx"),
                  help=f"Exact k-NN graph up to {EXACT_LIMIT:,} points, Annoy above."),
        ParamSpec("pca_components", "int", 100, low=0, high=1_000,
                  help="PCA pre-reduction of the input before UMAP (0 = off)."),
        ParamSpec("deterministic", "bool", True,
                  help="On: the same seed gives the same coordinates (umap-learn then optimises on one "
                       "thread). Off: every core, several times faster on large sets, slightly "
                       "different each run."),
    ]
    extra_options: ClassVar[dict] = {}

    @classmethod
    def check_data(cls, params, n, dim, dims):
        if params["n_neighbors"] >= n:
            raise ParameterError(cls.label, "n_neighbors", f"an int in [2, 500] and below n_samples ({n})",
                                 params["n_neighbors"])
        if params["min_dist"] > params["spread"]:
            raise ParameterError(cls.label, "min_dist", f"in [0, spread] = [0, {params['spread']}]", params["min_dist"])

    @classmethod
    def settle(cls, params, n, dim, dims):
        if params["n_epochs"] == AUTO:  # umap-learn's own rule, stated so the record says what ran
            params["n_epochs"] = 500 if n <= 10_000 else 200
        params["neighbors"] = search_method(params["neighbors"], n)

    @classmethod
    def adapt(cls, params, n):
        params = dict(params)
        if "n_neighbors" not in params and n <= 15:
            params["n_neighbors"] = max(2, n - 1)
        return params

    def options(self, params: dict) -> dict:
        return dict(self.extra_options)

    def fit(self, x, dims, seed, params, progress):
        configure_numba_cache()
        import umap

        _install_hooks()
        z, pre = pre_reduce(x, params["pca_components"], seed)
        z = np.array(z, dtype=np.float32, order="C")
        init = params["init"]
        if init == "pca":
            from .pca import pca

            init = pca(z, dims, seed=seed)[0].astype(np.float64)
            init = 10 * init / max(np.abs(init).max(), 1e-12)
        precomputed = knn_graph(z, params["n_neighbors"], seed, params["neighbors"])
        model = umap.UMAP(
            n_components=dims, n_neighbors=params["n_neighbors"], min_dist=params["min_dist"],
            spread=params["spread"], n_epochs=params["n_epochs"], init=init,
            random_state=seed if params["deterministic"] else None, metric="euclidean",
            precomputed_knn=precomputed, low_memory=True, n_jobs=1 if params["deterministic"] else -1,
            **self.options(params),
        )
        epochs = _Epochs(progress)
        _local.hook = epochs
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                coords = model.fit_transform(z)
        finally:
            _local.hook = None
        model._knn_search_index = precomputed[2]
        # transform with umap's own epoch rule (100 epochs up to 10,000 new points, 30 above), not
        # a third of the fit's epochs: what the library does when n_epochs is left to it
        model.n_epochs = None
        if len(z) and not np.isfinite(coords).all():
            coords = np.nan_to_num(coords)
        fitted = Chain(pre, UMAPModel(model), dims) if self.native_transform else None
        return Fit(np.asarray(coords, dtype=np.float32), fitted, stopped=epochs.stopped)


@register
class DensMAPReducer(UMAPReducer):
    name = "densmap"
    label = "densMAP"
    description = (
        "densMAP is UMAP that also keeps how dense each neighbourhood is: tight groups stay small, "
        "spread-out ones stay large (umap-learn's densmap=True)."
    )
    native_transform = False  # umap-learn: "Transforming data into an existing embedding not supported for densMAP"
    PARAMS: ClassVar[list[ParamSpec]] = [
        *UMAPReducer.PARAMS,
        ParamSpec("dens_lambda", "float", 2.0, low=0, high=100,
                  help="Weight of the density term (0 = plain UMAP)."),
        ParamSpec("dens_frac", "float", 0.3, low=0, high=1, exclusive_low=True,
                  help="Share of the epochs (the last ones) that include the density term."),
        ParamSpec("dens_var_shift", "float", 0.1, low=0, high=10,
                  help="A small constant added to the variance of local radii (numerical stability)."),
    ]

    def options(self, params):
        return {"densmap": True, "dens_lambda": params["dens_lambda"], "dens_frac": params["dens_frac"],
                "dens_var_shift": params["dens_var_shift"]}
