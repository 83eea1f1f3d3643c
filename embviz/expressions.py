"""A small expression language for meaning arithmetic, parsed by hand (never ``eval``).

Grammar (``king - man + woman``, ``0.5*big + 0.5*large``, ``avg(paris, rome) - france``)::

    expression := term (("+" | "-") term)*
    term       := factor (("*" | "/") factor)*
    factor     := "-" factor | "+" factor | atom
    atom       := NUMBER | WORD | QUOTED | NAME "(" expression ("," expression)* ")" | "(" expression ")"

Words are runs of letters, digits, ``_``, ``'``, ``.``, ``#``, ``&``, ``@`` and other symbols that
are not operators; keys with spaces or operator characters go in quotes (``"new york"``,
``'e-mail'``). ``a : b :: c : ?`` (and ``a : b :: c : d`` with the expected answer ``d``) is the
classic analogy form and means ``b - a + c``.

Words stand for their *unit* vectors and the result is their plain linear combination, not
normalised at the end: gensim's convention for ``most_similar(positive, negative)``.

Hostile input is bounded: at most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` nested
brackets (both :class:`ExpressionError`, naming the limit and the value); a chain of terms is one
flat node and a run of signs one :class:`Neg`, so neither the parser nor the evaluator recurses
deeper than the brackets, and both are linear in the number of terms. Numbers that overflow, and
results beyond the float32 range, are :class:`ExpressionError` s that say so.

>>> e = parse("king - man + woman")
>>> e.words
['king', 'man', 'woman']
>>> e.terms()
{'king': 1.0, 'man': -1.0, 'woman': 1.0}
>>> str(parse("man : king :: woman : ?"))
'king - man + woman'
>>> parse("avg(a, b) * 2").terms()
{'a': 1.0, 'b': 1.0}
>>> parse("king -")
Traceback (most recent call last):
...
embviz.errors.ExpressionError: at position 7: expected a word, a number or "(" after "-", found the end
  king -
        ^
"""

from __future__ import annotations

import math

import numpy as np

from .errors import ExpressionError, UnknownKeyError, excerpt
from .expression_parser import FUNCTIONS, MAX_DEPTH, MAX_LENGTH, Token, analogy_expr, parse, tokenize
from .expression_tree import Call, Chain, Expr, Neg, Node, Number, Word, _linear, _render

__all__ = [
    "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Expr", "Token", "analogy_expr", "check_nonzero", "parse",
    "tokenize", "vector",
]
FLOAT32_MAX = float(np.finfo(np.float32).max)


# -- evaluation -----------------------------------------------------------------------------------
class _Evaluator:
    """Evaluates a tree to a float (numbers) or a float64 ``np.ndarray`` (anything with a word)."""

    def __init__(self, emb, expr: Expr):
        self.emb, self.expr = emb, expr

    def error(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, expression=self.expr.text, position=pos)

    def check_words(self) -> None:
        """Every word known, checked up front: one set lookup each, suggestions for the first only."""
        missing = [w for w in self.expr.words if w not in self.emb]
        if missing:
            self.lookup(missing[0], self.expr.position_of(missing[0]) or 0, others=len(missing) - 1)

    def lookup(self, key: str, pos: int, others: int = 0) -> np.ndarray:
        try:
            return self.emb.unit_vectors[self.emb.index(key)].astype(np.float64)
        except UnknownKeyError as exc:
            exc.position = pos
            more = f"; {others:,} more words are not present either" if others else ""
            exc.message = f"{exc.message} (at position {pos + 1} of {excerpt(self.expr.text)!r}){more}"
            raise

    def vector(self, node: Node, value):
        """A scalar where a vector is needed: a number that is also a key ("1990") is the key."""
        if isinstance(value, np.ndarray):
            return value
        if isinstance(node, Number) and node.text in self.emb:
            return self.lookup(node.text, node.pos)
        raise self.error(f"{excerpt(_render(node), 60)} is a number where a word (vector) is needed", node.pos)

    def finite(self, value, node: Node):
        ok = math.isfinite(value) if isinstance(value, float) else bool(np.isfinite(value).all())
        if not ok:
            raise self.error(
                f"{excerpt(_render(node), 60)} overflows: its values go beyond the floating-point "
                "range (about ±1.8e308)",
                node.pos,
            )
        return value

    def value_of(self, node: Node):
        if isinstance(node, Word):
            return self.lookup(node.key, node.pos)
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Neg):
            return -self.value_of(node.operand)
        if isinstance(node, Call):
            return self.finite(self.call(node), node)
        if node.additive:
            signs = [1.0] + [1.0 if op == "+" else -1.0 for op in node.ops]
            return self.finite(self.total(zip(signs, node.items)), node)
        return self.finite(self.product(node), node)

    def total(self, parts):
        """``Σ sign·item`` accumulated in place (linear in the terms; one vector in memory)."""
        acc, scalars = None, []
        for sign, item in parts:
            value = self.value_of(item)
            if not isinstance(value, np.ndarray):
                scalars.append((sign, item, value))
            elif acc is None:
                acc = value * sign
            else:
                acc += value * sign if sign != 1.0 else value
        if acc is None:
            return math.fsum(sign * value for sign, _, value in scalars)
        for sign, item, value in scalars:
            acc += sign * self.vector(item, value)
        return acc

    def product(self, node: Chain):
        value = self.value_of(node.items[0])
        for op, pos, item in zip(node.ops, node.op_pos, node.items[1:]):
            right = self.value_of(item)
            if op == "*":
                if isinstance(value, np.ndarray) and isinstance(right, np.ndarray):
                    raise self.error("two vectors cannot be multiplied; one side of * must be a number", pos)
                value = value * right
            elif isinstance(right, np.ndarray):
                raise self.error("cannot divide by a vector; the right side of / must be a number", pos)
            elif right == 0:
                raise self.error("division by zero", pos)
            else:
                value = value / right
            if isinstance(value, float) and not math.isfinite(value):
                raise self.error("a product of numbers overflows (beyond about ±1.8e308)", pos)
        return value

    def call(self, node: Call) -> np.ndarray:
        if node.func in ("avg", "mean", "sum"):
            scale = 1.0 / len(node.args) if node.func != "sum" else 1.0
            acc = None
            for a in node.args:
                v = self.vector(a, self.value_of(a))
                if acc is None:
                    acc = v.copy()
                else:
                    acc += v
            return acc * scale if scale != 1.0 else acc
        v = self.vector(node.args[0], self.value_of(node.args[0]))
        norm = _norm(v)
        if norm == 0:
            raise self.error(f"{node.func}() of a zero vector", node.pos)
        return v / norm


