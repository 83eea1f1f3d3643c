"""PaCMAP (pip ``pacmap``): pairs of near, mid-near and further points, optimised in three phases.

Our PCA does the pre-reduction (``apply_pca=False`` to the library, so one PCA serves every
method); PaCMAP's own neighbour search (faiss) builds the pairs and is kept for ``transform``
(``save_tree=True``), which is the library's own. A seed fixes the result (PaCMAP's
``random_state``). Progress and stop go through the gradient call of its optimisation loop
(:mod:`embviz.reduce.hooks`); the library has no callbacks.
"""
from __future__ import annotations

import contextlib
import io
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from .base import AUTO, Fit, ParamSpec, Reducer, register
from .hooks import Iterations, Stopped, active, watch
from .pca import Chain, pre_reduce

PHASES = (100, 100)  # PaCMAP's first two phases (mid-near pairs fade out); the third is n_iter


class PaCMAPModel:
    def __init__(self, model):
        self.model = model

    def transform(self, x: np.ndarray) -> np.ndarray:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):  # it prints
            return np.asarray(self.model.transform(np.asarray(x, dtype=np.float32)), dtype=np.float32)


@register
class PaCMAPReducer(Reducer):
    name = "pacmap"
    label = "PaCMAP"
    description = (
        "PaCMAP balances near pairs, mid-near pairs and further pairs: local neighbourhoods like "
        "UMAP, with more of the global layout kept."
    )
    requires = ("pacmap",)
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("n_neighbors", "int", AUTO, "'auto' or an int in [2, 500] below n_samples", low=2, high=500,
                  auto="10 below 10,000 points, then 10 + 15·(log10 N − 4)",
                  help="Near pairs per point."),
        ParamSpec("MN_ratio", "float", 0.5, low=0, high=10, help="Mid-near pairs per near pair."),
        ParamSpec("FP_ratio", "float", 2.0, low=0, high=100, help="Further pairs per near pair."),
        ParamSpec("lr", "float", 1.0, low=0, high=100, exclusive_low=True, help="Adam learning rate."),
        ParamSpec("n_iter", "int", 250, low=1, high=10_000,
                  help=f"Iterations of the last phase (after {sum(PHASES)} of the first two)."),
        ParamSpec("init", "choice", "pca", choices=("pca", "random")),
        ParamSpec("pca_components", "int", 100, low=0, high=1_000,
                  help="PCA pre-reduction of the input before PaCMAP (0 = off)."),
    ]

    @classmethod
    def check_data(cls, params, n, dim, dims):
        if params["n_neighbors"] != AUTO and params["n_neighbors"] >= n - 1:
            raise ParameterError(cls.label, "n_neighbors", f"below n_samples - 1 ({n - 1})", params["n_neighbors"])

    @classmethod
    def settle(cls, params, n, dim, dims):
        if params["n_neighbors"] == AUTO:  # PaCMAP's own rule, stated so the record says what ran
            params["n_neighbors"] = 10 if n <= 10_000 else round(10 + 15 * (np.log10(n) - 4))
            params["n_neighbors"] = max(2, min(params["n_neighbors"], n - 2))

    @classmethod
    def adapt(cls, params, n):
        params = dict(params)
        if "n_neighbors" not in params and n <= 12:
            params["n_neighbors"] = max(2, n - 3)
        return params

    def fit(self, x, dims, seed, params, progress):
        import pacmap
        from pacmap import pacmap as library

        watch(library, "pacmap_grad")
        z, pre = pre_reduce(x, params["pca_components"], seed)
        z = np.ascontiguousarray(z, dtype=np.float32)
        phases = (*PHASES, params["n_iter"])
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            model = pacmap.PaCMAP(
                n_components=dims, n_neighbors=params["n_neighbors"], MN_ratio=params["MN_ratio"],
                FP_ratio=params["FP_ratio"], lr=params["lr"], num_iters=phases, apply_pca=False,
                random_state=seed, save_tree=True, verbose=False,
            )
            hook = Iterations(progress, sum(phases), "PaCMAP")
            try:
                with active(hook):
                    coords = model.fit_transform(z, init=params["init"])
            except Stopped as stop:
                return Fit(stop.layout, None, stopped=True)
        return Fit(np.asarray(coords, dtype=np.float32), Chain(pre, PaCMAPModel(model), dims))
