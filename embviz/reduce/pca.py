"""PCA: the linear view, the pre-reduction step before the neighbour methods, and the one place in
embviz where principal axes are fitted (maps, pre-reduction, HDBSCAN's reduction, the training
trajectory and the analogy page's local views all call :func:`fit_pca`).

scikit-learn's ``covariance_eigh`` idea — form the D × D covariance once and take its
eigenvectors — runs 200,000 × 300 in about 1.5 s where the ``full`` SVD takes ~18 s. It is exact,
so it is used whenever N is well above D; scikit-learn's PCA covers the rest.

>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(100, 5)).astype(np.float32)
>>> coords, ratio = pca(x, 2)
>>> coords.shape, bool(ratio[0] >= ratio[1])
((100, 2), True)
>>> model = fit_pca(x, 2)
>>> bool(np.allclose(model.transform(x[:3]), coords[:3], atol=1e-5))
True
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from ..errors import ParameterError
from .base import Fit, ParamSpec, Reducer, register


@dataclass
class PCAModel:
    """Fitted principal axes: ``transform(x) = (x - mean) @ components.T`` (÷ ``scale`` if whitened).

    Each component's sign makes its largest-magnitude loading positive, so a seed-free fit is
    reproducible across solvers."""

    components: np.ndarray          # k × D float32
    mean: np.ndarray                # D float64
    explained_variance: np.ndarray  # k
    explained_variance_ratio: np.ndarray
    scale: np.ndarray | None = None  # whitening divisors

    @property
    def dim(self) -> int:
        return self.components.shape[1]

    @property
    def dims(self) -> int:
        return self.components.shape[0]

    def transform(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32)
        shift = (self.mean @ self.components.T.astype(np.float64)).astype(np.float32)
        out = x @ self.components.T - shift  # no centred copy of x
        if self.scale is not None:
            out /= self.scale
        return np.ascontiguousarray(out, dtype=np.float32)


def fit_pca(x: np.ndarray, n_components: int, *, seed: int = 0, whiten: bool = False) -> PCAModel:
    """Principal axes of ``x`` (at most ``min(N, D)`` components)."""
    x = np.asarray(x)
    n, d = x.shape
    k = max(1, min(n_components, n, d))
    if n >= 4 * d:
        mean = x.mean(axis=0, dtype=np.float64)
        gram = (x.T @ x).astype(np.float64)
        cov = (gram - n * np.outer(mean, mean)) / max(n - 1, 1)
        vals, vecs = np.linalg.eigh(cov)
        vals, vecs = np.maximum(vals[::-1], 0.0), vecs[:, ::-1]
        components, variances, total = vecs[:, :k].T, vals[:k], float(vals.sum())
        ratio = variances / total if total > 0 else np.zeros_like(variances)
    else:
        from sklearn.decomposition import PCA

        model = PCA(n_components=k, random_state=seed).fit(x)
        components, variances = model.components_, model.explained_variance_
        mean, ratio = model.mean_.astype(np.float64), model.explained_variance_ratio_
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    signs[signs == 0] = 1
    components = np.ascontiguousarray(components * signs[:, None], dtype=np.float32)
    scale = np.sqrt(np.maximum(variances, 1e-12)).astype(np.float32) if whiten else None
    return PCAModel(components, np.asarray(mean, np.float64), np.asarray(variances, np.float64),
                    np.asarray(ratio, np.float64), scale)


def pca(x: np.ndarray, n_components: int, *, seed: int = 0, whiten: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(coords, explained_variance_ratio)`` of ``x`` (see :func:`fit_pca`)."""
    model = fit_pca(x, n_components, seed=seed, whiten=whiten)
    return model.transform(x), model.explained_variance_ratio


def pre_reduce(x: np.ndarray, n_components: int, seed: int = 0) -> tuple[np.ndarray, PCAModel | None]:
    """``(x reduced by PCA to n_components, the model)`` when x has more dimensions, else ``(x, None)``
    (0 switches it off)."""
    if n_components and x.shape[1] > n_components and x.shape[0] > n_components:
        model = fit_pca(x, n_components, seed=seed)
        return model.transform(x), model
    return x, None


