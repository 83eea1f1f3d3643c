"""Declared parameters: one table per method, one checker, one text parser.

A :class:`ParamSpec` says what a parameter of a reducer or a clustering method accepts: its kind,
default, bounds (every number has an upper bound, so no request can ask for unbounded work),
choices, and whether ``"auto"`` is a value (resolved by the method from the data; what ran is
reported apart from what was asked, as scikit-learn's ``learning_rate_``). Every message comes
from :func:`embviz.errors.param_message`.

:meth:`ParamSpec.parse` is the only place where text (a CLI ``--param``, a URL ``p.x=``, a widget)
becomes a typed value.

>>> spec = ParamSpec("n_neighbors", "int", 15, low=2, high=500)
>>> spec.parse("30", "UMAP")
30
>>> spec.parse("3000", "UMAP")
Traceback (most recent call last):
...
embviz.errors.ParameterError: The 'n_neighbors' parameter of UMAP must be an int in [2, 500]. Got 3000 instead.
>>> ParamSpec("learning_rate", "float", "auto", low=0, high=1e6, auto="max(200, N / 10)").parse("AUTO")
'auto'
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ParameterError

KINDS = ("int", "float", "choice", "bool", "str")
AUTO = "auto"
TRUE, FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")
MAX_TEXT = 1_000  # longest text value accepted (formula axes are short expressions)
_INT = re.compile(r"[+-]?\d{1,15}")
_FLOAT = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter: kind, default, valid range, and whether ``"auto"`` is a value.

    ``low``/``high`` bound numbers (inclusive; ``exclusive_low`` makes ``low`` exclusive). ``rule``
    overrides the text the error message shows. ``auto`` (non-empty) says what ``"auto"`` resolves
    to; such a parameter accepts ``"auto"`` besides numbers. ``example`` gives interfaces a value
    to start from when the default is empty (formula axes).

    >>> spec = ParamSpec("n_neighbors", "int", 15, ">= 2", low=2, high=500)
    >>> spec.check("UMAP", 1)
    Traceback (most recent call last):
    ...
    embviz.errors.ParameterError: The 'n_neighbors' parameter of UMAP must be >= 2. Got 1 instead.
    """

    name: str
    kind: str
    default: Any
    rule: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    help: str = ""
    exclusive_low: bool = False
    example: Any = None
    auto: str = ""

    def __post_init__(self) -> None:  # a programming error in a table, caught at import
        if self.kind not in KINDS:
            raise TypeError(f"ParamSpec {self.name!r}: kind must be one of {KINDS}, not {self.kind!r}")
        if self.kind in ("int", "float") and (self.low is None or self.high is None):
            raise TypeError(f"ParamSpec {self.name!r}: a number needs both bounds (low and high)")

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")

    def check(self, owner: str, value: Any) -> Any:
        """``value`` converted to this kind, or :class:`ParameterError` naming the rule."""
        fail = ParameterError(owner, self.name, self.rule or self.describe_rule(), value)
        if self.auto and isinstance(value, str) and value.strip().lower() == AUTO:
            return AUTO
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise fail
        if self.kind == "choice":
            if value not in self.choices:
                raise fail
            return value
        if self.kind == "str":
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise fail
            return value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise fail
        if not np.isfinite(float(value)):
            raise fail
        if self.kind == "int":
            if float(value) != int(value):
                raise fail
            value = int(value)
        else:
            value = float(value)
        if value < self.low or (self.exclusive_low and value == self.low) or value > self.high:
            raise fail
        return value

    def parse(self, text: str, owner: str = "") -> Any:
        """Text to a checked value of this kind (never evaluated), or :class:`ParameterError`.

        >>> ParamSpec("whiten", "bool", False).parse("yes")
        True
        >>> ParamSpec("n_iter", "int", 250, low=50, high=10_000).parse("2.5e2")
        250
        """
        owner = owner or "embviz"
        if not isinstance(text, str):
            return self.check(owner, text)
        raw = text.strip()
        if self.auto and raw.lower() == AUTO:
            return AUTO
        if self.kind == "str":
            return self.check(owner, text)
        if self.kind == "bool":
            low = raw.lower()
            if low in TRUE or low in FALSE:
                return low in TRUE
            raise ParameterError(owner, self.name, "true or false", text)
        if self.kind == "choice":
            return self.check(owner, raw)
        if _INT.fullmatch(raw):
            value: Any = int(raw)
        elif _FLOAT.fullmatch(raw):
            value = float(raw)
        else:
            raise ParameterError(owner, self.name, self.rule or self.describe_rule(), text)
        return self.check(owner, value)

    def describe_rule(self) -> str:
        """The rule in words, e.g. ``"an int in [2, 500]"`` or ``"'auto' or a float in [0, 1e+06]"``."""
        if self.kind == "choice":
            return "one of " + ", ".join(map(repr, self.choices))
        if self.kind in ("bool", "str"):
            return f"a {self.kind}"
        article = "an" if self.kind == "int" else "a"
        text = f"{article} {self.kind} in {'(' if self.exclusive_low else '['}{_num(self.low)}, {_num(self.high)}]"
        return f"'auto' or {text}" if self.auto else text

    def describe(self) -> str:
        """One line for help texts: the rule, the default, what ``auto`` means."""
        text = self.rule or self.describe_rule()
        if self.default != "":
            text += f"; default {self.default!r}"
        elif self.example:
            text += f"; no default, e.g. {self.example!r}"
        if self.auto:
            text += f" (auto: {self.auto})"
        return text


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() and abs(v) < 1e15 else f"{v:g}"


def resolve_params(owner: str, specs: list[ParamSpec], params: dict) -> dict:
    """Defaults filled in and every value checked; an unknown name lists the known ones."""
    known = {p.name: p for p in specs}
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise ParameterError(owner, unknown[0], "one of " + ", ".join(map(repr, known)) if known
                             else "absent (this method has no parameters)", params[unknown[0]])
    return {name: spec.check(owner, params.get(name, spec.default)) for name, spec in known.items()}


def parse_pairs(owner: str, specs: list[ParamSpec], pairs: list[str], source: str = "--param",
                command: str = "embviz project") -> dict:
    """``["n_neighbors=30", "init=pca"]`` typed by ``specs`` (the CLI's ``--param``)."""
    known = {p.name: p for p in specs}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not name:
            raise ParameterError(command, source, "of the form name=value", pair)
        spec = known.get(name)
        if spec is None:
            raise ParameterError(owner, name, "one of " + ", ".join(map(repr, known)) if known
                                 else "absent (this method has no parameters)", text)
        out[name] = spec.parse(text.strip() if spec.kind != "str" else text.strip().strip("'\""), owner)
    return out
