"""t-SNE with openTSNE, configured for speed on a laptop-class machine.

The pipeline (each step proved with ``bench/projections.py``):

1. **PCA input** (100 components by default; 50 cost 0.017 trustworthiness@10 on the 128-D demo table) — neighbour search and affinities get cheaper and
   the noise dimensions drop out.
2. **Neighbours**: 3 × perplexity per point, exact (blocked matrix products on every core) up to
   20,000 points — about a second at 10,000 — approximate above (openTSNE's Annoy, with 20 trees
   instead of its 50).
3. **Initialisation**: PCA of the input scaled to std 1e-4 (openTSNE's default; keeps the
   global layout and makes the result deterministic for a seed).
4. **Optimisation**: early exaggeration 12 for ``exaggeration_iter`` iterations, then plain
   iterations until the KL divergence changes by less than ``tol`` (relative) between checks, or
   ``n_iter`` is reached. One learning rate, N / 10, for both phases. openTSNE's default raises it
   to N after exaggeration; on 10,000 demo words that inflates the layout (every FFT iteration gets
   dearer as the grid grows) and stalls trustworthiness@10 at 0.933, where N / 10 reaches 0.941
   (scikit-learn's) after 200 iterations.
5. **Gradient**: FFT interpolation in 2-D from ``FFT_FROM`` points (with the compact layout above
   it costs ~10 ms an iteration at 10,000 points, a quarter of Barnes-Hut's), Barnes-Hut below and
   always in 3-D (openTSNE's FFT is 1-D/2-D only).

Progress is reported every ``CHECK_EVERY`` iterations; a progress callback that returns ``True``
stops the run and the partial layout is returned (``stopped=True``).
"""
from __future__ import annotations

import os
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from ..progress import report
from .base import ParamSpec, Reducer, Result, register
from .pca import pre_reduce

FFT_FROM = 2_000
EXACT_KNN_UP_TO = 20_000
CHECK_EVERY = 50
# openTSNE builds 50 Annoy trees. On 50,000 points (PCA-100) 20 trees find 95.7 % of the true 90
# neighbours in 7.6 s where 50 find 99.9 % in 12.3 s; t-SNE's affinities barely notice.
ANNOY_TREES = 20


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


