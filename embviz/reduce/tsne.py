"""t-SNE with openTSNE, configured for speed on a laptop-class machine.

The pipeline (each step proved with ``bench/projections.py``):

1. **PCA input** (100 components by default; 50 cost 0.017 trustworthiness@10 on the 128-D demo
   table) — neighbour search and affinities get cheaper and the noise dimensions drop out.
2. **Neighbours**: 3 × perplexity per point from :class:`embviz.neighbors.NeighbourIndex` — exact
   up to ``EXACT_LIMIT`` points (about a second at 10,000), Annoy above. The same index answers
   ``transform``'s queries.
3. **Initialisation**: PCA of the input scaled to std 1e-4 (openTSNE's default; keeps the
   global layout and makes the result deterministic for a seed).
4. **Optimisation**: early exaggeration 12 for ``exaggeration_iter`` (200) iterations, then plain
   iterations until the KL divergence changes by less than ``tol`` (relative) between checks, or
   ``n_iter`` (200) is reached. 200 + 200 instead of 250 + 250 (measured on a loaded 2-core
   machine: 50,000 synthetic points 89 -> 70 s, trustworthiness@10 0.9929 -> 0.9930; 10,000 demo
   words 0.9401 -> 0.9396; 250 + 150 lost 0.0115 there). One learning rate, max(200, N / 10) (``"auto"``),
   for both phases. openTSNE's default raises it to N after exaggeration; on 10,000 demo words that inflates the layout (every
   FFT iteration gets dearer as the grid grows) and stalls trustworthiness@10 at 0.933, where
   N / 10 reaches 0.941 (scikit-learn's) after 200 iterations.
5. **Gradient**: FFT interpolation in 2-D from ``FFT_FROM`` points, Barnes-Hut below and always in
   3-D (openTSNE's FFT is 1-D/2-D only).

The fitted model is openTSNE's ``TSNEEmbedding``: :meth:`TSNEModel.transform` is its
``transform`` (each new point optimised against the fixed map, openTSNE's defaults).

Progress is reported every ``CHECK_EVERY`` iterations (with the layout, for callbacks that want
it: :mod:`embviz.progress`); a progress callback that returns ``True`` stops the run and the partial
layout is returned (``stopped=True``).
"""
from __future__ import annotations

import os
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from ..neighbors import EXACT_LIMIT, NeighbourIndex, search_method
from ..progress import report
from .base import AUTO, Fit, ParamSpec, Reducer, register
from .pca import Chain, pre_reduce

FFT_FROM = 2_000
CHECK_EVERY = 50


def n_jobs() -> int:
    """Threads for openTSNE: every core, unless other work already oversubscribes them. Its worker
    threads spin while they wait, so on a machine that is already busy more threads make it slower
    (measured: 10x slower at 2 threads under a load of 8 on 2 cores). The load average includes
    our own recent work, so only a load above cores + 1 counts as busy."""
    cores = os.cpu_count() or 1
    try:
        busy = os.getloadavg()[0]
    except OSError:
        busy = 0.0
    return 1 if busy > cores + 1 else cores


def knn_index(x: np.ndarray, k: int, seed: int, method: str = "auto"):
    """An openTSNE k-NN index backed by :class:`embviz.neighbors.NeighbourIndex` (it answers
    ``transform``'s queries too)."""
    cls = globals().get("ExactOrAnnoy") or __getattr__("ExactOrAnnoy")
    index = cls(x, k, metric="euclidean", random_state=seed)
    index.inner = NeighbourIndex(x, method=method, seed=seed, n_jobs=n_jobs())
    return index


def affinities(x: np.ndarray, perplexity: float, seed: int, method: str = "auto"):
    from openTSNE import affinity

    k = min(len(x) - 1, int(3 * perplexity))
    return affinity.PerplexityBasedNN(perplexity=perplexity, knn_index=knn_index(x, k, seed, method),
                                      n_jobs=n_jobs(), random_state=seed)


