"""Orthogonal Procrustes: turn one layout to face the same way as another.

t-SNE and UMAP layouts are only defined up to rotation, reflection and scale. :func:`align` finds
the rotation (or reflection) and uniform scale that bring ``other`` closest to ``reference`` in the
least-squares sense, so side-by-side maps can be compared point for point.

>>> import numpy as np
>>> ref = np.random.default_rng(0).normal(size=(20, 2))
>>> rot = np.array([[0.0, -1.0], [1.0, 0.0]])
>>> np.allclose(align(ref, 3 * ref @ rot + 5), ref, atol=1e-5)
True
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import ParameterError


def procrustes(reference: np.ndarray, other: np.ndarray, *, scale: bool = True) -> np.ndarray:
    """``other`` rotated/reflected (and scaled) onto ``reference``; both N × d with the same rows."""
    a = np.asarray(reference, dtype=np.float64)
    b = np.asarray(other, dtype=np.float64)
    if a.shape != b.shape or a.ndim != 2:
        raise ParameterError("align", "other", f"an array of shape {a.shape} like the reference", b.shape)
    return _fit_apply(a, b, np.arange(len(b)), scale)


def align(reference, other, *, scale: bool = True):
    """Align ``other`` to ``reference`` (arrays, or Projections matched by their shared keys).

    Returns the same type as ``other``: an array, or a Projection whose coordinates are moved
    (fitted on the keys both share, applied to all of ``other``'s points).
    """
    from .base import Projection

    if isinstance(other, Projection):
        if isinstance(reference, Projection):
            ref_index = {k: i for i, k in enumerate(reference.keys)}
            shared = [(ref_index[k], j) for j, k in enumerate(other.keys) if k in ref_index]
            if len(shared) < 3:
                raise ParameterError("align", "other", "a projection sharing at least 3 keys with the reference", len(shared))
            ri, oi = (np.array(t) for t in zip(*shared))
            ref_coords = reference.coords[ri]
        else:
            ref_coords, oi = np.asarray(reference), np.arange(len(other.keys))
        if ref_coords.shape[1] != other.coords.shape[1]:
            raise ParameterError("align", "other", f"{ref_coords.shape[1]}-D like the reference", other.coords.shape[1])
        moved, similarity = _similarity(ref_coords, other.coords, oi, scale)
        model = None if other.model is None else Moved(other.model, *similarity)
        return replace(other, coords=moved, model=model)
    ref = reference.coords if isinstance(reference, Projection) else reference
    return procrustes(ref, other, scale=scale)


def _fit_apply(ref: np.ndarray, coords: np.ndarray, rows: np.ndarray, scale: bool) -> np.ndarray:
    return _similarity(ref, coords, rows, scale)[0]


def rotation(target: np.ndarray, source: np.ndarray) -> tuple[np.ndarray, float]:
    """The orthogonal ``R`` minimising ``||source @ R - target||`` (the one Procrustes solve of the
    package: map alignment here, the model comparison's turn in the original space) and the sum
    of singular values (what the least-squares scale needs). Rows are not centred here.

    >>> r, _ = rotation(np.eye(2), np.array([[0.0, 1.0], [-1.0, 0.0]]))
    >>> np.round(np.array([[0.0, 1.0]]) @ r, 6).tolist()
    [[1.0, 0.0]]
    """
    u, s, vt = np.linalg.svd(np.asarray(source, np.float64).T @ np.asarray(target, np.float64))
    return u @ vt, float(s.sum())


def _similarity(ref, coords, rows, scale):
    """``(moved coords, (mu_b, rotation, factor, mu_a))`` of the least-squares similarity transform."""
    a = np.asarray(ref, np.float64)
    b = np.asarray(coords, np.float64)
    bs = b[rows]
    mu_a, mu_b = a.mean(axis=0), bs.mean(axis=0)
    rotation_, singular = rotation(a - mu_a, bs - mu_b)
    norm_b = float(((bs - mu_b) ** 2).sum())
    factor = singular / norm_b if scale and norm_b > 0 else 1.0
    return ((b - mu_b) @ rotation_ * factor + mu_a).astype(np.float32), (mu_b, rotation_, factor, mu_a)


class Moved:
    """A fitted model followed by the rotation/scale/shift :func:`align` applied to its map, so an
    aligned projection's ``transform`` lands on the aligned coordinates."""

    def __init__(self, model, mu_b, rotation, factor, mu_a):
        self.model, self.mu_b, self.rotation, self.factor, self.mu_a = model, mu_b, rotation, factor, mu_a
        self.dim = getattr(model, "dim", None)

    def transform(self, x: np.ndarray) -> np.ndarray:
        y = np.asarray(self.model.transform(x), np.float64)
        return ((y - self.mu_b) @ self.rotation * self.factor + self.mu_a).astype(np.float32)


def interpolate(start: np.ndarray, end: np.ndarray, steps: int = 10) -> list[np.ndarray]:
    """Frames of a straight-line transition from ``start`` to ``end`` (both included), eased.

    >>> [float(f[0, 0]) for f in interpolate(np.zeros((1, 2)), np.ones((1, 2)), 3)]
    [0.0, 0.5, 1.0]
    """
    if steps < 2:
        raise ParameterError("interpolate", "steps", ">= 2", steps)
    t = np.linspace(0.0, 1.0, steps)
    eased = 0.5 - 0.5 * np.cos(np.pi * t)
    a, b = np.asarray(start, np.float64), np.asarray(end, np.float64)
    return [(a + (b - a) * float(w)).astype(np.float32) for w in eased]