def _norm(v: np.ndarray) -> float:
    """Euclidean length without overflow or underflow (scaled by the largest entry first)."""
    big = float(np.abs(v).max()) if v.size else 0.0
    if big == 0 or not math.isfinite(big):
        return big
    return big * float(np.linalg.norm(v / big))


def vector(emb, expression: str | Expr) -> np.ndarray:
    """The vector an expression stands for: a linear combination of unit vectors (float32).

    >>> from embviz import Embeddings
    >>> emb = Embeddings(["a", "b"], [[2.0, 0.0], [0.0, 3.0]])
    >>> vector(emb, "a - b").tolist()
    [1.0, -1.0]
    >>> vector(emb, "avg(a, b)").tolist()
    [0.5, 0.5]
    """
    expr = expression if isinstance(expression, Expr) else parse(expression)
    ev = _Evaluator(emb, expr)
    ev.check_words()
    with np.errstate(over="ignore", invalid="ignore"):
        value = ev.vector(expr.root, ev.value_of(expr.root))
    if float(np.abs(value).max(initial=0.0)) > FLOAT32_MAX:
        raise ExpressionError(
            f"{excerpt(expr.text)!r} overflows float32: its largest value is "
            f"{float(np.abs(value).max()):.3g}, above about 3.4e38"
        )
    return np.asarray(value, dtype=np.float32)


def check_nonzero(vec: np.ndarray, expression: str | Expr, *, tol: float = 1e-6) -> np.ndarray:
    """``vec`` if it has a direction; :class:`ExpressionError` for ``king - king`` and the like.

    For an :class:`Expr` the length is judged against the expression's own scale (the sum of its
    absolute weights), so ``1e-7 * king`` keeps its direction while ``king - king`` has none.
    """
    text = excerpt(expression.text if isinstance(expression, Expr) else str(expression))
    v = np.asarray(vec, dtype=np.float64)
    if not np.isfinite(v).all():
        raise ExpressionError(f"{text!r} is not finite (NaN or infinity, as from an overflow), so it has no direction")
    length = _norm(v)
    form = _linear(expression.root) if isinstance(expression, Expr) else None
    scale = form[2] if form is not None and form[2] > 0 else 1.0
    if length > tol * scale:
        return vec
    if form is None or max(map(abs, form[1].values()), default=0.0) <= 1e-9 * scale:
        why = "its words cancel out"
    elif length > 0:
        why = f"its length is {length:.3g}, too small to give a direction"
    else:
        why = "its values are too small for float32, below about 1e-38"
    raise ExpressionError(f"{text!r} is a zero vector ({why}), so nothing can be similar to it")