def _make_index_class():
    from openTSNE.nearest_neighbors import KNNIndex

    class ExactOrAnnoy(KNNIndex):
        """openTSNE's index protocol over :class:`embviz.neighbors.NeighbourIndex`."""

        VALID_METRICS = ("euclidean",)

        def build(self):
            return self.inner.graph(self.k)

        def query(self, query, k):
            return self.inner.query(query, k)

    ExactOrAnnoy.__module__ = __name__
    ExactOrAnnoy.__qualname__ = "ExactOrAnnoy"
    return ExactOrAnnoy


def __getattr__(name):  # the openTSNE subclass is built on first use (openTSNE loads lazily)
    if name == "ExactOrAnnoy":
        cls = _make_index_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


class TSNEModel:
    """A fitted t-SNE map: openTSNE's ``TSNEEmbedding`` (after the PCA input step in a :class:`Chain`).

    What ``transform`` does not use is dropped (the fitted affinity matrix and neighbour graph,
    the index's copy of the data): a model of 4,800 points × 64 pickles to 1.5 MB instead of 14 MB."""

    def __init__(self, embedding):
        import scipy.sparse

        aff = embedding.affinities
        aff.P = scipy.sparse.csr_matrix(aff.P.shape, dtype=aff.P.dtype)  # empty: openTSNE checks its shape
        for name in ("_PerplexityBasedNN__neighbors", "_PerplexityBasedNN__distances"):
            if hasattr(aff, name):
                setattr(aff, name, None)
        if getattr(aff.knn_index, "inner", None) is not None:
            aff.knn_index.data = None  # the NeighbourIndex keeps its own rows
        self.embedding = embedding

    def transform(self, x: np.ndarray) -> np.ndarray:
        # openTSNE centres the reference embedding in place before placing points, so a shared
        # model (threads, or a Dask worker copying it mid-call) would drift: place against a copy
        # and add the centre back.
        from openTSNE import TSNEEmbedding

        e = self.embedding
        ref = np.array(e, dtype=np.float64, copy=True)
        centre = (ref.max(axis=0) + ref.min(axis=0)) / 2
        copy = TSNEEmbedding(ref, e.affinities, random_state=e.random_state, **e.gradient_descent_params)
        out = copy.transform(np.asarray(x, dtype=np.float64))
        return (np.asarray(out) + centre).astype(np.float32)


class _Monitor:
    """openTSNE callback: progress (with layouts), stop requests and the convergence test."""

    def __init__(self, progress, total: int, offset: int, tol: float, phase: str):
        self.progress, self.total, self.offset, self.tol, self.phase = progress, total, offset, tol, phase
        self.last_error: float | None = None
        self.stopped = False
        self.converged = False

    def __call__(self, iteration: int, error: float, embedding) -> bool:
        if report(self.progress, self.offset + iteration, self.total, f"t-SNE {self.phase}: iteration "
                  f"{self.offset + iteration}, KL {error:.3f}", layout=embedding):
            self.stopped = True
            return True
        if self.tol > 0 and self.last_error is not None and abs(self.last_error - error) <= self.tol * abs(self.last_error):
            self.converged = True
            return True
        self.last_error = error
        return False


def _optimize(embedding, n_iter: int, monitor: _Monitor, **params):
    from openTSNE.tsne import OptimizationInterrupt

    try:
        return embedding.optimize(n_iter=n_iter, inplace=True, propagate_exception=True,
                                  callbacks=monitor, callbacks_every_iters=CHECK_EVERY, **params)
    except OptimizationInterrupt as exc:
        return exc.final_embedding


