"""embviz.models: two tables compared word by word, against direct computations and oracles
(brute-force neighbour sets, scikit-learn's NearestNeighbors, scipy's orthogonal Procrustes,
embviz.evaluate on the shared words)."""
from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

import embviz
from embviz import Embeddings, ParameterError, UnknownKeyError
from embviz.models import (
    align_maps,
    analogy_both,
    compare_models,
    list_agreement,
    model_maps,
    same_questions,
    shared_vocabulary,
    top_rows,
)
from embviz.progress import Recorder


def _table(n=400, d=16, seed=0, prefix="w") -> Embeddings:
    rng = np.random.default_rng(seed)
    return Embeddings([f"{prefix}{i}" for i in range(n)], rng.normal(size=(n, d)), name=f"t{seed}")


def _isometric(emb: Embeddings, seed=1) -> Embeddings:
    """A random rotation (with a reflection) of every vector, rows in a random order."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(emb.dim, emb.dim)))
    q[:, 0] *= -1
    perm = rng.permutation(len(emb))
    return Embeddings([emb.keys[i] for i in perm], (emb.vectors.astype(np.float64) @ q)[perm], name="copy")


def _brute(emb: Embeddings, words: list[str], k: int, metric="cosine") -> list[list[str]]:
    """Each word's k nearest among ``words`` (itself excluded), from a full distance matrix."""
    x = emb.vectors[emb.indices(words)].astype(np.float64)
    if metric == "cosine":
        x = x / np.linalg.norm(x, axis=1, keepdims=True)
        d = -(x @ x.T)
    else:
        d = ((x[:, None, :] - x[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(d, np.inf)
    return [[words[j] for j in np.argsort(row, kind="stable")[:k]] for row in d]


def _footrule(la: list[str], lb: list[str]) -> float:
    k = len(la)
    ra = {w: i + 1 for i, w in enumerate(la)}
    rb = {w: i + 1 for i, w in enumerate(lb)}
    union = set(la) | set(lb)
    return sum(abs(ra.get(w, k + 1) - rb.get(w, k + 1)) for w in union) / len(union)


# -- neighbour overlap and rank change -----------------------------------------------------------
@pytest.mark.parametrize("metric", ["cosine", "euclidean"])
def test_overlap_and_rank_change_equal_a_brute_force_computation(metric):
    a = _table(300, 12, seed=0)
    rng = np.random.default_rng(5)
    keys = a.keys[50:] + [f"x{i}" for i in range(40)]   # 250 shared words, in another order in b
    rng.shuffle(keys)
    b = Embeddings(keys, rng.normal(size=(len(keys), 7)))  # other dimensions: nothing in common but words
    cmp = compare_models(a, b, k=8, metric=metric)
    shared = [w for w in a.keys if w in b]
    assert cmp.words == shared and cmp.n == 250 and cmp.alignment == "maps" and cmp.residual is None
    na, nb = _brute(a, shared, 8, metric), _brute(b, shared, 8, metric)
    t = cmp.table
    assert t["neighbors_a"].tolist() == na and t["neighbors_b"].tolist() == nb
    expected = [len(set(x) & set(y)) / 8 for x, y in zip(na, nb)]
    np.testing.assert_allclose(cmp.overlap, expected)
    np.testing.assert_allclose(cmp.rank_change, [_footrule(x, y) for x, y in zip(na, nb)])
    assert 0 < cmp.summary["mean_overlap"] < 0.5  # random tables: far from identical


def test_euclidean_neighbours_equal_scikit_learn():
    from sklearn.neighbors import NearestNeighbors

    a, b = _table(500, 10, seed=2), _table(500, 10, seed=3)
    cmp = compare_models(a, b, k=6, metric="euclidean")
    for emb, got in ((a, cmp.neighbors_a), (b, cmp.neighbors_b)):
        nn = NearestNeighbors(n_neighbors=7).fit(emb.vectors)
        idx = nn.kneighbors(emb.vectors, return_distance=False)[:, 1:]
        np.testing.assert_array_equal(np.sort(got, axis=1), np.sort(idx, axis=1))


def test_an_isometric_copy_scores_one_everywhere_and_no_rank_change():
    from scipy.linalg import orthogonal_procrustes

    a = _table(600, 24, seed=4)
    b = _isometric(a)
    cmp = compare_models(a, b, k=10)
    assert cmp.alignment == "original"
    assert (cmp.overlap == 1.0).all() and (cmp.rank_change == 0.0).all()
    assert cmp.summary["mean_overlap"] == 1.0 and cmp.summary["zero_overlap"] == 0.0
    assert cmp.residual < 1e-5 and np.allclose(cmp.aligned_cosine, 1.0, atol=1e-5)
    xa = a.unit_vectors.astype(np.float64)
    xb = b.unit_vectors[b.indices(a.keys)].astype(np.float64)
    r, _ = orthogonal_procrustes(xb, xa)
    np.testing.assert_allclose(cmp.rotation, r, atol=1e-4)
    assert cmp.most_changed(5)["overlap"].eq(1.0).all()


def test_the_bundled_table_against_its_isometric_copy(demo):
    table = demo.subset(demo.keys[:6_000])  # real neighbourhoods, near-ties included
    cmp = compare_models(table, _isometric(table), k=10)
    assert cmp.n == len(table) and (cmp.overlap == 1.0).all() and (cmp.rank_change == 0).all()


def test_a_noisy_copy_scores_lower_the_more_noise():
    a = _table(800, 32, seed=6)
    rng = np.random.default_rng(7)
    means, changes = [], []
    for noise in (0.0, 0.1, 0.2, 0.4, 0.8, 1.6):
        b = Embeddings(a.keys, a.vectors + noise * rng.normal(size=a.vectors.shape))
        cmp = compare_models(a, b, k=10)
        means.append(cmp.summary["mean_overlap"])
        changes.append(cmp.summary["mean_rank_change"])
    assert means[0] == 1.0 and all(x > y for x, y in pairwise(means)), means
    assert changes[0] == 0.0 and all(x < y for x, y in pairwise(changes)), changes
    assert means[-1] < 0.3


def test_list_agreement_and_top_rows():
    ov, rc = list_agreement(np.array([[1, 2, 3], [1, 2, 3], [4, 5, 6]]), np.array([[1, 2, 3], [3, 2, 1], [7, 8, 9]]))
    np.testing.assert_allclose(ov, [1, 1, 0])
    np.testing.assert_allclose(rc, [0, 4 / 3, 2.0])  # reversed: |1-3| + 0 + |3-1|; disjoint: (k+1)/2
    from embviz.neighbors import top_k

    rng = np.random.default_rng(8)
    for n, k in ((20_000, 10), (5_003, 7), (300, 50), (64, 9), (12, 11)):
        sims = rng.normal(size=(40, n)).astype(np.float32)
        want = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        np.testing.assert_array_equal(top_rows(sims, k), want)
    q = rng.normal(size=(50, 8)).astype(np.float32)
    idx, _ = top_k(q, q, 5, exclude=np.arange(50)[:, None])
    sims = (q / np.linalg.norm(q, axis=1, keepdims=True)) @ (q / np.linalg.norm(q, axis=1, keepdims=True)).T
    np.fill_diagonal(sims, -np.inf)
    np.testing.assert_array_equal(top_rows(sims, 5), idx)


# -- the shared vocabulary -------------------------------------------------------------------------
def test_case_rule_exact_and_lower():
    rng = np.random.default_rng(9)
    a = Embeddings(["Paris", "paris", "King", "queen", "Apple"], rng.normal(size=(5, 4)))
    b = Embeddings(["king", "QUEEN", "paris", "apple", "Queen"], rng.normal(size=(5, 4)))
    exact = shared_vocabulary(a, b, "exact")
    assert exact.words == ["paris"] and exact.merged_a == exact.merged_b == 0
    lower = shared_vocabulary(a, b, "lower")
    assert lower.words == ["paris", "king", "queen", "apple"]
    # the first key of a file that lower-cases to a word stands for it: 'Paris' (row 0), 'QUEEN' (row 1)
    assert lower.rows_a.tolist() == [0, 2, 3, 4] and lower.rows_b.tolist() == [2, 0, 1, 3]
    assert (lower.merged_a, lower.merged_b) == (1, 1)
    assert "lower-casing" in lower.rule and "first in the file" in lower.rule
    cmp = compare_models(a, b, k=2, case="lower")
    ta, tb = cmp.tables()
    assert ta.keys == tb.keys == ["paris", "king", "queen", "apple"]
    np.testing.assert_allclose(ta.vectors[0] / np.linalg.norm(ta.vectors[0]), a.unit_vectors[0], rtol=1e-6)
    with pytest.raises(ParameterError, match="'case' parameter of compare_models must be one of 'exact', 'lower'"):
        shared_vocabulary(a, b, "upper")


def test_too_few_shared_words_is_an_error_naming_the_counts():
    a, b = _table(30, 4, seed=1), _table(20, 4, seed=2, prefix="v")
    b = Embeddings(a.keys[:5] + b.keys[5:], b.vectors)
    with pytest.raises(ParameterError, match=r"'k' parameter of compare_models must be smaller than the number "
                                             r"of shared words \(5 shared of 30 words in a and 20 in b"):
        compare_models(a, b, k=5)
    assert compare_models(a, b, k=4).n == 5
    for bad in (0, 2.5, True):
        with pytest.raises(ParameterError, match="'k' parameter"):
            compare_models(a, b, k=bad)
    with pytest.raises(ParameterError, match="'b' parameter of compare_models must be an Embeddings"):
        compare_models(a, b.vectors)
    with pytest.raises(ParameterError, match="'metric'"):
        compare_models(a, b, k=2, metric="manhattan")


def test_zero_vectors_have_no_overlap_rather_than_a_made_up_one():
    a = _table(50, 6, seed=3)
    vectors = a.vectors.copy()
    vectors[7] = 0
    cmp = compare_models(a, Embeddings(a.keys, vectors), k=5)
    assert np.isnan(cmp.overlap[7]) and np.isnan(cmp.rank_change[7])
    assert cmp.summary["undefined"] == 1 and "zero vector" in cmp.summary_text()
    assert "w7" not in cmp.most_changed(100)["word"].tolist()


def test_progress_is_reported_and_a_stop_keeps_the_words_compared_so_far():
    a = _table(3_000, 8, seed=4)
    b = _table(3_000, 8, seed=5)
    rec = Recorder()
    full = compare_models(a, b, k=5, progress=rec)
    assert rec.calls[-1][:2] == (3_000, 3_000) and len(rec.calls) >= 2
    stopped = compare_models(a, b, k=5, progress=Recorder(stop_after=1))
    assert stopped.stopped and 0 < stopped.compared < 3_000 and stopped.n == 3_000
    assert len(stopped.table) == stopped.compared and "stopped" in stopped.summary_text()
    np.testing.assert_array_equal(stopped.overlap, full.overlap[: stopped.compared])


# -- maps --------------------------------------------------------------------------------------------
def test_align_maps_turns_a_rotated_scaled_map_back():
    rng = np.random.default_rng(10)
    m = rng.normal(size=(100, 2))
    turn = np.array([[0.0, -1.0], [1.0, 0.0]]) @ np.diag([1.0, -1.0])
    np.testing.assert_allclose(align_maps(m, 3 * m @ turn + 7), m, atol=1e-5)
    with pytest.raises(ParameterError, match="align"):
        align_maps(m, m[:50])


def test_model_maps_share_axes_when_the_spaces_align_and_turn_the_maps_otherwise():
    a = _table(400, 16, seed=11)
    same = model_maps(compare_models(a, _isometric(a)), "pca", n=200)
    assert "one PCA of both" in same.how and same.a.shape == same.b.shape == (200, 2)
    np.testing.assert_allclose(same.a, same.b, atol=1e-4)  # an isometric copy lands on the same points
    b = Embeddings(a.keys, a.vectors[:, :9])  # 9 of the 16 dimensions: no original-space alignment
    other = model_maps(compare_models(a, b), "pca", n=150)
    assert "B's map turned to face A's" in other.how and other.words == a.keys[:150]
    pa = embviz.project(a.subset(a.keys[:150]), "pca")
    pb = embviz.project(b.subset(a.keys[:150]), "pca")
    np.testing.assert_allclose(other.a, pa.coords)
    np.testing.assert_allclose(other.b, embviz.align(pa, pb).coords, atol=1e-5)


# -- the same questions to both ------------------------------------------------------------------------
def test_benchmarks_ask_both_models_the_same_questions(demo):
    from embviz.evaluate import evaluate_analogies, evaluate_similarity, read_analogies

    rng = np.random.default_rng(12)
    keep = np.sort(rng.choice(len(demo), 8_000, replace=False))
    b = Embeddings([demo.keys[i] for i in keep], demo.vectors[keep] + 0.3 * rng.normal(size=(len(keep), demo.dim)))
    cmp = compare_models(demo, b)
    sq = same_questions(cmp)
    shared = {w.upper() for w in cmp.words}
    q = read_analogies(embviz.evaluate.gensim_data_dir() / "questions-words.txt")
    asked = int(q[["a", "b", "c", "expected"]].apply(lambda c: c.str.upper().isin(shared)).all(axis=1).sum())
    top = sq.analogies.iloc[0]
    assert top["section"] == "all" and top["asked"] == asked == sq.report_a.total == sq.report_b.total
    direct = evaluate_analogies(demo.subset(cmp.words))
    assert top["correct_a"] == direct.correct and top["accuracy_a"] == pytest.approx(direct.accuracy)
    assert top["accuracy_b"] < top["accuracy_a"]  # noise costs accuracy
    assert sq.analogies["asked"].iloc[1:].sum() == asked
    sim = evaluate_similarity(b.subset(cmp.words)).table
    np.testing.assert_allclose(sq.similarity["spearman_b"], sim["spearman"])
    np.testing.assert_array_equal(sq.similarity["used"], sim["used"])


def test_a_typed_analogy_is_answered_by_both_from_the_shared_words(demo):
    b = _isometric(demo.subset(demo.keys[:5_000]))
    cmp = compare_models(demo, b)
    both = analogy_both(cmp, "king - man + woman", topn=5)
    t = both.table
    assert t["a"].tolist() == t["b"].tolist() and t["a"][0] == "queen"  # an isometric copy answers alike
    expect = embviz.analogy(demo.subset(cmp.words), "king - man + woman", topn=5)
    assert t["a"].tolist() == [w for w, _ in expect]
    rare = next(w for w in demo.keys[5_000:] if w.isalpha())
    with pytest.raises(UnknownKeyError, match=repr(rare)):
        analogy_both(cmp, f"king - man + {rare}")


def test_model_maps_lower_defaults_through_the_reducer_own_adapt():
    """A small set gets the method's own lowered defaults (Reducer.adapt), for any registered method."""
    from embviz.params import ParamSpec
    from embviz.reduce.base import REDUCERS, Fit, Reducer, register

    @register
    class Scaled(Reducer):
        name, label = "scaled", "Scaled"
        PARAMS = [ParamSpec("spread", "float", 5.0, low=0.1, high=10)]

        @classmethod
        def adapt(cls, params, n):
            return {"spread": 1.0, **params} if n < 100 else dict(params)

        def fit(self, x, dims, seed, params, progress):
            return Fit(np.ascontiguousarray(x[:, :dims] * params["spread"], dtype=np.float32))

    asked = []

    def project(emb, method, dims, **params):
        asked.append({k: v for k, v in params.items() if k != "seed"})
        return embviz.project(emb, method, dims, cache=False, **params)

    a = _table(200, 8, seed=3)
    cmp = compare_models(a, Embeddings(a.keys, a.vectors[:, :6]))
    try:
        small = model_maps(cmp, "scaled", n=50, project=project)
        model_maps(cmp, "scaled", n=50, project=project, spread=3.0)  # an explicit choice stays
        model_maps(cmp, "scaled", n=150, project=project)
        model_maps(cmp, "tsne", n=40, project=project)
    finally:
        REDUCERS.pop("scaled", None)
    assert [p.get("spread") for p in asked[:6]] == [1.0, 1.0, 3.0, 3.0, None, None]
    assert asked[6] == {"perplexity": 12.0}  # t-SNE's own rule: below (40 - 1) / 3
    np.testing.assert_allclose(np.abs(small.a), np.abs(cmp.tables()[0].take(np.arange(50)).vectors[:, :2]) /
                               np.linalg.norm(cmp.tables()[0].take(np.arange(50)).vectors, axis=1, keepdims=True),
                               atol=1e-5)  # the registered method's own fit drew the map
