"""The data model: validation, lookup, sub-setting, sampling, similarity, identity."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from embviz import EmbeddingFormatError, Embeddings, ParameterError, UnknownKeyError


def small() -> Embeddings:
    vecs = np.array([[1, 0, 0], [0.9, 0.1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 0]], dtype=np.float64)
    meta = pd.DataFrame({"kind": ["a", "a", "b", "c", "c"]})
    return Embeddings(["king", "queen", "apple", "car", "zero"], vecs, meta, name="small")


def test_construction_normalises_types():
    emb = small()
    assert emb.vectors.dtype == np.float32 and emb.vectors.flags.c_contiguous
    assert emb.keys == ["king", "queen", "apple", "car", "zero"]
    assert len(emb) == 5 and emb.dim == 3 and emb.shape == (5, 3)
    assert list(emb.metadata.columns) == ["kind"] and len(emb.metadata) == 5
    assert "king" in emb and "kingg" not in emb
    np.testing.assert_array_equal(emb["queen"], np.array([0.9, 0.1, 0], dtype=np.float32))


def test_metadata_defaults_to_empty_frame_with_one_row_per_key():
    emb = Embeddings(["x", "y"], [[1, 2], [3, 4]])
    assert emb.metadata.shape == (2, 0)


def test_non_string_keys_become_strings():
    emb = Embeddings([1, 2], [[1, 2], [3, 4]])
    assert emb.keys == ["1", "2"]


@pytest.mark.parametrize(
    "keys, vectors, meta, match",
    [
        (["a", "b", "a"], np.eye(3), None, r"duplicate keys: 'a' \(rows 1 and 3\)"),
        (["a", "b"], np.eye(3), None, "2 keys for 3 vectors"),
        (["a", "b"], [[1, 2], [3]], None, "not a rectangular numeric array"),
        (["a", "b"], [[1, np.nan], [3, 4]], None, "row 1 contains NaN or infinity"),
        (["a", "b"], [[1, 2], [np.inf, 4]], None, "row 2 contains NaN or infinity"),
        (["a"], [1, 2, 3], None, r"2-D array .* got shape \(3,\)"),
        (["a", "b"], [["x", "y"], ["z", "w"]], None, "must be numeric"),
        (["a", "b"], np.eye(2), pd.DataFrame({"c": [1, 2, 3]}), "metadata has 3 rows but there are 2 vectors"),
    ],
)
def test_invalid_construction_is_refused(keys, vectors, meta, match):
    with pytest.raises(EmbeddingFormatError, match=match):
        Embeddings(keys, vectors, meta)


def test_unknown_key_suggests_close_keys():
    emb = small()
    with pytest.raises(UnknownKeyError, match=r"Key 'kingg' not present; did you mean 'king'") as info:
        emb["kingg"]
    assert isinstance(info.value, KeyError)
    assert info.value.suggestions[0] == "king"
    with pytest.raises(UnknownKeyError, match="did you mean 'queen'"):
        emb.index("Queen")


def test_unit_vectors_are_lazy_normalised_and_keep_zero_rows():
    emb = small()
    unit = emb.unit_vectors
    assert unit is emb.unit_vectors  # computed once
    norms = np.linalg.norm(unit, axis=1)
    np.testing.assert_allclose(norms[:4], 1.0, rtol=1e-6)
    assert norms[4] == 0.0 and not np.isnan(unit).any()
    with pytest.raises(ValueError):
        unit[0, 0] = 5.0  # read-only: shared state cannot be corrupted


def test_subset_by_keys_mask_and_indices_keeps_metadata_aligned():
    emb = small()
    by_keys = emb.subset(["car", "king"])
    assert by_keys.keys == ["car", "king"]
    assert by_keys.metadata["kind"].tolist() == ["c", "a"]
    np.testing.assert_array_equal(by_keys["car"], emb["car"])
    by_mask = emb.subset(mask=emb.metadata["kind"].eq("a").to_numpy())
    assert by_mask.keys == ["king", "queen"]
    assert emb.subset(indices=[4, 0]).keys == ["zero", "king"]
    assert by_keys.name == "small" and len(emb) == 5  # original untouched


def test_subset_errors_name_the_problem():
    emb = small()
    with pytest.raises(ParameterError, match="exactly one of them"):
        emb.subset(["king"], mask=[True] * 5)
    with pytest.raises(ParameterError, match="boolean array of length 5"):
        emb.subset(mask=[True, False])
    with pytest.raises(ParameterError, match=r"in \[0, 5\)"):
        emb.subset(indices=[7])
    with pytest.raises(UnknownKeyError, match="'nope'"):
        emb.subset(["nope"])


def test_sampling_methods(blobs):
    top = blobs.sample(10, method="top")
    assert top.keys == blobs.keys[:10]
    rand = blobs.sample(50, seed=1)
    assert len(rand) == 50 and rand.keys == blobs.sample(50, seed=1).keys
    assert rand.keys != blobs.sample(50, seed=2).keys
    assert set(rand.keys) <= set(blobs.keys)
    strat = blobs.sample(30, method="stratified", by="group")
    assert strat.metadata["group"].value_counts().to_dict() == {"g0": 10, "g1": 10, "g2": 10}
    assert blobs.sample(10_000) is blobs


def test_top_sample_is_the_frequency_order_of_a_rank_or_zipf_column():
    """"top" is the most frequent words: by ``zipf`` (higher first), else ``rank`` (lower first),
    else the file's order; a kept word takes the place of the least frequent drawn."""
    rng = np.random.default_rng(3)
    keys = [f"w{i}" for i in range(40)]
    rank = rng.permutation(40) + 1
    emb = Embeddings(keys, rng.normal(size=(40, 3)), pd.DataFrame({"rank": rank}))
    expect = [keys[i] for i in np.argsort(rank)[:5]]
    assert emb.sample(5, method="top").keys == expect
    kept = emb.sample(5, method="top", keep=[keys[int(np.argmax(rank))]])
    assert set(kept.keys) == set(expect[:4]) | {keys[int(np.argmax(rank))]}
    zipf = emb.with_metadata(pd.DataFrame({"zipf": rank.astype(float), "rank": rank}))
    assert zipf.sample(3, method="top").keys == [keys[i] for i in np.argsort(-rank)[:3]]  # zipf wins
    partial = emb.with_metadata(pd.DataFrame({"rank": [np.nan] + list(rank[1:])}))
    assert partial.sample(3, method="top").keys == keys[:3]  # a column with gaps is not an order


