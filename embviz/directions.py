"""Directions in embedding space: define one, measure along it, or remove it.

A direction comes from an expression (``"woman - man"``), from word pairs averaged
(``[("woman", "man"), ("she", "he"), ...]``) or, as Bolukbasi et al. (2016) do, from the first
principal component of the pairs' centred differences. :func:`remove_direction` projects it out of
every vector (then re-normalises rows), and :func:`compare_neighbours` / :func:`compare_analogies`
show what that changes.

>>> from embviz import Embeddings
>>> emb = Embeddings(["he", "she", "doctor"], [[1, 0, 1], [-1, 0, 1], [0.5, 1, 0]])
>>> d = direction(emb, "she - he")
>>> [round(float(x), 3) for x in d]
[-1.0, 0.0, 0.0]
>>> flat = remove_direction(emb, d)
>>> [round(float(x), 3) for x in flat["doctor"]]
[0.0, 1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .embeddings import Embeddings
from .errors import ParameterError
from .expressions import Expr, check_nonzero, parse, vector

GENDER_PAIRS = [
    ("woman", "man"),
    ("she", "he"),
    ("her", "his"),
    ("girl", "boy"),
    ("mother", "father"),
    ("daughter", "son"),
    ("female", "male"),
    ("queen", "king"),
    ("sister", "brother"),
    ("herself", "himself"),
]
DIRECTION_METHODS = ("mean", "pca")


def direction(
    emb: Embeddings,
    spec: str | Expr | np.ndarray | Sequence[tuple[str, str]],
    *,
    method: str = "mean",
) -> np.ndarray:
    """A unit vector (float32) for ``spec``: an expression, a raw vector, or word pairs.

    For pairs ``(a, b)`` the differences of unit vectors ``a - b`` are averaged (``method="mean"``)
    or their first principal component is taken (``method="pca"``, Bolukbasi-style, pointing the
    same way as the mean).
    """
    if method not in DIRECTION_METHODS:
        raise ParameterError("direction", "method", f"one of {DIRECTION_METHODS}", method)
    if isinstance(spec, (str, Expr)):
        expr = parse(spec) if isinstance(spec, str) else spec
        d = check_nonzero(vector(emb, expr), expr)
    elif isinstance(spec, np.ndarray) and spec.dtype.kind in "fiu":
        d = np.asarray(spec, dtype=np.float64).ravel()
        if d.shape != (emb.dim,):
            raise ParameterError("direction", "spec", f"a vector of length {emb.dim}", d.shape)
        check_nonzero(d, "the given vector")
    else:
        d = _from_pairs(emb, spec, method)
    d = np.asarray(d, dtype=np.float64)
    big = np.abs(d).max()  # scaled first: the norm of a huge or tiny vector must not overflow
    return (d / (big * np.linalg.norm(d / big))).astype(np.float32)


def _from_pairs(emb: Embeddings, pairs, method: str) -> np.ndarray:
    pairs = list(pairs) if isinstance(pairs, (list, tuple)) or hasattr(pairs, "__next__") else []
    if not pairs or not all(isinstance(p, (tuple, list)) and len(p) == 2 for p in pairs):
        raise ParameterError(
            "direction", "spec", 'an expression ("woman - man"), a vector or a list of word pairs', pairs
        )
    unit = emb.unit_vectors.astype(np.float64)
    diffs = np.stack([unit[emb.index(a)] - unit[emb.index(b)] for a, b in pairs])
    mean = diffs.mean(axis=0)
    if method == "mean" or len(pairs) == 1:
        return check_nonzero(mean, "the mean of the pair differences")
    # Bolukbasi et al.: centre each pair on its own midpoint, then the top principal axis.
    from .reduce.pca import fit_pca  # the package's one PCA

    pc = fit_pca(np.concatenate([diffs / 2, -diffs / 2]), 1).components[0].astype(np.float64)
    return pc if pc @ mean >= 0 else -pc


def remove_direction(
    emb: Embeddings, direction_: str | np.ndarray | Sequence[tuple[str, str]], *, renormalize: bool = True
) -> Embeddings:
    """A copy of ``emb`` with the direction projected out of every vector (rows re-normalised)."""
    d = direction(emb, direction_).astype(np.float64)
    x = emb.vectors.astype(np.float64)
    x = x - np.outer(x @ d, d)
    if renormalize:
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = np.divide(x, norms, out=np.zeros_like(x), where=norms > 1e-12)
    label = direction_ if isinstance(direction_, str) else "a direction"
    return Embeddings(
        emb.keys, x, emb.metadata, name=f"{emb.name} without {label}".strip(), source=emb.source
    )


def along(emb: Embeddings, spec, *, method: str = "mean") -> np.ndarray:
    """Cosine of every key with the direction (where each word sits along it), shape ``(N,)``."""
    return emb.unit_vectors @ direction(emb, spec, method=method)


def compare_neighbours(
    before: Embeddings, after: Embeddings, words: Sequence[str], topn: int = 10
) -> pd.DataFrame:
    """Nearest neighbours of ``words`` in two versions of a set: what stayed, left and came in."""
    rows = []
    for w in words:
        old = [k for k, _ in before.most_similar(w, topn=topn)]
        new = [k for k, _ in after.most_similar(w, topn=topn)]
        rows.append(
            {
                "word": w,
                "before": ", ".join(old),
                "after": ", ".join(new),
                "kept": len(set(old) & set(new)) / topn,
                "left": ", ".join(k for k in old if k not in new),
                "new": ", ".join(k for k in new if k not in old),
            }
        )
    return pd.DataFrame(rows)


def compare_analogies(
    before: Embeddings, after: Embeddings, queries: Sequence[str], topn: int = 5, method: str = "3cosadd"
) -> pd.DataFrame:
    """Analogy answers before and after a change (for example a removed direction)."""
    from .analogies import analogy

    rows = []
    for q in queries:
        old, new = analogy(before, q, topn=topn, method=method), analogy(after, q, topn=topn, method=method)
        rows.append(
            {
                "expression": q,
                "before": old[0][0] if old else None,
                "after": new[0][0] if new else None,
                "changed": (old[0][0] if old else None) != (new[0][0] if new else None),
                "before top": ", ".join(k for k, _ in old),
                "after top": ", ".join(k for k, _ in new),
            }
        )
    return pd.DataFrame(rows)
