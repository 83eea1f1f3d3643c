"""Formula axes: each coordinate is how far a word points along a meaning direction.

``project(emb, "axes", x="woman - man", y="big - small")`` puts every word at the cosine between
its unit vector and the unit direction of each expression (``embviz.expressions.vector``). Unlike
PCA, t-SNE and UMAP the axes have a stated meaning, so the picture can be read directly.

>>> import embviz
>>> emb = embviz.Embeddings(["a", "b", "c"], [[1, 0, 0], [0, 1, 0], [0.6, 0.8, 0]])
>>> embviz.project(emb, "axes", x="a", y="b", cache=False).coords.tolist()
[[1.0, 0.0], [0.0, 1.0], [0.6000000238418579, 0.800000011920929]]
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from .base import Fit, ParamSpec, Reducer, register


def direction(emb, expression: str) -> np.ndarray:
    """The unit direction of an expression (ExpressionError if it cancels out)."""
    from ..expressions import check_nonzero, vector

    vec = check_nonzero(np.asarray(vector(emb, expression), dtype=np.float64), expression)
    return (vec / np.linalg.norm(vec)).astype(np.float32)


@register
class AxesReducer(Reducer):
    name = "axes"
    label = "Formula axes"
    description = (
        "Each axis is a direction you write as an expression (for example 'woman - man'); a word's "
        "coordinate is the cosine between it and that direction."
    )
    uses_metric = False
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("x", "str", "", "a non-empty expression such as 'woman - man'", help="Expression for the x axis.",
                  example="woman - man"),
        ParamSpec("y", "str", "", "a non-empty expression such as 'big - small'", help="Expression for the y axis.",
                  example="good - bad"),
        ParamSpec("z", "str", "", "an expression (needed for 3-D)", help="Expression for the z axis (3-D only).",
                  example="big - small"),
    ]

    @classmethod
    def check_data(cls, params, n, dim, dims):
        names = ("x", "y", "z")[:dims]
        for name in names:
            if not params[name].strip():
                raise ParameterError(cls.label, name, cls.spec(name).rule, params[name])

    point_limit = 50_000
    reads_columns = True
    inline = True

    @classmethod
    def axis_titles(cls, projection):
        return [str(projection.params.get(a, "")) for a in ("x", "y", "z")[: projection.dims]]

    def prepare(self, emb, params, metric):
        self._emb = emb
        return emb.unit_vectors

    def fit(self, x, dims, seed, params, progress):
        axes = np.stack([direction(self._emb, params[n]) for n in ("x", "y", "z")[:dims]], axis=1)
        model = AxesModel(axes)
        return Fit(model.transform(x), model)


class AxesModel:
    """Cosines with fixed unit directions: ``transform(unit rows) = rows @ axes``."""

    def __init__(self, axes: np.ndarray):
        self.axes = np.ascontiguousarray(axes, dtype=np.float32)
        self.dim, self.dims = self.axes.shape

    def transform(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(x, dtype=np.float32) @ self.axes
