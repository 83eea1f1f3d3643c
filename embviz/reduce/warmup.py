"""Warm-up: run each method once on a tiny input so that the first real call in a process is not
the one that pays for compilation and first-use costs.

umap-learn compiles its numba kernels on first use (from numba's disk cache when it is warm, see
:func:`embviz.reduce.umap_.configure_numba_cache`, from source otherwise); the fit, the epoch
kernel and ``transform`` each have their own. openTSNE is compiled ahead of time, but its first
call still pays for importing openTSNE and scikit-learn's PCA, starting BLAS and thread pools,
and planning the first FFTs (``bench/first_call.py`` measures each). The warm-up input is small
(``n`` points) but takes the same code paths as large inputs: precomputed exact k-NN, the FFT and
Barnes-Hut gradients, and ``transform``.

>>> seconds = warm_up(methods=("pca",))
>>> sorted(seconds)
['pca']
"""
from __future__ import annotations

import time

import numpy as np

SETTINGS = {  # short runs that still reach every compiled kernel of the method
    "tsne": [{"perplexity": 10, "n_iter": 50, "exaggeration_iter": 50, "gradient": "fft"},
             {"perplexity": 10, "n_iter": 50, "exaggeration_iter": 50, "gradient": "bh"}],
    "umap": [{"n_epochs": 30}],
    "densmap": [{"n_epochs": 30}],
    "pacmap": [{"n_iter": 20}],
    "trimap": [{"n_iter": 20}],
}


def warm_up(methods=("umap", "tsne"), *, n: int = 600, seed: int = 0, progress=None) -> dict[str, float]:
    """Fit and ``transform`` each of ``methods`` on ``n`` synthetic points; the seconds each took.

    Call it once at start-up (a server, a notebook) before the first real projection. ``progress``
    hears of each method as it starts (returning ``True`` stops before the next one)."""
    from ..embeddings import Embeddings
    from ..progress import report
    from .base import get_reducer, project

    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=3.0, size=(6, 32))
    x = (centres[rng.integers(0, 6, n + 20)] + rng.normal(size=(n + 20, 32))).astype(np.float32)
    emb = Embeddings([f"w{i}" for i in range(n)], x[:n])
    seconds = {}
    for i, method in enumerate(methods):
        if report(progress, i, len(methods), f"warming up {method}"):
            break
        reducer = get_reducer(method)
        if not reducer.available():
            continue
        start = time.perf_counter()
        for params in SETTINGS.get(reducer.name, [{}]):
            proj = project(emb, reducer, seed=seed, cache=False, **params)
            proj.transform(x[n:])
        seconds[reducer.name] = time.perf_counter() - start
    report(progress, len(methods), len(methods), "warmed up")
    return seconds