class Chain:
    """``first`` (a PCA pre-reduction, or None) then ``then`` — a fitted model of a neighbour method."""

    def __init__(self, first: PCAModel | None, then, dims: int):
        self.first, self.then, self.dims = first, then, dims

    def transform(self, x: np.ndarray) -> np.ndarray:
        if self.first is not None:
            x = self.first.transform(x)
        return self.then.transform(np.ascontiguousarray(x, dtype=np.float32))


@register
class PCAReducer(Reducer):
    name = "pca"
    label = "PCA"
    description = (
        "Principal component analysis: the linear view along the directions of largest variance. "
        "Distances are honest globally but close neighbours may overlap."
    )
    point_limit = 50_000
    inline = True
    PARAMS: ClassVar[list[ParamSpec]] = [
        ParamSpec("whiten", "bool", False, help="Scale each component to unit variance."),
    ]

    @classmethod
    def axis_titles(cls, projection):
        ev = projection.explained_variance
        if ev is not None and len(ev) >= projection.dims:
            return [f"PC{i + 1} ({v * 100:.1f}%)" for i, v in enumerate(ev[: projection.dims])]
        return [f"PC{i + 1}" for i in range(projection.dims)]

    def prepare(self, emb, params, metric):
        return emb.unit_vectors if metric == "cosine" else emb.vectors  # read-only is fine: no copy

    def fit(self, x, dims, seed, params, progress):
        model = fit_pca(x, dims, seed=seed, whiten=params["whiten"])
        if model.dims < dims:  # fewer features than dims: pad with zero components
            pad = dims - model.dims
            model.components = np.vstack([model.components, np.zeros((pad, model.dim), np.float32)])
            model.explained_variance = np.concatenate([model.explained_variance, np.zeros(pad)])
            model.explained_variance_ratio = np.concatenate([model.explained_variance_ratio, np.zeros(pad)])
            if model.scale is not None:
                model.scale = np.concatenate([model.scale, np.ones(pad, np.float32)])
        return Fit(model.transform(x), model, explained_variance=model.explained_variance_ratio)


# -- a local view: PCA fitted to a handful of words (the analogy page's parallelogram) ----------
@dataclass
class LocalView:
    """Coordinates of a small set of words from PCA fitted to them alone."""

    coords: np.ndarray  # (n, dims)
    keys: list[str]
    explained_variance: np.ndarray  # ratio per component


def local_view(emb, words: Sequence[str], n_neighbors: int = 8, dims: int = 2, *,
               extra: Sequence[str] = ()) -> LocalView:
    """PCA fitted to ``words``, ``extra`` words and the ``n_neighbors`` nearest neighbours of each
    word (where the parallelogram of the word2vec papers shows most clearly).

    >>> from embviz import Embeddings
    >>> emb = Embeddings([f"w{i}" for i in range(50)], np.random.default_rng(0).normal(size=(50, 8)))
    >>> v = local_view(emb, ["w1", "w2"], n_neighbors=3)
    >>> v.coords.shape, v.keys[:2]
    ((8, 2), ['w1', 'w2'])
    """
    if dims not in (2, 3):
        raise ParameterError("local_view", "dims", "2 or 3", dims)
    keys: list[str] = []
    for w in [*words, *extra]:
        if w not in keys:
            emb.index(w)  # unknown words fail here, with suggestions
            keys.append(w)
    if n_neighbors > 0:
        for w in list(words):
            for k, _ in emb.most_similar(w, topn=n_neighbors):
                if k not in keys:
                    keys.append(k)
    x = emb.unit_vectors[emb.indices(keys)].astype(np.float64)
    model = fit_pca(x, dims)
    coords = np.zeros((len(keys), dims), np.float32)
    coords[:, : model.dims] = model.transform(x)
    return LocalView(coords, keys, model.explained_variance_ratio)


def analogy_view(emb, result, *, n_neighbors: int = 6, dims: int = 2) -> LocalView:
    """The local view of an analogy: its inputs, top answer, expected answer, the first answers and
    the ``n_neighbors`` nearest neighbours of the inputs and answers."""
    from ..analogies import triple_of

    triple = triple_of(result.expression)
    core = [*(triple or result.inputs), *([result.top] if result.top else []),
            *([result.expected] if result.expected else [])]
    shown = [k for k, _ in result.results[:3]]
    return local_view(emb, list(dict.fromkeys(core)), n_neighbors=n_neighbors, dims=dims, extra=shown)
