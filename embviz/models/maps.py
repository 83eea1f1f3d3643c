"""Two maps of the same words facing the same way (for side-by-side maps and a morph)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embeddings import Embeddings
from ..errors import ParameterError
from ..progress import ProgressCallback
from .compare import ModelComparison


def align_maps(map_a: np.ndarray, map_b: np.ndarray, *, scale: bool = True) -> np.ndarray:
    """``map_b`` turned (rotation or reflection, uniform scale and shift) to face ``map_a``; both
    N × 2 (or N × 3) with the same words in the same rows (orthogonal Procrustes)."""
    from ..reduce.align import procrustes

    a, b = np.asarray(map_a), np.asarray(map_b)
    if a.ndim != 2 or len(a) < 3:
        raise ParameterError("align_maps", "map_a", "an N × d array with N >= 3", a.shape)
    return procrustes(a, b, scale=scale)


@dataclass
class ModelMaps:
    """Two maps of the same words, B's turned to face A's; ``how`` says how they were made."""

    words: list[str]
    rows: np.ndarray  # positions in the comparison's shared words
    a: np.ndarray
    b: np.ndarray
    method: str
    how: str


def model_maps(cmp: ModelComparison, method: str = "pca", *, n: int = 3_000, seed: int = 0,
               project=None, progress: ProgressCallback | None = None, **params) -> ModelMaps:
    """Maps of the first ``n`` shared words (A's order: the most frequent, in frequency-ordered files).

    With PCA and ``alignment == "original"``, B's vectors are turned onto A's in the original space
    and one PCA is fitted on both, so both maps share its axes. Otherwise each table gets its own
    map and B's is turned to face A's (:func:`align_maps`). ``project`` is a callable with
    :func:`embviz.project`'s signature (the dashboard passes its cached version); by default
    ``embviz.project`` itself, which then also receives ``progress``.
    """
    from ..reduce import get_reducer

    reducer = get_reducer(method)
    label = reducer.label
    extra = {}
    if project is None:
        from ..reduce import project
        extra = {"progress": progress}
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 3:
        raise ParameterError("model_maps", "n", "an integer >= 3", n)
    ta, tb = cmp.tables()
    m = min(int(n), cmp.n)
    params = reducer.adapt(dict(params), m)  # defaults m words cannot take lowered (explicit choices stay)
    rows = np.arange(m)
    sa, sb = ta.take(rows), tb.take(rows)
    words = list(sa.keys)
    if method == "pca" and cmp.alignment == "original":
        both = Embeddings([f"a{i}" for i in range(m)] + [f"b{i}" for i in range(m)],
                          np.vstack([sa.vectors, sb.vectors]), name=f"{ta.name} + {tb.name}")
        coords = project(both, method, 2, seed=seed, **params, **extra).coords
        how = (f"B's vectors turned onto A's in the original {ta.dim}-D space (orthogonal Procrustes on "
               f"the {cmp.n:,} shared words), then one PCA of both: the maps share their axes")
        return ModelMaps(words, rows, coords[:m], coords[m:], method, how)
    pa = project(sa, method, 2, seed=seed, **params, **extra)
    pb = project(sb, method, 2, seed=seed, **params, **extra)
    why = "" if cmp.alignment == "maps" else f" ({label} maps are not linear, so the {ta.dim}-D turn cannot carry over)"
    how = (f"a {label} map of each table; B's map turned to face A's (orthogonal Procrustes with scale on "
           f"the {m:,} words drawn){why}")
    return ModelMaps(words, rows, pa.coords, align_maps(pa.coords, pb.coords), method, how)
