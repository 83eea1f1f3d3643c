"""Analogy solvers: 3CosAdd and 3CosMul (Levy & Goldberg, 2014) over any expression.

``analogy(emb, "king - man + woman")`` ranks every key by its cosine to the combined vector
(3CosAdd, gensim's ``most_similar``). ``method="3cosmul"`` multiplies the similarities to the
positive words and divides by those to the negative ones, with cosines shifted to [0, 1]
((cos + 1) / 2) and ``eps = 0.001`` as in the paper, so that no single large similarity dominates.

The input words are left out by default (otherwise ``king`` often ranks first: the offset
``woman - man`` is short beside ``king`` itself); ``exclude_inputs=False`` shows them.

>>> from embviz import Embeddings
>>> emb = Embeddings(["man", "woman", "king", "queen", "apple"],
...                  [[1, 0, 0], [1, 1, 0], [1, 0, 1], [1, 1, 1], [0, 0, -1]])
>>> analogy(emb, "king - man + woman", topn=1)[0][0]
'queen'
>>> analogy(emb, ("man", "king", "woman"), topn=1, method="3cosmul")[0][0]
'queen'
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ExpressionError, ParameterError, excerpt
from .expressions import Expr, analogy_expr, check_nonzero, parse, vector
from .neighbors import top_columns

METHODS = ("3cosadd", "3cosmul")
COSMUL_EPS = 1e-3


@dataclass
class AnalogyResult:
    """Everything about one solved analogy (what the dashboard shows)."""

    expression: Expr
    method: str
    results: list[tuple[str, float]]
    query: np.ndarray  # the combined vector (3CosAdd's query)
    inputs: list[str]
    expected: str | None = None
    expected_rank: int | None = None  # 1-based rank of the expected word among all candidates
    expected_score: float | None = None

    @property
    def top(self) -> str | None:
        return self.results[0][0] if self.results else None


def as_expression(query: str | Expr | tuple | list) -> Expr:
    """An :class:`Expr` from text, an ``Expr`` or a triple ``(a, b, c)`` meaning ``a : b :: c : ?``."""
    if isinstance(query, Expr):
        return query
    if isinstance(query, (tuple, list)):
        if len(query) not in (3, 4) or not all(isinstance(w, str) and w for w in query):
            raise ParameterError(
                "analogy", "query", "a triple of words (a, b, c) meaning a : b :: c : ?", query
            )
        return analogy_expr(*query)  # built from the words: no quoting, so any key works
    return parse(query)


def triple_of(expr: Expr) -> tuple[str, str, str] | None:
    """``(a, b, c)`` when ``expr`` is an analogy ``b - a + c`` (in any order of terms), else ``None``.

    >>> triple_of(parse("king - man + woman"))
    ('man', 'king', 'woman')
    """
    if expr.analogy is not None:
        return expr.analogy
    terms = expr.terms()
    if not terms or len(terms) != 3 or sorted(terms.values()) != [-1.0, 1.0, 1.0]:
        return None
    (a,) = [k for k, w in terms.items() if w < 0]
    b, c = [k for k, w in terms.items() if w > 0]
    return a, b, c


def _check(method: str, topn: int) -> str:
    m = str(method).lower().replace(" ", "")
    if m not in METHODS:
        raise ParameterError("analogy", "method", f"one of {', '.join(map(repr, METHODS))}", method)
    if not isinstance(topn, (int, np.integer)) or topn < 1:
        raise ParameterError("analogy", "topn", "a positive integer", topn)
    return m


def scores(
    emb, expr: Expr, method: str = "3cosadd", *, eps: float = COSMUL_EPS
) -> tuple[np.ndarray, np.ndarray]:
    """``(score per key, query vector)`` for every key of ``emb`` (higher is better)."""
    q = check_nonzero(vector(emb, expr), expr)
    unit = emb.unit_vectors
    if method == "3cosadd":
        q64 = q.astype(np.float64)
        big = np.abs(q64).max()  # scaled first: the norm of 1e30 * king overflows in float32
        return unit @ (q64 / (big * np.linalg.norm(q64 / big))).astype(np.float32), q
    terms = expr.terms()
    if terms is None or any(w == 0 for w in terms.values()):
        raise ExpressionError(
            f"3CosMul needs words added and subtracted (like king - man + woman); {excerpt(expr.text)!r} "
            "is not of that form: use 3CosAdd"
        )
    positive = {k: w for k, w in terms.items() if w > 0}
    negative = {k: -w for k, w in terms.items() if w < 0}
    if not positive:
        raise ExpressionError(f"3CosMul needs at least one added word; {excerpt(expr.text)!r} only subtracts")
    num = np.ones(len(emb), dtype=np.float64)
    den = np.ones(len(emb), dtype=np.float64)
    for words, acc in ((positive, num), (negative, den)):
        for k, w in words.items():
            acc *= ((1.0 + unit @ unit[emb.index(k)]) / 2.0) ** w
    if not negative:
        den[:] = 0.0
    return num / (den + eps), q


def solve(
    emb,
    query: str | Expr | tuple,
    topn: int = 10,
    method: str = "3cosadd",
    exclude_inputs: bool = True,
    *,
    expected: str | None = None,
    eps: float = COSMUL_EPS,
) -> AnalogyResult:
    """Solve an analogy and report the expected word's rank when one is given (or in ``a:b::c:d``)."""
    method = _check(method, topn)
    expr = as_expression(query)
    s, q = scores(emb, expr, method, eps=eps)
    inputs = expr.words
    banned = emb.indices(inputs) if exclude_inputs else np.empty(0, dtype=np.int64)
    s = np.asarray(s, dtype=np.float64).copy()
    s[banned] = -np.inf
    k = min(topn, len(emb) - len(banned))
    top = top_columns(s[None, :], k)[0] if k > 0 else np.empty(0, dtype=np.int64)
    results = [(emb.keys[i], float(s[i])) for i in top if np.isfinite(s[i])]
    out = AnalogyResult(expr, method, results, q, inputs, expected=expected or expr.expected)
    if out.expected is not None:
        j = emb.index(out.expected)
        out.expected_score = float(s[j]) if np.isfinite(s[j]) else None
        out.expected_rank = None if out.expected_score is None else int((s > s[j]).sum()) + 1
    return out


def analogy(
    emb,
    query: str | Expr | tuple,
    topn: int = 10,
    method: str = "3cosadd",
    exclude_inputs: bool = True,
) -> list[tuple[str, float]]:
    """The ``topn`` keys that best complete an analogy, with their scores, best first.

    ``query`` is an expression (``"king - man + woman"``), the ``"man : king :: woman : ?"`` form,
    or a triple ``("man", "king", "woman")``. Scores are cosines for 3CosAdd and the 3CosMul
    objective for ``method="3cosmul"``.

    >>> from embviz import Embeddings
    >>> emb = Embeddings(["a", "b", "c", "d"], [[1, 0], [1, 1], [0, 1], [-1, 1]])
    >>> [k for k, _ in analogy(emb, "b - a + c", topn=2)]
    ['d']
    >>> [k for k, _ in analogy(emb, "b - a + c", topn=2, exclude_inputs=False)]
    ['c', 'd']
    """
    return solve(emb, query, topn, method, exclude_inputs).results
