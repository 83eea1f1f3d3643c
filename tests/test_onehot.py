"""The one-hot story: the lookup identity, memory, orthogonality and transfer, with real numbers."""
from __future__ import annotations

import numpy as np
import pytest

from embviz import Embeddings
from embviz.errors import ParameterError, UnknownKeyError
from embviz.onehot import lookup_identity, memory_comparison, one_hot, similarity_histograms, transfer_table


@pytest.mark.parametrize("word", ["the", "king", "zebra"])
def test_one_hot_times_w_is_the_row_exactly(demo, word):
    r = lookup_identity(demo, word)
    assert r["equal"] and r["max_abs_difference"] == 0.0
    assert r["nonzero"] == 1 and r["one_hot"].shape == (len(demo),) and r["one_hot"][r["index"]] == 1
    assert r["product"].shape == (demo.dim,) and r["vocab_size"] == 20_000 and r["dims"] == 128
    np.testing.assert_array_equal(r["product"], demo[word])
    # and it is a real product: W with that row changed gives the changed row
    other = Embeddings(demo.keys[:50], demo.vectors[:50] * 2)
    assert not np.array_equal(one_hot(other, demo.keys[3]) @ other.vectors, demo.vectors[3])


def test_unknown_word_suggests(demo):
    with pytest.raises(UnknownKeyError, match="kingg.*'king'"):
        lookup_identity(demo, "kingg")


def test_memory_numbers():
    df = memory_comparison(10_000, 300).set_index("representation")
    assert df.loc["one-hot, dense", "bytes"] == 10_000 * 10_000 * 4
    assert df.loc["dense embeddings", "bytes"] == 10_000 * 300 * 4
    assert df.loc["one-hot, sparse (CSR)", "bytes"] == 10_000 * 8 + 10_001 * 4
    assert df.loc["one-hot, dense", "size"] == "400.0 MB"
    assert df.loc["one-hot, dense", "× dense embeddings"] == pytest.approx(10_000 / 300)
    # the same figure scipy reports for a real sparse one-hot matrix
    from scipy import sparse

    eye = sparse.identity(1000, dtype=np.float32, format="csr")
    real = eye.data.nbytes + eye.indices.astype(np.int32).nbytes + eye.indptr.astype(np.int32).nbytes
    assert memory_comparison(1000, 8).set_index("representation").loc["one-hot, sparse (CSR)", "bytes"] == real
    with pytest.raises(ParameterError, match="'dims'.*positive integer"):
        memory_comparison(10, 0)


def test_similarity_histograms(demo):
    from sklearn.metrics.pairwise import cosine_similarity

    onehot, dense = similarity_histograms(demo, n=200, seed=3)
    assert onehot.shape == dense.shape == (200 * 199 // 2,)
    assert np.all(onehot == 0)
    rng = np.random.default_rng(3)
    idx = np.sort(rng.choice(len(demo), size=200, replace=False))
    oracle = cosine_similarity(demo.vectors[idx])[np.triu_indices(200, 1)]
    np.testing.assert_allclose(dense, oracle, atol=1e-5)
    assert dense.std() > 0.05  # graded, not all equal
    again, _ = similarity_histograms(demo, n=200, seed=3)
    np.testing.assert_array_equal(again, onehot)
    with pytest.raises(ParameterError, match="'n'"):
        similarity_histograms(demo, n=1)


def test_transfer_table_same_questions_for_both(demo):
    small = demo.subset(demo.keys[:4000])
    noisy = Embeddings(small.keys, small.vectors + np.random.default_rng(0).normal(
        scale=0.2, size=small.vectors.shape))
    table = transfer_table(demo, noisy)
    assert list(table.columns) == ["section", "questions", "pretrained", "trained"]
    assert table.iloc[-1]["section"] == "all" and table.attrs["shared_vocabulary"] == 4000
    assert table.iloc[-1]["questions"] == table.iloc[:-1]["questions"].sum() > 100
    assert table.iloc[-1]["pretrained"] > table.iloc[-1]["trained"]  # noise hurts
    small = small.subset(small.keys[:2000])
    same = transfer_table(demo, small)
    np.testing.assert_array_equal(same["pretrained"], same["trained"])
    # oracle: gensim on the shared words gives the pretrained column's overall accuracy
    from gensim.test.utils import datapath

    score, _ = small.to_keyedvectors().evaluate_word_analogies(datapath("questions-words.txt"),
                                                               restrict_vocab=2000)
    assert same.iloc[-1]["pretrained"] == pytest.approx(score, abs=2 / same.iloc[-1]["questions"])
    with pytest.raises(ParameterError, match="sharing at least 4 words"):
        transfer_table(demo, Embeddings(["zzqx", "qqzx"], [[1, 0], [0, 1]]))