@register
class TSNEReducer(Reducer):
    name = "tsne"
    label = "t-SNE"
    description = (
        "t-SNE keeps each point's close neighbours close. Clusters are meaningful; distances "
        "between clusters and cluster sizes are not."
    )
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("perplexity", "float", 30.0, "in (0, 500] and below (n_samples - 1) / 3", low=0, high=500,
                  exclusive_low=True, help="Effective number of neighbours each point attends to (5–50 typical)."),
        ParamSpec("n_iter", "int", 200, low=50, high=10_000,
                  help="Upper bound on optimisation iterations after early exaggeration."),
        ParamSpec("exaggeration_iter", "int", 200, low=0, high=10_000,
                  help="Early-exaggeration iterations (forms the clusters)."),
        ParamSpec("early_exaggeration", "float", 12.0, low=1, high=100),
        ParamSpec("learning_rate", "float", AUTO, low=0, high=1e6, exclusive_low=True, auto="max(200, N / 10)",
                  help="Step size; auto chooses max(200, N / 10)."),
        ParamSpec("tol", "float", 0.0, low=0, high=1,
                  help="Stop when the KL divergence changes by less than this (relative) per check; 0 runs all iterations."),
        ParamSpec("gradient", "choice", AUTO, choices=(AUTO, "bh", "fft"),
                  help=f"FFT interpolation in 2-D from {FFT_FROM:,} points, Barnes-Hut below and in 3-D."),
        ParamSpec("theta", "float", 0.5, low=0, high=1, help="Barnes-Hut accuracy (lower is exact)."),
        ParamSpec("neighbors", "choice", AUTO, choices=(AUTO, "exact", "approx"),
                  help=f"Exact neighbours up to {EXACT_LIMIT:,} points, Annoy above."),
        ParamSpec("pca_components", "int", 100, low=0, high=1_000,
                  help="PCA pre-reduction of the input before t-SNE (0 = off)."),
    ]

    @classmethod
    def check_data(cls, params, n, dim, dims):
        limit = (n - 1) / 3
        if params["perplexity"] >= limit:
            raise ParameterError("t-SNE", "perplexity", f"below (n_samples - 1) / 3 = {limit:.4g} for {n} points",
                                 params["perplexity"])
        if dims == 3 and params["gradient"] == "fft":
            raise ParameterError("t-SNE", "gradient", "'bh' or 'auto' for 3-D (FFT is 2-D only)", "fft")

    @classmethod
    def settle(cls, params, n, dim, dims):
        if params["gradient"] == AUTO:
            params["gradient"] = "fft" if n >= FFT_FROM and dims == 2 else "bh"
        if params["learning_rate"] == AUTO:
            params["learning_rate"] = float(max(200.0, n / 10))
        params["neighbors"] = search_method(params["neighbors"], n)

    @classmethod
    def adapt(cls, params, n):
        params = dict(params)
        if "perplexity" not in params and n <= 91:
            params["perplexity"] = max(1.0, float(np.floor((n - 1) / 3 - 1)))
        return params

    def fit(self, x, dims, seed, params, progress):
        from openTSNE import TSNEEmbedding, initialization
        from openTSNE.tsne import gradient_descent

        z, pre = pre_reduce(x, params["pca_components"], seed)
        z = np.ascontiguousarray(z, dtype=np.float32)
        aff = affinities(z, params["perplexity"], seed, params["neighbors"])
        init = initialization.pca(z, n_components=dims, random_state=seed)
        method, lr = params["gradient"], params["learning_rate"]
        embedding = TSNEEmbedding(init, aff, negative_gradient_method=method, n_jobs=n_jobs(),
                                  random_state=seed, theta=params["theta"], learning_rate=lr)
        ee, total = params["exaggeration_iter"], params["exaggeration_iter"] + params["n_iter"]
        if ee:
            mon = _Monitor(progress, total, 0, 0.0, "early exaggeration")
            embedding = _optimize(embedding, ee, mon, exaggeration=params["early_exaggeration"], momentum=0.5,
                                  learning_rate=lr)
            if mon.stopped:
                return Fit(np.asarray(embedding), Chain(pre, TSNEModel(embedding), dims), stopped=True)
        # Fresh optimiser state (gains, momentum) after exaggeration, as scikit-learn does; openTSNE
        # carries it over. Measured on 10,000 demo words, 200 iterations: T@10 0.934 -> 0.941.
        embedding.optimizer = gradient_descent()
        mon = _Monitor(progress, total, ee, params["tol"], "refining")
        embedding = _optimize(embedding, params["n_iter"], mon, momentum=0.8, learning_rate=lr)
        if not mon.stopped:
            report(progress, total, total, "t-SNE done", layout=embedding)
        model = Chain(pre, TSNEModel(embedding), dims)
        return Fit(np.asarray(embedding), model, stopped=mon.stopped)