def test_stratified_sampling_keeps_shares_of_unequal_groups():
    meta = pd.DataFrame({"g": ["a"] * 70 + ["b"] * 20 + ["c"] * 10})
    emb = Embeddings([str(i) for i in range(100)], np.random.default_rng(0).normal(size=(100, 4)), meta)
    counts = emb.sample(20, method="stratified", by="g").metadata["g"].value_counts().to_dict()
    assert counts == {"a": 14, "b": 4, "c": 2}


@pytest.mark.parametrize("method", ["random", "top", "stratified"])
def test_sampling_keeps_the_given_keys_for_every_method(blobs, method):
    by = "group" if method == "stratified" else None
    plain = blobs.sample(30, method=method, by=by, seed=3)
    wanted = [k for k in blobs.keys[::-1] if k not in plain.keys][:4]  # keys the plain sample lacks
    kept = blobs.sample(30, method=method, by=by, seed=3, keep=wanted)
    assert set(wanted) <= set(kept.keys) and len(kept) == 30
    assert kept.keys == [k for k in blobs.keys if k in set(kept.keys)]  # file order, no repeats
    # the kept keys replace rows, the rest of the sample stays what it was
    assert len(set(kept.keys) & set(plain.keys)) >= 30 - len(wanted) - (2 if method == "stratified" else 0)
    np.testing.assert_array_equal(kept.vectors, blobs.vectors[blobs.indices(kept.keys)])
    if method == "stratified":  # shares still hold: 10 ± 2 per group of 100
        counts = kept.metadata["group"].value_counts()
        assert counts.sum() == 30 and counts.between(8, 12).all()
    # a key already in the sample changes nothing; one key as a string works too
    assert blobs.sample(30, method=method, by=by, seed=3, keep=plain.keys[:2]).keys == plain.keys
    assert wanted[0] in blobs.sample(30, method=method, by=by, seed=3, keep=wanted[0]).keys


