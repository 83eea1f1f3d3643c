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

import re
from dataclasses import dataclass, field

import numpy as np

from .errors import ExpressionError, UnknownKeyError, suggest

OPERATORS = "+-*/(),"
_SPECIAL = OPERATORS + "\"':?"  # characters that end a bare word (an apostrophe inside a word is fine)
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
FUNCTIONS = {
    "avg": "mean of the arguments",
    "mean": "mean of the arguments",
    "sum": "sum of the arguments",
    "unit": "the argument scaled to length 1",
    "normalize": "the argument scaled to length 1",
}


# -- syntax tree ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    pos: int


@dataclass(frozen=True)
class Word(Node):
    key: str


@dataclass(frozen=True)
class Number(Node):
    value: float
    text: str


@dataclass(frozen=True)
class Neg(Node):
    operand: Node


@dataclass(frozen=True)
class Binary(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Expr:
    """A parsed expression: the tree, the source text and, for ``a : b :: c : ?``, the triple."""

    text: str
    root: Node
    analogy: tuple[str, str, str] | None = None
    expected: str | None = None
    words: list[str] = field(default_factory=list)

    def terms(self) -> dict[str, float] | None:
        """The expression as ``{word: weight}`` when it is linear (``None`` if it uses ``unit``)."""
        form = _linear(self.root)
        return None if form is None else {k: float(v) for k, v in form[1].items()}

    def __str__(self) -> str:
        return _render(self.root)


# -- tokenizer ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Token:
    kind: str  # "num", "word", "str", "op", "colon", "dcolon", "?", "end"
    text: str
    pos: int


def _word_end(text: str, i: int) -> int:
    n = len(text)
    while (
        i < n
        and not text[i].isspace()
        and (text[i] not in _SPECIAL or (text[i] == "'" and i + 1 < n and text[i + 1].isalnum()))
    ):
        i += 1
    return i


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; every token remembers its 0-based position."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in OPERATORS:
            tokens.append(Token("op", ch, i))
            i += 1
        elif ch == ":":
            if text.startswith("::", i):
                tokens.append(Token("dcolon", "::", i))
                i += 2
            else:
                tokens.append(Token("colon", ":", i))
                i += 1
        elif ch == "?":
            tokens.append(Token("?", "?", i))
            i += 1
        elif ch in "\"'":
            end = text.find(ch, i + 1)
            if end < 0:
                raise ExpressionError(f"the quote {ch} is never closed", expression=text, position=i)
            if end == i + 1:
                raise ExpressionError("empty quoted key", expression=text, position=i)
            tokens.append(Token("str", text[i + 1 : end], i))
            i = end + 1
        else:
            m = _NUMBER.match(text, i)
            end = _word_end(text, i)
            if m and m.end() >= end:  # a number, not a word that starts with digits ("3d")
                tokens.append(Token("num", m.group(), i))
                i = m.end()
            else:
                tokens.append(Token("word", text[i:end], i))
                i = end
    tokens.append(Token("end", "", n))
    return tokens


# -- recursive-descent parser ---------------------------------------------------------------------
def _describe(tok: Token) -> str:
    return "the end" if tok.kind == "end" else f'"{tok.text}"'


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def error(self, message: str, pos: int | None = None) -> ExpressionError:
        return ExpressionError(message, expression=self.text, position=self.tok.pos if pos is None else pos)

    def take(self) -> Token:
        tok = self.tok
        self.i += 1
        return tok

    def is_op(self, chars: str) -> bool:
        return self.tok.kind == "op" and self.tok.text in chars

    def expression(self) -> Node:
        node = self.term()
        while self.is_op("+-"):
            op = self.take()
            node = Binary(op.pos, op.text, node, self.term_after(op))
        return node

    def term_after(self, op: Token) -> Node:
        if self.tok.kind == "end" or self.is_op("+*/),") or self.tok.kind in ("colon", "dcolon"):
            raise self.error(
                f'expected a word, a number or "(" after "{op.text}", found {_describe(self.tok)}'
            )
        return self.term()

    def term(self) -> Node:
        node = self.factor()
        while self.is_op("*/"):
            op = self.take()
            node = Binary(op.pos, op.text, node, self.factor_after(op))
        return node

    def factor_after(self, op: Token) -> Node:
        if self.tok.kind == "end" or self.is_op("+*/),"):
            raise self.error(
                f'expected a word, a number or "(" after "{op.text}", found {_describe(self.tok)}'
            )
        return self.factor()

    def factor(self) -> Node:
        if self.is_op("-+"):
            op = self.take()
            operand = self.factor_after(op)
            return Neg(op.pos, operand) if op.text == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            return Number(tok.pos, float(tok.text), tok.text)
        if tok.kind == "str":
            self.take()
            return Word(tok.pos, tok.text)
        if tok.kind == "word":
            self.take()
            if self.is_op("("):
                return self.call(tok)
            return Word(tok.pos, tok.text)
        if self.is_op("("):
            self.take()
            node = self.expression()
            if not self.is_op(")"):
                raise self.error(
                    f'expected ")" to close the "(" at position {tok.pos + 1}, found {_describe(self.tok)}'
                )
            self.take()
            return node
        if tok.kind == "end":
            raise self.error("the expression is empty" if self.i == 0 else "the expression ends too early")
        raise self.error(f'expected a word, a number or "(", found {_describe(tok)}')

    def call(self, name: Token) -> Node:
        func = name.text.lower()
        if func not in FUNCTIONS:
            close = suggest(func, list(FUNCTIONS), n=2)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise self.error(
                f'unknown function "{name.text}" (known: {", ".join(FUNCTIONS)}){hint}', pos=name.pos
            )
        self.take()  # "("
        if self.is_op(")"):
            raise self.error(f"{func}() needs at least one argument")
        args = [self.expression()]
        while self.is_op(","):
            self.take()
            args.append(self.expression())
        if not self.is_op(")"):
            raise self.error(f'expected "," or ")" in {func}(...), found {_describe(self.tok)}')
        self.take()
        if func in ("unit", "normalize") and len(args) != 1:
            raise self.error(f"{func}() takes exactly one argument, got {len(args)}", pos=name.pos)
        return Call(name.pos, func, tuple(args))

    def key(self) -> Token:
        if self.tok.kind not in ("word", "str", "num"):
            raise self.error(f"expected a word in the a : b :: c : ? form, found {_describe(self.tok)}")
        return self.take()

    def expect(self, kind: str, text: str) -> None:
        if self.tok.kind != kind:
            raise self.error(f'expected "{text}" in the a : b :: c : ? form, found {_describe(self.tok)}')
        self.take()


def parse(expression: str) -> Expr:
    """Parse ``expression`` into an :class:`Expr`; :class:`ExpressionError` with the position.

    >>> parse("0.5*big + 0.5*large").terms()
    {'big': 0.5, 'large': 0.5}
    >>> parse('"new york" - usa').words
    ['new york', 'usa']
    """
    if not isinstance(expression, str):
        raise ExpressionError(f"an expression must be text, got {type(expression).__name__}")
    if not expression.strip():
        raise ExpressionError("the expression is empty; try king - man + woman")
    p = _Parser(expression)
    if any(t.kind in ("colon", "dcolon") for t in p.tokens):
        return _parse_analogy(p)
    root = p.expression()
    if p.tok.kind != "end":
        if p.is_op(")"):
            raise p.error('unexpected ")" without an opening "("')
        if p.tok.kind in ("word", "str", "num"):
            raise p.error(
                f"unexpected {_describe(p.tok)}: put an operator (+, -, *) between words, "
                'or quotes around a key with spaces ("new york")'
            )
        raise p.error(f"unexpected {_describe(p.tok)}; expected an operator (+, -, *, /) or the end")
    expr = Expr(expression, root, words=_words(root))
    if not expr.words:
        raise ExpressionError("the expression has no words, only numbers", expression=expression, position=0)
    return expr


def _parse_analogy(p: _Parser) -> Expr:
    a = p.key()
    p.expect("colon", ":")
    b = p.key()
    p.expect("dcolon", "::")
    c = p.key()
    p.expect("colon", ":")
    expected = None
    if p.tok.kind == "?":
        p.take()
    else:
        expected = p.key().text
    if p.tok.kind != "end":
        raise p.error(f"unexpected {_describe(p.tok)} after the a : b :: c : ? form")
    wa, wb, wc = (Word(t.pos, t.text) for t in (a, b, c))
    root = Binary(c.pos, "+", Binary(a.pos, "-", wb, wa), wc)
    return Expr(p.text, root, analogy=(a.text, b.text, c.text), expected=expected, words=_words(root))


def _words(node: Node) -> list[str]:
    out: list[str] = []

    def visit(n: Node) -> None:
        if isinstance(n, Word):
            if n.key not in out:
                out.append(n.key)
        elif isinstance(n, Neg):
            visit(n.operand)
        elif isinstance(n, Binary):
            visit(n.left)
            visit(n.right)
        elif isinstance(n, Call):
            for a in n.args:
                visit(a)

    visit(node)
    return out


def _render(node: Node, parent: int = 0) -> str:
    """Canonical text for a tree (``king - man + woman``)."""
    if isinstance(node, Word):
        return (
            node.key
            if re.fullmatch(r"[^\s\"':?+\-*/(),]+", node.key) and not _NUMBER.fullmatch(node.key)
            else f'"{node.key}"'
        )
    if isinstance(node, Number):
        return node.text
    if isinstance(node, Neg):
        return "-" + _render(node.operand, 3)
    if isinstance(node, Call):
        return f"{node.func}({', '.join(_render(a) for a in node.args)})"
    level = 1 if node.op in "+-" else 2
    right_level = level + 1 if node.op in "-/" else level
    text = f"{_render(node.left, level)} {node.op} {_render(node.right, right_level)}"
    return f"({text})" if level < parent else text


# -- evaluation -----------------------------------------------------------------------------------
def _linear(node: Node) -> tuple[float, dict[str, float]] | None:
    """``(constant, {word: weight})`` for linear trees; a vector has constant 0 and some words."""
    if isinstance(node, Word):
        return 0.0, {node.key: 1.0}
    if isinstance(node, Number):
        return node.value, {}
    if isinstance(node, Neg):
        f = _linear(node.operand)
        return None if f is None else (-f[0], {k: -v for k, v in f[1].items()})
    if isinstance(node, Call):
        if node.func in ("unit", "normalize"):
            return None
        forms = [_linear(a) for a in node.args]
        if any(f is None for f in forms):
            return None
        scale = 1.0 / len(forms) if node.func in ("avg", "mean") else 1.0
        return 0.0, _combine([(scale, f[1]) for f in forms])
    left, right = _linear(node.left), _linear(node.right)
    if left is None or right is None:
        return None
    if node.op in "+-":
        sign = 1.0 if node.op == "+" else -1.0
        return left[0] + sign * right[0], _combine([(1.0, left[1]), (sign, right[1])])
    if node.op == "*":
        if left[1] and right[1]:
            return None
        c, words = (left[0], right[1]) if right[1] else (right[0], left[1])
        return left[0] * right[0], {k: c * v for k, v in words.items()}
    if right[1] or right[0] == 0:
        return None
    return left[0] / right[0], {k: v / right[0] for k, v in left[1].items()}


def _combine(parts: list[tuple[float, dict[str, float]]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for scale, words in parts:
        for k, v in words.items():
            out[k] = out.get(k, 0.0) + scale * v
    return out


class _Evaluator:
    """Evaluates a tree to a float (numbers) or an ``np.ndarray`` (anything with a word)."""

    def __init__(self, emb, expr: Expr):
        self.emb, self.expr = emb, expr

    def error(self, message: str, node: Node) -> ExpressionError:
        return ExpressionError(message, expression=self.expr.text, position=node.pos)

    def lookup(self, key: str, pos: int) -> np.ndarray:
        try:
            return self.emb.unit_vectors[self.emb.index(key)].astype(np.float64)
        except UnknownKeyError as exc:
            exc.position = pos
            exc.message = f"{exc.message} (at position {pos + 1} of {self.expr.text!r})"
            raise

    def vector(self, node: Node, value):
        """A scalar where a vector is needed: a number that is also a key ("1990") is the key."""
        if isinstance(value, np.ndarray):
            return value
        if isinstance(node, Number) and node.text in self.emb:
            return self.lookup(node.text, node.pos)
        raise self.error(f"{_render(node)} is a number where a word (vector) is needed", node)

    def value_of(self, node: Node):
        if isinstance(node, Word):
            return self.lookup(node.key, node.pos)
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Neg):
            return -self.value_of(node.operand)
        if isinstance(node, Call):
            return self.call(node)
        left, right = self.value_of(node.left), self.value_of(node.right)
        if node.op in "+-":
            if isinstance(left, np.ndarray) or isinstance(right, np.ndarray):
                left, right = self.vector(node.left, left), self.vector(node.right, right)
            return left + right if node.op == "+" else left - right
        if node.op == "*":
            if isinstance(left, np.ndarray) and isinstance(right, np.ndarray):
                raise self.error("two vectors cannot be multiplied; one side of * must be a number", node)
            return left * right
        if isinstance(right, np.ndarray):
            raise self.error("cannot divide by a vector; the right side of / must be a number", node)
        if right == 0:
            raise self.error("division by zero", node)
        return left / right

    def call(self, node: Call) -> np.ndarray:
        args = [self.vector(a, self.value_of(a)) for a in node.args]
        if node.func in ("avg", "mean"):
            return np.mean(args, axis=0)
        if node.func == "sum":
            return np.sum(args, axis=0)
        norm = np.linalg.norm(args[0])
        if norm == 0:
            raise self.error(f"{node.func}() of a zero vector", node)
        return args[0] / norm


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
    value = ev.vector(expr.root, ev.value_of(expr.root))
    return np.asarray(value, dtype=np.float32)


def check_nonzero(vec: np.ndarray, expression: str | Expr, *, tol: float = 1e-6) -> np.ndarray:
    """``vec`` if it has a direction; :class:`ExpressionError` for ``king - king`` and the like."""
    if not np.isfinite(vec).all() or float(np.linalg.norm(vec)) <= tol:
        text = expression.text if isinstance(expression, Expr) else str(expression)
        raise ExpressionError(
            f"{text!r} is a zero vector (its words cancel out), so nothing can be similar to it"
        )
    return vec
