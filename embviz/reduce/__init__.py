"""Projections to 2-D and 3-D: one registry, one call, a record of how each picture was made.

>>> import embviz
>>> sorted(embviz.REDUCERS)
['axes', 'pca', 'tsne', 'umap']

Each method lives in its own module (``pca``, ``tsne``, ``umap_``, ``axes``) and registers itself;
heavy libraries are imported only when a method runs.
"""
from __future__ import annotations

from . import axes, pca, tsne, umap_  # noqa: F401  (importing registers the methods)
from .align import align, interpolate, procrustes
from .base import REDUCERS, ParamSpec, Projection, Reducer, get_reducer, project

# menu order: linear first, then the neighbour-based methods, then formula axes
for _name in ("pca", "tsne", "umap", "axes"):
    REDUCERS[_name] = REDUCERS.pop(_name)

__all__ = ["REDUCERS", "ParamSpec", "Projection", "Reducer", "align", "get_reducer", "interpolate",
           "procrustes", "project"]
