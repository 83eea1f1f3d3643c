"""Two embedding models side by side: the words they share, and word by word what moved.

:func:`compare_models` finds the shared vocabulary (:func:`shared_vocabulary`), then, for every
shared word, its ``k`` nearest neighbours *among the shared words* in each model's own space
(exact: blocked matrix products, one pass over each model) and measures how much the two lists
agree:

- **overlap@k**: the share of the word's k neighbours that both lists contain (1.0 = same set).
- **rank change**: the mean, over the union of both lists, of ``|rank in A - rank in B|``, a
  neighbour missing from a list ranked ``k + 1`` (Fagin, Kumar & Sivakumar's footrule for top-k
  lists with location parameter k + 1, divided by the size of the union). 0 when both lists hold
  the same words in the same order; (k + 1) / 2 when they share nothing.

When both tables have the same number of dimensions, B's vectors are also turned onto A's by
orthogonal Procrustes on the shared words (``alignment == "original"``): the relative residual
``||B R - A|| / ||A||`` and, per word, the cosine between its A vector and its turned B vector.
Otherwise (``"maps"``) only the 2-D maps can be aligned (:func:`align_maps`, :func:`model_maps`).

>>> import numpy as np
>>> from embviz import Embeddings
>>> x = np.random.default_rng(0).normal(size=(50, 8))
>>> q, _ = np.linalg.qr(np.random.default_rng(1).normal(size=(8, 8)))
>>> a = Embeddings([f"w{i}" for i in range(50)], x)
>>> b = Embeddings([f"w{i}" for i in range(50)][::-1], (x @ q)[::-1])  # rotated, rows reversed
>>> cmp = compare_models(a, b, k=5)
>>> cmp.n, float(cmp.overlap.min()), float(cmp.rank_change.max()), cmp.alignment
(50, 1.0, 0.0, 'original')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from ..embeddings import Embeddings
from ..errors import InputError, ParameterError
from ..neighbors import check_metric, normalize_rows
from ..progress import ProgressCallback
from .lists import list_agreement, neighbour_lists

OWNER = "compare_models"
CASES = {
    "exact": "words match exactly (case-sensitive)",
    "lower": "words match after lower-casing; where several keys of one table lower-case to the same "
             "word, the first in the file (the most frequent, in frequency-ordered files) stands for it",
}


# -- the shared vocabulary ----------------------------------------------------------------------------
@dataclass
class SharedVocabulary:
    """The words two tables share, in table A's order, and their rows in each table."""

    words: list[str]
    rows_a: np.ndarray
    rows_b: np.ndarray
    case: str
    size_a: int
    size_b: int
    merged_a: int = 0  # keys of A left out because an earlier key lower-cases to the same word
    merged_b: int = 0

    @property
    def rule(self) -> str:
        return CASES[self.case]

    def describe(self) -> str:
        merged = ""
        if self.merged_a or self.merged_b:
            merged = f"; {self.merged_a:,} keys of A and {self.merged_b:,} of B merged into another spelling"
        return (f"{len(self.words):,} shared words ({self.size_a:,} in A, {self.size_b:,} in B); "
                f"{self.rule}{merged}")


def _lookup(keys: list[str], case: str) -> tuple[dict[str, int], int]:
    if case == "exact":
        return {k: i for i, k in enumerate(keys)}, 0
    out: dict[str, int] = {}
    for i, k in enumerate(keys):
        out.setdefault(k.lower(), i)
    return out, len(keys) - len(out)


def shared_vocabulary(a: Embeddings, b: Embeddings, case: str = "exact") -> SharedVocabulary:
    """The words of ``a`` that ``b`` also has (``case="exact"`` or ``"lower"``, see :data:`CASES`)."""
    if case not in CASES:
        raise ParameterError(OWNER, "case", f"one of {', '.join(map(repr, CASES))}", case)
    for name, emb in (("a", a), ("b", b)):
        if not isinstance(emb, Embeddings):
            raise ParameterError(OWNER, name, "an Embeddings table", type(emb).__name__)
    look_a, merged_a = _lookup(a.keys, case)
    look_b, merged_b = _lookup(b.keys, case)
    words = [w for w in look_a if w in look_b]  # dicts keep A's order
    rows_a = np.fromiter((look_a[w] for w in words), np.int64, len(words))
    rows_b = np.fromiter((look_b[w] for w in words), np.int64, len(words))
    return SharedVocabulary(words, rows_a, rows_b, case, len(a), len(b), merged_a, merged_b)