def test_sampling_keep_more_than_n_and_unknown_keys(blobs):
    assert blobs.sample(3, keep=blobs.keys[:5]).keys == blobs.keys[:5]
    assert blobs.sample(10_000, keep=["w1"]) is blobs
    with pytest.raises(UnknownKeyError, match="'nope'"):
        blobs.sample(10, keep=["w1", "nope"])


def test_sampling_errors(blobs):
    with pytest.raises(ParameterError, match="'method' parameter of sample must be one of"):
        blobs.sample(5, method="best")
    with pytest.raises(ParameterError, match="'by' parameter of sample must be a metadata column"):
        blobs.sample(5, method="stratified", by="nope")
    with pytest.raises(ParameterError, match="positive integer"):
        blobs.sample(0)


def test_most_similar_matches_brute_force(blobs):
    query = blobs.keys[7]
    got = blobs.most_similar(query, topn=5)
    unit = blobs.vectors / np.linalg.norm(blobs.vectors, axis=1, keepdims=True)
    sims = unit @ unit[7]
    sims[7] = -np.inf
    order = np.argsort(-sims)[:5]
    assert [k for k, _ in got] == [blobs.keys[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], sims[order], rtol=1e-5)


def test_most_similar_euclidean_returns_distances_ascending(blobs):
    got = blobs.most_similar(blobs.keys[0], topn=4, metric="euclidean")
    d = np.linalg.norm(blobs.vectors - blobs.vectors[0], axis=1)
    d[0] = np.inf
    order = np.argsort(d)[:4]
    assert [k for k, _ in got] == [blobs.keys[i] for i in order]
    np.testing.assert_allclose([s for _, s in got], d[order], rtol=1e-4)


def test_most_similar_query_forms_and_exclusions():
    emb = small()
    assert emb.most_similar("king", topn=1)[0][0] == "queen"
    assert emb.most_similar("king", topn=1, exclude=["queen"])[0][0] != "queen"
    assert emb.most_similar(np.array([0, 1, 0.1]), topn=1)[0][0] == "apple"
    pair = emb.most_similar(["king", "queen"], topn=2)
    assert {k for k, _ in pair}.isdisjoint({"king", "queen"})
    with pytest.raises(ParameterError, match="non-zero vector"):
        emb.most_similar("zero")
    with pytest.raises(ParameterError, match="'metric' parameter of most_similar"):
        emb.most_similar("king", metric="manhattan")


def test_fingerprint_depends_on_content_only():
    a, b = small(), small()
    assert a.fingerprint() == b.fingerprint()
    c = Embeddings(a.keys, a.vectors + np.float32(1e-3), name="other")
    assert c.fingerprint() != a.fingerprint()
    d = Embeddings(["queen", "king", "apple", "car", "zero"], a.vectors)
    assert d.fingerprint() != a.fingerprint()


def test_duplicate_and_zero_vectors_are_reported():
    emb = Embeddings(["a", "b", "c", "d"], [[1, 2], [3, 4], [1, 2], [0, 0]])
    assert emb.duplicate_vectors() == [["a", "c"]]
    assert emb.zero_vectors() == ["d"]


def test_gensim_round_trip():
    pytest.importorskip("gensim")
    emb = small()
    kv = emb.to_keyedvectors()
    assert list(kv.index_to_key) == emb.keys
    back = Embeddings.from_keyedvectors(kv)
    np.testing.assert_array_equal(back.vectors, emb.vectors)
    # gensim's own neighbour ranking agrees with ours
    assert kv.most_similar("king", topn=1)[0][0] == emb.most_similar("king", topn=1)[0][0]
