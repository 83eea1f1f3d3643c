"""TriMap (pip ``trimap``, its PyTorch implementation ``TorchTRIMAP``): triplets "i is closer to
j than to k", weighted by how much closer, keep the global layout.

The k-NN graph comes from :class:`embviz.neighbors.NeighbourIndex` and the PCA (input reduction
and the initial layout) from :mod:`embviz.reduce.pca`; a seed fixes the triplets (the library's
``random_state``). TriMap has no ``transform``: new points are placed by neighbour interpolation
(:class:`embviz.reduce.place.NeighbourModel`). Progress and stop go through the gradient call of
its optimisation loop (:mod:`embviz.reduce.hooks`).
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from ..neighbors import NeighbourIndex
from .base import Fit, ParamSpec, Reducer, register
from .hooks import Iterations, Stopped, active, watch
from .pca import pca, pre_reduce

EXTRA_NEIGHBOURS = 50  # TriMap's own search takes n_inliers + 50 neighbours per point


@register
class TriMapReducer(Reducer):
    name = "trimap"
    label = "TriMap"
    description = (
        "TriMap keeps the order of distances within triplets of points; it favours the global "
        "layout (which groups sit near which) over fine local detail."
    )
    requires = ("trimap", "torch")
    native_transform = False
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("n_inliers", "int", 12, low=1, high=100, help="Near neighbours per point forming triplets."),
        ParamSpec("n_outliers", "int", 4, low=1, high=100, help="Farther points per near neighbour."),
        ParamSpec("n_random", "int", 3, low=0, high=100, help="Random triplets per point."),
        ParamSpec("lr", "float", 0.1, low=0, high=100, exclusive_low=True, help="Learning rate."),
        ParamSpec("n_iter", "int", 400, low=1, high=10_000, help="Optimisation iterations."),
        ParamSpec("weight_temp", "float", 0.5, low=0, high=1, help="Temperature of the triplet weights."),
        ParamSpec("pca_components", "int", 100, low=0, high=1_000,
                  help="PCA pre-reduction of the input before TriMap (0 = off)."),
    ]

    @classmethod
    def check_data(cls, params, n, dim, dims):
        if params["n_inliers"] >= n - 1 or n < params["n_inliers"] + params["n_outliers"] + 1:
            raise ParameterError(cls.label, "n_inliers", f"below n_samples - 1 with n_inliers + n_outliers "
                                 f"< n_samples ({n})", params["n_inliers"])

    @classmethod
    def adapt(cls, params, n):
        params = dict(params)
        if "n_inliers" not in params and n <= 17:
            params["n_inliers"] = max(1, n - 6)
            params.setdefault("n_outliers", max(1, min(4, n - params["n_inliers"] - 2)))
        return params

    def fit(self, x, dims, seed, params, progress):
        import torch
        from trimap import TorchTRIMAP, torch_trimap

        watch(torch_trimap, "trimap_explicit_grad")
        z, _ = pre_reduce(x, params["pca_components"], seed)
        z = np.ascontiguousarray(z, dtype=np.float32)
        k = min(params["n_inliers"] + EXTRA_NEIGHBOURS, len(z) - 1)
        idx, dist = NeighbourIndex(z, seed=seed).graph(k)
        init = 0.01 * pca(z, dims, seed=seed)[0]  # TriMap's own initial layout, from our PCA
        model = TorchTRIMAP(
            n_dims=dims, n_inliers=params["n_inliers"], n_outliers=params["n_outliers"],
            n_random=params["n_random"], lr=params["lr"], n_iters=params["n_iter"],
            weight_temp=params["weight_temp"], knn_tuple=(idx, dist.astype(np.float32)), apply_pca=False,
            init=init, device="cpu", random_state=seed, verbose=False,
        )
        hook = Iterations(progress, params["n_iter"], "TriMap", layout=lambda y: y.detach().cpu().numpy())
        try:
            with active(hook), torch.no_grad():
                coords = model.fit_transform(z)
        except Stopped as stop:
            return Fit(stop.layout, None, stopped=True)
        coords = coords.detach().cpu().numpy() if hasattr(coords, "detach") else np.asarray(coords)
        return Fit(np.asarray(coords, dtype=np.float32), None)