# -- the comparison ---------------------------------------------------------------------------------
@dataclass
class ModelComparison:
    """What :func:`compare_models` found. Arrays are per compared word (``words[:compared]``).

    ``neighbors_a``/``neighbors_b`` hold positions in :attr:`words` (best first). ``overlap`` and
    ``rank_change`` are NaN for a word whose vector is zero in either model (cosine neighbours of a
    zero vector are undefined). ``rotation`` (D × D, B onto A), ``residual`` and
    ``aligned_cosine`` exist only when ``alignment == "original"``.
    """

    a: Embeddings
    b: Embeddings
    vocab: SharedVocabulary
    k: int
    metric: str
    neighbors_a: np.ndarray
    neighbors_b: np.ndarray
    overlap: np.ndarray
    rank_change: np.ndarray
    alignment: str
    rotation: np.ndarray | None = None
    residual: float | None = None
    aligned_cosine: np.ndarray | None = None
    seconds: float = 0.0
    stopped: bool = False
    _tables: tuple | None = field(default=None, repr=False)

    @property
    def words(self) -> list[str]:
        return self.vocab.words

    @property
    def n(self) -> int:
        return len(self.vocab.words)

    @property
    def compared(self) -> int:
        return len(self.overlap)

    @property
    def alignment_text(self) -> str:
        if self.alignment == "original":
            return (f"orthogonal Procrustes in the original {self.a.dim}-D spaces, fitted on the "
                    f"{self.n:,} shared words")
        return (f"on the 2-D maps (the tables have {self.a.dim} and {self.b.dim} dimensions, so their "
                "original spaces cannot be turned onto each other)")

    @cached_property
    def summary(self) -> dict:
        ok = ~np.isnan(self.overlap)
        ov, rc = self.overlap[ok], self.rank_change[ok]
        return {
            "shared": self.n, "compared": self.compared, "size_a": self.vocab.size_a,
            "size_b": self.vocab.size_b, "case": self.vocab.case, "k": self.k, "metric": self.metric,
            "mean_overlap": float(ov.mean()) if ov.size else float("nan"),
            "median_overlap": float(np.median(ov)) if ov.size else float("nan"),
            "zero_overlap": float((ov == 0).mean()) if ov.size else float("nan"),
            "full_overlap": float((ov == 1).mean()) if ov.size else float("nan"),
            "mean_rank_change": float(rc.mean()) if rc.size else float("nan"),
            "undefined": int((~ok).sum()), "alignment": self.alignment, "residual": self.residual,
            "seconds": round(self.seconds, 3), "stopped": self.stopped,
        }

    def summary_text(self) -> str:
        s = self.summary
        residual = f"; relative residual {self.residual:.3f}" if self.residual is not None else ""
        lines = [
            f"A: {self.a.name or 'table A'} ({s['size_a']:,} × {self.a.dim})",
            f"B: {self.b.name or 'table B'} ({s['size_b']:,} × {self.b.dim})",
            f"shared vocabulary: {self.vocab.describe()}",
            (f"neighbour overlap@{self.k} ({self.metric}): mean {s['mean_overlap']:.3f}, median "
             f"{s['median_overlap']:.3f}; {s['zero_overlap']:.1%} of words share no neighbour, "
             f"{s['full_overlap']:.1%} share all"),
            (f"mean rank change of the neighbours: {s['mean_rank_change']:.2f} (0 = same order; "
             f"{(self.k + 1) / 2:g} = nothing shared)"),
            f"alignment: {self.alignment_text}{residual}",
        ]
        if s["undefined"]:
            lines.append(f"{s['undefined']:,} words have a zero vector in a model: no neighbours, left out")
        if self.stopped:
            lines.append(f"stopped: {self.compared:,} of {self.n:,} words compared")
        return "\n".join(lines)

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per compared word: overlap, rank change, both neighbour lists (and the cosine
        after alignment), in the shared vocabulary's order."""
        words = np.asarray(self.words, dtype=object)
        m = self.compared
        out = pd.DataFrame({
            "word": words[:m], "overlap": self.overlap, "rank_change": self.rank_change,
            "neighbors_a": [list(r) for r in words[self.neighbors_a]],
            "neighbors_b": [list(r) for r in words[self.neighbors_b]],
            "row_a": self.vocab.rows_a[:m], "row_b": self.vocab.rows_b[:m],
        })
        if self.aligned_cosine is not None:
            out.insert(3, "aligned_cosine", self.aligned_cosine[:m])
        return out

    def most_changed(self, n: int = 20) -> pd.DataFrame:
        """Words whose neighbours changed most: lowest overlap, then largest rank change."""
        t = self.table.dropna(subset=["overlap"])
        return t.sort_values(["overlap", "rank_change", "row_a"], ascending=[True, False, True],
                             kind="stable").head(n).reset_index(drop=True)

    def least_changed(self, n: int = 20) -> pd.DataFrame:
        t = self.table.dropna(subset=["overlap"])
        return t.sort_values(["overlap", "rank_change", "row_a"], ascending=[False, True, True],
                             kind="stable").head(n).reset_index(drop=True)

    def at(self, rows, what: str = "overlap") -> np.ndarray:
        """``overlap`` or ``rank_change`` of the shared words at positions ``rows`` (NaN for words a
        stopped run did not reach)."""
        values = {"overlap": self.overlap, "rank_change": self.rank_change}[what]
        full = np.full(self.n, np.nan)
        full[: len(values)] = values
        return full[np.asarray(rows, dtype=np.int64)]

    def tables(self) -> tuple[Embeddings, Embeddings]:
        """Both tables restricted to the shared words: the same keys (the shared spelling) in the
        same order, each with its own metadata. When ``alignment == "original"`` they hold the
        vectors as compared (unit rows for cosine, centred for euclidean) with B's turned onto A's."""
        if self._tables is None:
            va, vb = self.a.vectors[self.vocab.rows_a], self.b.vectors[self.vocab.rows_b]
            if self.rotation is not None:
                va, vb = _space(va, self.metric), _space(vb, self.metric) @ self.rotation
            meta_a = self.a.metadata.iloc[self.vocab.rows_a]
            meta_b = self.b.metadata.iloc[self.vocab.rows_b]
            self._tables = (Embeddings(self.words, va, meta_a, name=self.a.name, source=self.a.source),
                            Embeddings(self.words, vb, meta_b, name=self.b.name, source=self.b.source))
        return self._tables


