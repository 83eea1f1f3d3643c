"""Projections to 2-D and 3-D: one registry, fit then transform, a record of how each map was made.

>>> import embviz
>>> list(embviz.REDUCERS)
['pca', 'tsne', 'umap', 'densmap', 'pacmap', 'trimap', 'axes']

Each method lives in its own module (``pca``, ``tsne``, ``umap_`` with densMAP, ``pacmap_``,
``trimap_``, ``axes``) and registers itself; heavy libraries are imported only when a method runs.
``place`` puts new points on a fitted map; ``warm_up`` compiles the numba/openTSNE code paths.
"""
from __future__ import annotations

from . import axes, pacmap_, pca, trimap_, tsne, umap_  # noqa: F401  (importing registers the methods)
from .align import align, interpolate, procrustes
from .base import REDUCERS, Fit, ParamSpec, Projection, Reducer, get_reducer, project, register
from .place import Placement, place
from .warmup import warm_up

# menu order: linear first, then the neighbour-based methods, then formula axes
for _name in ("pca", "tsne", "umap", "densmap", "pacmap", "trimap", "axes"):
    REDUCERS[_name] = REDUCERS.pop(_name)

__all__ = ["REDUCERS", "Fit", "ParamSpec", "Placement", "Projection", "Reducer", "align", "get_reducer",
           "interpolate", "place", "procrustes", "project", "register", "warm_up"]