def neighbours(x: np.ndarray, k: int, seed: int, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
    """``(indices, euclidean distances)`` of each row's ``k`` nearest other rows."""
    n = len(x)
    exact = method == "exact" or (method == "auto" and n <= EXACT_KNN_UP_TO)
    if exact:
        from ..neighbors import top_k

        idx, score = top_k(x, x, k, metric="euclidean", exclude=np.arange(n)[:, None])
        return idx, np.ascontiguousarray(-score, dtype=np.float64)
    from openTSNE.nearest_neighbors import Annoy

    index = Annoy(x, k, metric="euclidean", n_jobs=n_jobs(), random_state=seed, knn_kwargs={"n_trees": ANNOY_TREES})
    idx, dist = index.build()
    return idx, dist


def affinities(x: np.ndarray, perplexity: float, seed: int, method: str = "auto"):
    from openTSNE import affinity
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    k = min(len(x) - 1, int(3 * perplexity))
    idx, dist = neighbours(x, k, seed, method)
    return affinity.PerplexityBasedNN(
        perplexity=perplexity, knn_index=PrecomputedNeighbors(idx, dist), n_jobs=n_jobs(), random_state=seed
    )


class _Monitor:
    """openTSNE callback: progress, stop requests and the convergence test."""

    def __init__(self, progress, total: int, offset: int, tol: float, phase: str):
        self.progress, self.total, self.offset, self.tol, self.phase = progress, total, offset, tol, phase
        self.last_error: float | None = None
        self.stopped = False
        self.converged = False
        self.iterations = 0

    def __call__(self, iteration: int, error: float, embedding) -> bool:
        self.iterations = iteration
        if report(self.progress, self.offset + iteration, self.total, f"t-SNE {self.phase}: iteration "
                  f"{self.offset + iteration}, KL {error:.3f}"):
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
        monitor.iterations = max(monitor.iterations, 0)
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
        ParamSpec("perplexity", "float", 30.0, "in (0, (n_samples - 1) / 3)", low=0, exclusive_low=True,
                  help="Effective number of neighbours each point attends to (5–50 typical)."),
        ParamSpec("n_iter", "int", 250, "an integer >= 50", low=50,
                  help="Upper bound on optimisation iterations after early exaggeration."),
        ParamSpec("exaggeration_iter", "int", 250, "an integer >= 0", low=0,
                  help="Early-exaggeration iterations (forms the clusters)."),
        ParamSpec("early_exaggeration", "float", 12.0, "a number >= 1", low=1),
        ParamSpec("learning_rate", "float", 0.0, "a number >= 0 (0 = automatic)", low=0,
                  help="Step size; 0 chooses max(200, N / 10)."),
        ParamSpec("tol", "float", 0.0, "a number >= 0", low=0,
                  help="Stop when the KL divergence changes by less than this (relative) per check; 0 runs all iterations."),
        ParamSpec("gradient", "choice", "auto", choices=("auto", "bh", "fft"),
                  help=f"FFT interpolation in 2-D from {FFT_FROM:,} points, Barnes-Hut below and in 3-D."),
        ParamSpec("theta", "float", 0.5, "in [0, 1]", low=0, high=1, help="Barnes-Hut accuracy (lower is exact)."),
        ParamSpec("neighbors", "choice", "auto", choices=("auto", "exact", "approx"),
                  help=f"Exact neighbours up to {EXACT_KNN_UP_TO:,} points, Annoy above."),
        ParamSpec("pca_components", "int", 100, "an integer >= 0 (0 = off)", low=0,
                  help="PCA pre-reduction of the input before t-SNE."),
    ]

    @classmethod
    def check_data(cls, params, n, dim, dims):
        limit = (n - 1) / 3
        if params["perplexity"] >= limit:
            raise ParameterError("t-SNE", "perplexity", f"below (n_samples - 1) / 3 = {limit:.4g} for {n} points",
                                 params["perplexity"])
        if dims == 3 and params["gradient"] == "fft":
            raise ParameterError("t-SNE", "gradient", "'bh' or 'auto' for 3-D (FFT is 2-D only)", "fft")
        # automatic choices are resolved here, so .params says what actually ran
        if params["gradient"] == "auto":
            params["gradient"] = "fft" if n >= FFT_FROM and dims == 2 else "bh"
        if not params["learning_rate"]:
            params["learning_rate"] = float(max(200.0, n / 10))

    def run(self, x, dims, seed, params, progress):
        from openTSNE import TSNEEmbedding, initialization

        n = len(x)
        x = pre_reduce(x, params["pca_components"], seed)
        aff = affinities(x, params["perplexity"], seed, params["neighbors"])
        init = initialization.pca(x, n_components=dims, random_state=seed)
        method, lr = params["gradient"], params["learning_rate"]
        embedding = TSNEEmbedding(init, aff, negative_gradient_method=method, n_jobs=n_jobs(),
                                  random_state=seed, theta=params["theta"], learning_rate=lr)
        ee, total = params["exaggeration_iter"], params["exaggeration_iter"] + params["n_iter"]
        if ee:
            mon = _Monitor(progress, total, 0, 0.0, "early exaggeration")
            embedding = _optimize(embedding, ee, mon, exaggeration=params["early_exaggeration"], momentum=0.5,
                                  learning_rate=lr)
            if mon.stopped:
                return Result(np.asarray(embedding), stopped=True)
        # Fresh optimiser state (gains, momentum) after exaggeration, as scikit-learn does; openTSNE
        # carries it over. Measured on 10,000 demo words, 200 iterations: T@10 0.934 -> 0.941.
        from openTSNE.tsne import gradient_descent

        embedding.optimizer = gradient_descent()
        mon = _Monitor(progress, total, ee, params["tol"], "refining")
        embedding = _optimize(embedding, params["n_iter"], mon, momentum=0.8, learning_rate=lr)
        if not mon.stopped:
            report(progress, total, total, "t-SNE done")
        return Result(np.asarray(embedding), stopped=mon.stopped)
