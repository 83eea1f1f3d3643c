"""The expression language: parsing, errors with positions, and vectors (gensim's convention)."""

from __future__ import annotations

import numpy as np
import pytest

from embviz import Embeddings, ExpressionError, UnknownKeyError
from embviz.expressions import check_nonzero, parse, tokenize, vector


@pytest.fixture
def small() -> Embeddings:
    rng = np.random.default_rng(3)
    keys = ["king", "kings", "man", "woman", "queen", "new york", "e-mail", "1990", "don't"]
    return Embeddings(keys, rng.normal(size=(len(keys), 8)) * rng.uniform(0.5, 3, size=(len(keys), 1)))


def unit(emb, key):
    v = emb[key].astype(np.float64)
    return v / np.linalg.norm(v)


@pytest.mark.parametrize(
    "text, terms",
    [
        ("king - man + woman", {"king": 1, "man": -1, "woman": 1}),
        ("a - b - c", {"a": 1, "b": -1, "c": -1}),
        ("a - (b - c)", {"a": 1, "b": -1, "c": 1}),
        ("0.5*big + 0.5*large", {"big": 0.5, "large": 0.5}),
        ("big * 2 / 4", {"big": 0.5}),
        ("-(a - b) * 2", {"a": -2, "b": 2}),
        ("avg(a, b, c)", {"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}),
        ("sum(a, a) - a", {"a": 1}),
        ('"new york" - usa', {"new york": 1, "usa": -1}),
        ("'e-mail' + x", {"e-mail": 1, "x": 1}),
        ("3d + 1e3 * x", {"3d": 1, "x": 1000}),
        ("don't - do", {"don't": 1, "do": -1}),
        ("königin - frau", {"königin": 1, "frau": -1}),
    ],
)
def test_parse_terms(text, terms):
    got = parse(text).terms()
    assert got.keys() == terms.keys()
    for k, v in terms.items():
        assert got[k] == pytest.approx(v)


def test_canonical_text_round_trips():
    for text in ["king - man + woman", "a - (b - c)", "-(a - b) * 2", "avg(a, b) / 2", '"new york" - x']:
        expr = parse(text)
        assert parse(str(expr)).terms() == expr.terms()
        assert parse(str(expr)).root == expr.root


def test_analogy_form():
    e = parse("man : king :: woman : ?")
    assert e.analogy == ("man", "king", "woman") and e.expected is None
    assert e.terms() == {"king": 1.0, "man": -1.0, "woman": 1.0}
    e = parse("man:king::woman:queen")
    assert e.expected == "queen" and e.words == ["king", "man", "woman"]


def test_tokens_keep_positions():
    toks = tokenize('king -  "new york"')
    assert [(t.kind, t.text, t.pos) for t in toks] == [
        ("word", "king", 0),
        ("op", "-", 5),
        ("str", "new york", 8),
        ("end", "", 18),
    ]


@pytest.mark.parametrize(
    "text, position, match",
    [
        ("", None, "empty"),
        ("   ", None, "empty"),
        ("king -", 6, r'after "-", found the end'),
        ("king + * man", 7, r'after "\+", found "\*"'),
        ("foo(king)", 0, r'unknown function "foo" \(known: avg'),
        ("avgg(a, b)", 0, r"did you mean avg"),
        ("(king - man", 11, r'expected "\)" to close the "\(" at position 1'),
        ("king)", 4, r'unexpected "\)" without an opening'),
        ("king man", 5, r"operator .* between words"),
        ('"king - man', 0, "never closed"),
        ("2 + 3", 0, "no words"),
        ("a : b", 5, '"::"'),
        ("a : b :: c : ? d", 15, "after the a : b :: c"),
        ("unit(a, b)", 0, "exactly one argument"),
        ("avg()", 4, "at least one argument"),
    ],
)
def test_parse_errors_name_position(text, position, match):
    with pytest.raises(ExpressionError, match=match) as info:
        parse(text)
    assert info.value.position == position
    if position is not None:  # the caret points at the problem
        assert str(info.value).splitlines()[-1] == "  " + " " * position + "^"


def test_parse_rejects_non_text():
    with pytest.raises(ExpressionError, match="must be text"):
        parse(42)


def test_vector_is_combination_of_unit_vectors(small):
    got = vector(small, "king - man + woman")
    want = unit(small, "king") - unit(small, "man") + unit(small, "woman")
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        vector(small, "avg(king, queen)"), (unit(small, "king") + unit(small, "queen")) / 2, atol=1e-6
    )
    np.testing.assert_allclose(
        vector(small, "unit(king - man)"),
        (w := unit(small, "king") - unit(small, "man")) / np.linalg.norm(w),
        atol=1e-6,
    )
    np.testing.assert_allclose(
        vector(small, "\"new york\" - 'e-mail'"), unit(small, "new york") - unit(small, "e-mail"), atol=1e-6
    )
    # a number that is also a key is the key where a vector is needed
    np.testing.assert_allclose(
        vector(small, "1990 - man"), unit(small, "1990") - unit(small, "man"), atol=1e-6
    )


def test_vector_agrees_with_gensim_most_similar(small):
    kv = small.to_keyedvectors()
    q = vector(small, "king - man + woman")
    sims = small.unit_vectors @ (q / np.linalg.norm(q))
    order = [small.keys[i] for i in np.argsort(-sims) if small.keys[i] not in ("king", "man", "woman")]
    want = [k for k, _ in kv.most_similar(positive=["king", "woman"], negative=["man"], topn=3)]
    assert order[:3] == want


def test_unknown_word_suggests_and_names_position(small):
    with pytest.raises(
        UnknownKeyError, match=r"'kingg' not present; did you mean 'king', 'kings'\? \(at position 9 of"
    ) as info:
        vector(small, "woman + kingg")
    assert info.value.position == 8 and isinstance(info.value, KeyError)


@pytest.mark.parametrize(
    "text, match",
    [
        ("man * woman", "two vectors cannot be multiplied"),
        ("man / woman", "cannot divide by a vector"),
        ("man / 0", "division by zero"),
        ("man + 2", "is a number where a word"),
        ("unit(man - man)", "zero vector"),
    ],
)
def test_vector_type_errors(small, text, match):
    with pytest.raises(ExpressionError, match=match):
        vector(small, text)


def test_zero_vector_is_reported(small):
    v = vector(small, "king - king")
    assert not v.any()
    with pytest.raises(ExpressionError, match="'king - king' is a zero vector"):
        check_nonzero(v, "king - king")
