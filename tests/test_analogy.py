"""Analogy solvers against gensim's most_similar / most_similar_cosmul, and on the demo table."""

from __future__ import annotations

import numpy as np
import pytest

from embviz import Embeddings, ExpressionError, ParameterError, UnknownKeyError, analogy
from embviz.analogies import solve


@pytest.fixture(scope="module")
def rand() -> Embeddings:
    rng = np.random.default_rng(11)
    keys = [f"w{i}" for i in range(400)]
    return Embeddings(keys, rng.normal(size=(400, 24)))


@pytest.fixture(scope="module")
def kv(rand):
    return rand.to_keyedvectors()


TRIPLES = [("w1", "w2", "w3"), ("w10", "w20", "w30"), ("w5", "w399", "w42"), ("w7", "w8", "w9")]


@pytest.mark.parametrize("a, b, c", TRIPLES)
def test_3cosadd_equals_gensim_most_similar(rand, kv, a, b, c):
    got = analogy(rand, f"{b} - {a} + {c}", topn=10)
    want = kv.most_similar(positive=[b, c], negative=[a], topn=10)
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], atol=1e-5)


@pytest.mark.parametrize("a, b, c", TRIPLES)
def test_3cosmul_equals_gensim_cosmul(rand, kv, a, b, c):
    # gensim uses eps = 1e-6 where Levy & Goldberg use 1e-3; with the same eps the values agree
    got = solve(rand, (a, b, c), topn=10, method="3cosmul", eps=1e-6).results
    want = kv.most_similar_cosmul(positive=[b, c], negative=[a], topn=10)
    assert [k for k, _ in got] == [k for k, _ in want]
    np.testing.assert_allclose([s for _, s in got], [s for _, s in want], rtol=1e-4)


def test_forms_agree(rand):
    expr = analogy(rand, "w2 - w1 + w3", topn=5)
    assert analogy(rand, "w1 : w2 :: w3 : ?", topn=5) == expr
    assert analogy(rand, ("w1", "w2", "w3"), topn=5) == expr


def test_inputs_excluded_unless_asked(rand):
    inputs = {"w1", "w2", "w3"}
    assert not inputs & {k for k, _ in analogy(rand, "w2 - w1 + w3", topn=50)}
    shown = analogy(rand, "w2 - w1 + w3", topn=len(rand), exclude_inputs=False)
    assert inputs <= {k for k, _ in shown}
    scores = [s for _, s in shown]
    assert scores == sorted(scores, reverse=True)


def test_weighted_expression_scores_are_cosines(rand):
    q = 0.5 * rand.unit_vectors[rand.index("w1")] + 2 * rand.unit_vectors[rand.index("w2")]
    sims = rand.unit_vectors @ (q / np.linalg.norm(q))
    ((key, score),) = analogy(rand, "0.5*w1 + w2*2", topn=1)
    best = max((i for i in range(len(rand)) if rand.keys[i] not in ("w1", "w2")), key=lambda i: sims[i])
    assert key == rand.keys[best] and score == pytest.approx(sims[best], abs=1e-6)


def test_expected_rank(rand):
    first = analogy(rand, "w2 - w1 + w3", topn=3)
    r = solve(rand, "w1 : w2 :: w3 : " + first[2][0])
    assert r.expected_rank == 3 and r.expected_score == pytest.approx(first[2][1])


def test_bad_input(rand):
    with pytest.raises(ExpressionError, match="zero vector"):
        analogy(rand, "w1 - w1")
    with pytest.raises(UnknownKeyError, match="'w1x' not present; did you mean"):
        analogy(rand, "w1x - w2 + w3")
    with pytest.raises(
        ParameterError, match="'method' parameter of analogy must be one of '3cosadd', '3cosmul'"
    ):
        analogy(rand, "w1 - w2 + w3", method="3cosdiv")
    with pytest.raises(ParameterError, match="'topn'"):
        analogy(rand, "w1 - w2 + w3", topn=0)
    with pytest.raises(ParameterError, match="triple"):
        analogy(rand, ("w1", "w2"))
    with pytest.raises(ExpressionError, match="3CosMul needs words added and subtracted"):
        analogy(rand, "unit(w1 - w2) + w3", method="3cosmul")
    with pytest.raises(ExpressionError, match="empty"):
        analogy(rand, " ")


def test_king_queen_on_demo(demo):
    assert analogy(demo, "king - man + woman")[0][0] == "queen"
    assert analogy(demo, "man : king :: woman : ?", method="3cosmul")[0][0] == "queen"
    # with the inputs shown, king itself wins: why the inputs are excluded by default
    assert analogy(demo, "king - man + woman", exclude_inputs=False)[0][0] == "king"


def test_readme_example_prints_what_the_readme_says(demo):
    """The package example in README.md shows the real answer and score (a prefix of its digits)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    m = re.search(r'embviz\.analogy\(emb, "([^"]+)"\)\[0\]\s+# \(\'(\w+)\', ([0-9.]+)\.\.\.\)', readme)
    assert m, "the README's analogy example line is missing"
    word, score = analogy(demo, m.group(1))[0]
    assert word == m.group(2) and f"{score:.10f}".startswith(m.group(3)), (word, score, m.groups())