def compare_models(
    a: Embeddings,
    b: Embeddings,
    k: int = 10,
    *,
    case: str = "exact",
    metric: str = "cosine",
    progress: ProgressCallback | None = None,
) -> ModelComparison:
    """Compare two tables word by word (see the module docstring for every measure).

    Raises :class:`ParameterError` when fewer than ``k + 1`` words are shared (each word needs k
    neighbours besides itself). ``progress`` may stop the work: the words compared so far (in A's
    order, most frequent first) are returned with ``stopped=True``.
    """
    start = time.perf_counter()
    check_metric(metric, OWNER)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ParameterError(OWNER, "k", "a positive integer", k)
    vocab = shared_vocabulary(a, b, case)
    n = len(vocab.words)
    if n < 2:
        hint = "; try case='lower'" if case == "exact" else ""
        shared = "no words" if n == 0 else "one word"
        raise InputError(f"the two tables share {shared} ({len(a):,} words in a, {len(b):,} in b, matched "
                         f"case {case!r}{hint}); expected at least 2 shared words to compare")
    if n < k + 1:
        raise ParameterError(
            OWNER, "k", f"smaller than the number of shared words ({n:,} shared of {len(a):,} words in a "
            f"and {len(b):,} in b, case {case!r}); each word needs k neighbours besides itself", k)
    k = int(k)
    xa = _space(a.vectors[vocab.rows_a], metric)
    xb = _space(b.vectors[vocab.rows_b], metric)
    na, nb, done = neighbour_lists(xa, xb, k, metric, progress)
    overlap, rank_change = list_agreement(na, nb)
    if metric == "cosine":
        zero = ~(xa[:done].any(axis=1) & xb[:done].any(axis=1))
        overlap[zero], rank_change[zero] = np.nan, np.nan
    out = ModelComparison(a, b, vocab, k, metric, na, nb, overlap, rank_change,
                          alignment="original" if a.dim == b.dim else "maps", stopped=done < n)
    if a.dim == b.dim:
        out.rotation, out.residual, out.aligned_cosine = _turn(xa, xb)
    out.seconds = time.perf_counter() - start
    return out


def _space(x: np.ndarray, metric: str) -> np.ndarray:
    """The vectors neighbours are found in: unit rows (cosine) or the rows centred (euclidean)."""
    if metric == "cosine":
        return normalize_rows(x)
    return np.ascontiguousarray(x - x.mean(axis=0, dtype=np.float64).astype(np.float32))


def _turn(xa: np.ndarray, xb: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Orthogonal Procrustes B → A: ``R = argmin ||xb R - xa||`` (R orthogonal), the relative
    residual and each word's cosine between its A vector and its turned B vector."""
    from ..reduce.align import rotation as procrustes_rotation

    a64, b64 = xa.astype(np.float64), xb.astype(np.float64)
    rotation = procrustes_rotation(a64, b64)[0]
    turned = b64 @ rotation
    norm_a = np.linalg.norm(a64)
    residual = float(np.linalg.norm(turned - a64) / norm_a) if norm_a > 0 else float("nan")
    denom = np.linalg.norm(a64, axis=1) * np.linalg.norm(turned, axis=1)
    cos = np.divide(np.einsum("ij,ij->i", a64, turned), denom, out=np.full(len(a64), np.nan), where=denom > 0)
    return rotation.astype(np.float32), residual, cos.astype(np.float32)
