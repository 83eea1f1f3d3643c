"""Tokenizer and depth-limited recursive-descent parser of the expression language.

The grammar is in :mod:`embviz.expressions`. Hostile input is bounded before any recursion: at
most :data:`MAX_LENGTH` characters and :data:`MAX_DEPTH` nested brackets, each an
:class:`ExpressionError` naming the limit and the value; the parser recurses only into brackets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import ExpressionError, suggest
from .expression_tree import _NUMBER, Call, Chain, Expr, Neg, Node, Number, Word, _render, _words

MAX_LENGTH = 1_000  # characters; longer text is refused before it is tokenised
MAX_DEPTH = 50  # nested brackets: each level costs ~5 parser frames of Python's 1,000
OPERATORS = "+-*/(),"
_SPECIAL = OPERATORS + "\"':?"  # characters that end a bare word (an apostrophe inside a word is fine)
FUNCTIONS = {
    "avg": "mean of the arguments",
    "mean": "mean of the arguments",
    "sum": "sum of the arguments",
    "unit": "the argument scaled to length 1",
    "normalize": "the argument scaled to length 1",
}


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


# -- depth-limited recursive-descent parser -------------------------------------------------------
def _describe(tok: Token) -> str:
    if tok.kind == "end":
        return "the end"
    text = tok.text if len(tok.text) <= 40 else tok.text[:39] + "…"
    return f'"{text}"'


def _check_depth(text: str, tokens: list[Token], max_depth: int) -> None:
    """Refuse more than ``max_depth`` nested brackets before parsing (the parser recurses per level)."""
    depth = deepest = 0
    where = None
    for t in tokens:
        if t.kind == "op" and t.text == "(":
            depth += 1
            if depth > deepest:
                deepest = depth
                if depth == max_depth + 1:
                    where = t.pos
        elif t.kind == "op" and t.text == ")" and depth:
            depth -= 1
    if deepest > max_depth:
        raise ExpressionError(
            f"brackets may nest at most {max_depth} deep; this expression nests them {deepest:,} deep",
            expression=text,
            position=where,
        )


class _Parser:
    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.tokens = tokens
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

    def _after(self, op: Token, bad: str) -> None:
        if self.tok.kind in ("end", "colon", "dcolon") or self.is_op(bad):
            raise self.error(
                f'expected a word, a number or "(" after "{op.text}", found {_describe(self.tok)}'
            )

    def chain(self, ops: str, operand) -> Node:
        """``operand (op operand)*`` as one flat :class:`Chain` (no recursion per term)."""
        first = operand()
        found, where, items = [], [], [first]
        while self.is_op(ops):
            op = self.take()
            self._after(op, "+*/),")
            found.append(op.text)
            where.append(op.pos)
            items.append(operand())
        return first if not found else Chain(first.pos, tuple(found), tuple(where), tuple(items))

    def expression(self) -> Node:
        return self.chain("+-", self.term)

    def term(self) -> Node:
        return self.chain("*/", self.factor)

    def factor(self) -> Node:
        first, negative = None, False
        while self.is_op("-+"):  # a run of signs, counted (1,000 minus signs are one Neg or none)
            op = self.take()
            first = first or op
            negative ^= op.text == "-"
            self._after(op, "+*/),")
        node = self.atom()
        return Neg(first.pos, node) if negative else node

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.take()
            value = float(tok.text)
            if not math.isfinite(value):
                raise self.error(
                    f"the number {_describe(tok)[1:-1]} is too large (the largest is about 1.8e308)",
                    pos=tok.pos,
                )
            return Number(tok.pos, value, tok.text)
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
                f"unknown function {_describe(name)} (known: {', '.join(FUNCTIONS)}){hint}", pos=name.pos
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
            raise self.error(f"{func}() takes exactly one argument, got {len(args):,}", pos=name.pos)
        return Call(name.pos, func, tuple(args))

    def key(self) -> Token:
        if self.tok.kind not in ("word", "str", "num"):
            raise self.error(f"expected a word in the a : b :: c : ? form, found {_describe(self.tok)}")
        return self.take()

    def expect(self, kind: str, text: str) -> None:
        if self.tok.kind != kind:
            raise self.error(f'expected "{text}" in the a : b :: c : ? form, found {_describe(self.tok)}')
        self.take()


def parse(expression: str, *, max_length: int | None = MAX_LENGTH) -> Expr:
    """Parse ``expression`` into an :class:`Expr`; :class:`ExpressionError` with the position.

    ``max_length`` bounds the text (``None`` lifts it for programs that build long sums: parsing
    and evaluation stay linear in the length); brackets always nest at most :data:`MAX_DEPTH` deep.

    >>> parse("0.5*big + 0.5*large").terms()
    {'big': 0.5, 'large': 0.5}
    >>> parse('"new york" - usa').words
    ['new york', 'usa']
    >>> parse("x" * 1001)
    Traceback (most recent call last):
    ...
    embviz.errors.ExpressionError: an expression may be at most 1,000 characters; this one has 1,001
    """
    if not isinstance(expression, str):
        raise ExpressionError(f"an expression must be text, got {type(expression).__name__}")
    if max_length is not None and len(expression) > max_length:
        raise ExpressionError(
            f"an expression may be at most {max_length:,} characters; this one has {len(expression):,}"
        )
    if not expression.strip():
        raise ExpressionError("the expression is empty; try king - man + woman")
    tokens = tokenize(expression)
    _check_depth(expression, tokens, MAX_DEPTH)
    p = _Parser(expression, tokens)
    if any(t.kind in ("colon", "dcolon") for t in tokens):
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
    return analogy_expr(a.text, b.text, c.text, expected, text=p.text, pos=(a.pos, b.pos, c.pos))


def analogy_expr(
    a: str, b: str, c: str, expected: str | None = None, *, text: str | None = None, pos=(0, 0, 0)
) -> Expr:
    """``a : b :: c : ?`` as an :class:`Expr` (``b - a + c``), built from the words, not from text."""
    wa, wb, wc = Word(pos[0], a), Word(pos[1], b), Word(pos[2], c)
    root = Chain(pos[1], ("-", "+"), (pos[0], pos[2]), (wb, wa, wc))
    if text is None:
        text = f"{_render(wa)} : {_render(wb)} :: {_render(wc)} : {'?' if expected is None else expected}"
    return Expr(text, root, analogy=(a, b, c), expected=expected, words=_words(root))
