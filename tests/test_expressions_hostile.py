"""Hostile expressions: every call returns a finite result or raises an EmbvizError, quickly.

About 1,000 generated calls (deep nesting, long sums, runs of signs, huge / NaN / infinite
literals, unicode, control characters, 5,000-character inputs, operator soup) go through
``parse``, ``vector``, ``analogy`` (both methods), ``direction`` and ``along``. None may crash with
another exception (``RecursionError`` above all), warn about overflow, or return NaN/inf. The whole
set runs under a generous bound (30 s) that a quadratic parser or evaluator would blow (the issue
measured 9 s for one 40,000-word sum); it is a guard, not a timing claim.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest

from embviz import Embeddings, EmbvizError, ExpressionError, UnknownKeyError
from embviz.analogies import analogy
from embviz.directions import along, direction
from embviz.expressions import MAX_DEPTH, MAX_LENGTH, parse, vector

BOUND_SECONDS = 30.0
WORDS = ["king", "queen", "man", "woman", "paris", "rome", "königin", "東京", "naïve", "1990", "e-mail"]


@pytest.fixture(scope="module")
def emb() -> Embeddings:
    rng = np.random.default_rng(7)
    keys = WORDS + [f"w{i}" for i in range(300)]
    return Embeddings(keys, rng.normal(size=(len(keys), 12)))


def _hostile(rng: np.random.Generator) -> list[str]:
    w = lambda: str(rng.choice(WORDS[:6]))
    cases: list[str] = []
    for n in (1, 10, MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 100, 300, 499):  # nesting
        cases += ["(" * n + "king" + ")" * n, "avg(" * n + "king" + ")" * n, "-(" * n + "king" + ")" * n,
                  "(" * n + "king", "king" + ")" * n, "unit(" * n + "king - man" + ")" * n]
    for n in (2, 50, 200, 333, 334, 1000, 2500):  # long sums, products and sign runs
        cases += [" + ".join([w() for _ in range(n)]), "-".join(["king"] * n), "king" + " * 2" * n,
                  "king" + " / 2" * n, "-" * n + "king", "+-" * n + "king", "sum(" + ", ".join(["man"] * n) + ")"]
    literals = ["1e309", "1e308", "1.7976931348623157e308", "3.5e38", "1e38", "1e-320", "1e-400", "0", "0.0",
                "nan", "inf", "-inf", "NaN", "9" * 400, "0." + "0" * 400 + "1", "1e999999", "١٢٣", "１２", "1_0"]
    for lit in literals:  # huge, tiny, NaN and infinite numbers
        cases += [f"{lit}*king", f"king*{lit}", f"king/{lit}", f"{lit}*king + {lit}*queen",
                  f"{lit}*king - {lit}*king", f"unit({lit}*king)", f"king + {lit}", f"{lit}*{lit}*king"]
    cases += ["1e308*king + 1e308*king", "1e200*king*1e200", "1e-200*king*1e-200", "king/1e-300/1e-300"]
    odd = ["\x00", "\x1b[31m", "\r", "\n", "\t", "\u2028", "\u200b", "\ufeff", "\U0001f451", "\u202e", "\u0301",
           "\ud800", "'", '"', ":", "::", "?", "#", "\\", "`", "$", "{", "}"]
    for c in odd:  # unicode and control characters in and around words
        cases += [f"king{c} - man", f"{c}king - man", f"king -{c}man", c, c * 5000, f'"{c}" + king',
                  f"man : king{c} :: woman : ?"]
    alphabet = list("+-*/(),:? .e0123456789") + ["king", "man", "avg", "unit", "sum", "1e308", "nan", "'", '"']
    # quotes and colons rarely: most would never close, or turn the soup into a broken a : b :: c : ?
    weights = np.array([0.1 if c in ":?" else 1.0 for c in alphabet[:-2]] + [0.05, 0.05])
    for _ in range(540):  # operator soup
        n = int(rng.integers(1, 60))
        cases.append("".join(rng.choice(alphabet, size=n, p=weights / weights.sum())))
    for n in (999, 1000, 1001, 5000):  # length limits
        cases += ["k" * n, ("king + " * n)[:n], "(" * n]
    for _ in range(40):  # 5,000 random characters, any code point
        cases.append("".join(map(chr, rng.integers(1, 0x2FFFF, size=5000))).encode("utf-8", "replace")
                     .decode("utf-8", "replace"))
    return cases


def _check(kind: str, emb: Embeddings, text: str):
    if kind == "parse":
        return parse(text)
    if kind == "vector":
        v = vector(emb, text)
        assert v.dtype == np.float32 and v.shape == (emb.dim,) and np.isfinite(v).all(), text
        return v
    if kind in ("3cosadd", "3cosmul"):
        got = analogy(emb, text, topn=3, method=kind)
        assert all(isinstance(k, str) and np.isfinite(s) for k, s in got), (text, got)
        return got
    if kind == "direction":
        d = direction(emb, text)
        assert np.isfinite(d).all() and abs(float(np.linalg.norm(d)) - 1) < 1e-4, text
        return d
    a = along(emb, text)
    assert np.isfinite(a).all(), text
    return a


def test_hostile_expressions_end_in_a_result_or_an_embviz_error(emb):
    rng = np.random.default_rng(2026)
    cases = _hostile(rng)
    kinds = ["parse", "vector", "3cosadd", "3cosmul", "direction", "along"]
    outcomes = {"ok": 0, "error": 0}
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning from NumPy is a bug too
        for i, text in enumerate(cases):
            kind = kinds[i % len(kinds)]
            try:
                _check(kind, emb, text)
                outcomes["ok"] += 1
            except EmbvizError as exc:
                assert str(exc) and len(str(exc)) < 600, (kind, text[:80], str(exc)[:200])
                outcomes["error"] += 1
    elapsed = time.perf_counter() - start
    assert len(cases) >= 1000
    assert outcomes["ok"] > 50 and outcomes["error"] > 400, outcomes  # both paths exercised
    assert elapsed < BOUND_SECONDS, f"{len(cases)} hostile calls took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "text, match",
    [
        ("k" * 5000, "an expression may be at most 1,000 characters; this one has 5,000"),
        ("(" * 300 + "king" + ")" * 300, "brackets may nest at most 50 deep; this expression nests them 300 deep"),
        ("1e309*king", "the number 1e309 is too large"),
        ("1e308*king + 1e308*king", "overflows float32"),
        ("1e39*king", "overflows float32"),
        ("king / 1e-300 / 1e-300", "overflows: its values go beyond the floating-point range"),
        ("1e-300*king", "too small for float32"),
    ],
)
def test_limits_and_overflow_are_named(emb, text, match):
    with pytest.raises(ExpressionError, match=match) as info:
        analogy(emb, text)
    assert "cancel out" not in str(info.value)
    assert len(str(info.value)) < 300  # the error never echoes a whole long expression


def test_long_expressions_stay_linear_and_exact():
    """Long sums (with the length limit lifted) agree with NumPy and never recurse per term."""
    rng = np.random.default_rng(5)
    keys = [f"k{i}" for i in range(200_000)]
    big = Embeddings(keys, rng.normal(size=(len(keys), 8)))
    unit = big.unit_vectors.astype(np.float64)
    start = time.perf_counter()
    for text, want in [
        ("sum(" + ", ".join(keys) + ")", unit.sum(axis=0)),
        (" + ".join(keys), unit.sum(axis=0)),
        (" - ".join(keys[:10_000]), unit[0] - unit[1:10_000].sum(axis=0)),
        ("avg(" + ", ".join(keys[:40_000]) + ")", unit[:40_000].mean(axis=0)),
        ("-" * 10_000 + "k3", unit[3]),
    ]:
        np.testing.assert_allclose(vector(big, parse(text, max_length=None)), want, rtol=1e-4, atol=1e-4)
    unknown = " + ".join(f"zz{i}" for i in range(100_000))
    with pytest.raises(UnknownKeyError, match=r"'zz0' not present .*; 99,999 more words are not present"):
        vector(big, parse(unknown, max_length=None))
    # 200,000-term sums took minutes when parsing and evaluating were quadratic
    assert time.perf_counter() - start < BOUND_SECONDS


def test_depth_limit_is_exact():
    ok = "(" * MAX_DEPTH + "king" + ")" * MAX_DEPTH
    assert parse(ok).words == ["king"]
    with pytest.raises(ExpressionError, match=f"at most {MAX_DEPTH} deep; this expression nests them 51") as info:
        parse("(" + ok + ")")
    assert info.value.position == MAX_DEPTH  # the first bracket beyond the limit
    assert len("k" * MAX_LENGTH) == MAX_LENGTH and parse("k" * MAX_LENGTH).words == ["k" * MAX_LENGTH]
