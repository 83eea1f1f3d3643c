"""The syntax tree of an expression, its canonical text and its linear form (no recursion per term).

A chain of terms on one precedence level is one flat :class:`Chain` and a run of signs one
:class:`Neg`, so the tree is only as deep as the brackets (at most ``MAX_DEPTH`` in
:mod:`embviz.expression_parser`), and walking it is linear in the number of terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_BARE = re.compile(r"[^\s\"':?+\-*/(),]+")


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
class Chain(Node):
    """``items[0] ops[0] items[1] ops[1] ...`` on one precedence level (all ``+ -`` or all ``* /``)."""

    ops: tuple[str, ...]
    op_pos: tuple[int, ...]
    items: tuple[Node, ...]

    @property
    def additive(self) -> bool:
        return self.ops[0] in "+-"


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Neg):
        return (node.operand,)
    if isinstance(node, Chain):
        return node.items
    if isinstance(node, Call):
        return node.args
    return ()


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

    def position_of(self, key: str) -> int | None:
        """0-based position of the first occurrence of the word ``key``."""
        for node in _walk(self.root):
            if isinstance(node, Word) and node.key == key:
                return node.pos
        return None

    def __str__(self) -> str:
        return _render(self.root)


def _walk(node: Node):
    """Every node, depth first, left to right (an explicit stack: no recursion)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(_children(n)))


def _words(node: Node) -> list[str]:
    return list(dict.fromkeys(n.key for n in _walk(node) if isinstance(n, Word)))


def _render(node: Node, parent: int = 0) -> str:
    """Canonical text for a tree (``king - man + woman``); nested chains keep their brackets."""
    if isinstance(node, Word):
        key = node.key
        if _BARE.fullmatch(key) and not _NUMBER.fullmatch(key):
            return key
        return f"'{key}'" if '"' in key else f'"{key}"'
    if isinstance(node, Number):
        return node.text
    if isinstance(node, Neg):
        return "-" + _render(node.operand, 3)
    if isinstance(node, Call):
        return f"{node.func}({', '.join(_render(a) for a in node.args)})"
    level = 1 if node.additive else 2
    parts = [_render(node.items[0], level + 1)]
    for op, item in zip(node.ops, node.items[1:]):
        parts.append(f"{op} {_render(item, level + 1)}")
    text = " ".join(parts)
    return f"({text})" if level < parent else text


# -- linear form ----------------------------------------------------------------------------------
def _linear(node: Node) -> tuple[float, dict[str, float], float] | None:
    """``(constant, {word: weight}, gross)`` for linear trees (``None`` otherwise).

    A vector has constant 0 and some words; ``gross`` is the sum of the absolute weights before
    like terms are combined (``king - king`` has weights ``{king: 0}`` and gross 2), the scale
    against which :func:`check_nonzero` tells cancellation from a small vector.
    """
    if isinstance(node, Word):
        return 0.0, {node.key: 1.0}, 1.0
    if isinstance(node, Number):
        return node.value, {}, 0.0
    if isinstance(node, Neg):
        f = _linear(node.operand)
        return None if f is None else (-f[0], {k: -v for k, v in f[1].items()}, f[2])
    if isinstance(node, Call):
        if node.func in ("unit", "normalize"):
            return None
        scale = 1.0 / len(node.args) if node.func in ("avg", "mean") else 1.0
        return _sum([(scale, a) for a in node.args])
    if node.additive:
        return _sum(zip([1.0] + [1.0 if op == "+" else -1.0 for op in node.ops], node.items))
    constant, vec = 1.0, None  # a product: numbers times at most one vector factor
    for op, item in zip("*" + "".join(node.ops), node.items):
        f = _linear(item)
        if f is None:
            return None
        if f[1]:
            if op == "/" or vec is not None:
                return None
            vec = f
        elif op == "*":
            constant *= f[0]
        elif f[0] == 0:
            return None
        else:
            constant /= f[0]
    if vec is None:
        return constant, {}, 0.0
    return 0.0, {k: constant * v for k, v in vec[1].items()}, abs(constant) * vec[2]


def _sum(parts) -> tuple[float, dict[str, float], float] | None:
    constant, out, gross = 0.0, {}, 0.0
    for scale, item in parts:
        f = _linear(item)
        if f is None:
            return None
        constant += scale * f[0]
        gross += abs(scale) * f[2]
        for k, v in f[1].items():
            out[k] = out.get(k, 0.0) + scale * v
    return constant, out, gross
