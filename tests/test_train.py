"""Training word2vec on a tiny corpus with a fixed seed; gensim itself is the oracle."""
from __future__ import annotations

import gzip

import numpy as np
import pytest

from embviz.errors import ParameterError
from embviz.progress import Recorder
from embviz.train import (
    TrainedEmbeddings,
    analogy_accuracy,
    analogy_answers,
    learning_trajectory,
    snapshot_accuracy,
    train_word2vec,
)

SMALL = dict(dims=12, window=3, min_count=2, epochs=3, workers=1, seed=7)


def _corpus(n_sentences: int = 400, seed: int = 0) -> list[list[str]]:
    """Sentences from a tiny grammar: royals rule places, animals eat food (two topics)."""
    rng = np.random.default_rng(seed)
    topics = [
        (["king", "queen", "prince", "princess"], ["rules", "governs"], ["kingdom", "land", "realm"]),
        (["cat", "dog", "horse", "cow"], ["eats", "chews"], ["grass", "meat", "hay"]),
    ]
    out = []
    for _ in range(n_sentences):
        subj, verb, obj = topics[rng.integers(2)]
        out.append(["the", str(rng.choice(subj)), str(rng.choice(verb)), "the", str(rng.choice(obj))])
    return out


@pytest.fixture(scope="module")
def sentences():
    return _corpus()


@pytest.fixture(scope="module")
def trained(sentences):
    return train_word2vec(sentences, **SMALL)


def test_result_shape_history_and_metadata(trained):
    assert isinstance(trained, TrainedEmbeddings)
    assert len(trained) == 19 and trained.dim == 12
    assert len(trained.snapshots) == 4 and len(trained.loss) == 3 and len(trained.epoch_stats) == 3
    assert trained.snapshot_keys == trained.keys
    assert all(s.shape == (19, 12) for s in trained.snapshots)
    np.testing.assert_array_equal(trained.snapshots[-1], trained.vectors)
    assert all(np.isfinite(x) and x > 0 for x in trained.loss)
    assert [s["epoch"] for s in trained.epoch_stats] == [1, 2, 3]
    assert all(s["words_per_second"] > 0 for s in trained.epoch_stats)
    assert trained.epoch_stats[-1]["seconds_left"] == 0
    assert trained.metadata["count"].is_monotonic_decreasing and trained.keys[0] == "the"
    assert not trained.stopped and trained.corpus_stats["tokens"] == 2000


def test_snapshots_change_every_epoch(trained):
    for before, after in zip(trained.snapshots, trained.snapshots[1:]):
        assert not np.allclose(before, after)


def test_same_as_plain_gensim_with_the_same_settings(sentences, trained):
    from gensim.models import Word2Vec

    model = Word2Vec(sentences, vector_size=12, window=3, min_count=2, epochs=3, workers=1, seed=7,
                     sg=0, negative=5)
    assert list(model.wv.index_to_key) == trained.keys
    np.testing.assert_allclose(model.wv.vectors, trained.vectors, rtol=0, atol=1e-6)
    fresh = Word2Vec(vector_size=12, window=3, min_count=2, workers=1, seed=7)
    fresh.build_vocab(sentences)
    np.testing.assert_array_equal(fresh.wv.vectors, trained.snapshots[0])  # epoch 0 = random start


def test_fixed_seed_is_reproducible_and_seed_matters(sentences, trained):
    again = train_word2vec(sentences, **SMALL)
    np.testing.assert_array_equal(again.vectors, trained.vectors)
    other = train_word2vec(sentences, **{**SMALL, "seed": 8})
    assert not np.allclose(other.vectors, trained.vectors)


def test_learns_the_two_topics():
    emb = train_word2vec(_corpus(2000), **{**SMALL, "epochs": 30, "sg": True, "window": 2})
    royals, animals = ["king", "queen", "prince", "princess"], ["cat", "dog", "horse", "cow"]
    centred = emb.vectors - emb.vectors.mean(axis=0)  # remove the direction all words share
    unit = centred / np.linalg.norm(centred, axis=1, keepdims=True)
    sims = unit[emb.indices(royals + animals)] @ unit[emb.indices(royals + animals)].T
    within = (sims[:4, :4].sum() - 4 + sims[4:, 4:].sum() - 4) / 24
    across = sims[:4, 4:].mean()
    assert within > across + 0.5, (within, across)


def test_progress_reports_each_epoch_and_stop_keeps_what_was_learned(sentences):
    rec = Recorder(stop_after=5)  # 3 messages before training, then epochs 1 and 2
    emb = train_word2vec(sentences, progress=rec, **{**SMALL, "epochs": 6})
    assert emb.stopped and len(emb.loss) == 2 and len(emb.snapshots) == 3
    np.testing.assert_array_equal(emb.vectors, emb.snapshots[-1])
    epoch_messages = [m for _, _, m in rec.calls if m.startswith("epoch")]
    assert epoch_messages[0].startswith("epoch 1/6: loss") and "words/s" in epoch_messages[0]
    assert "s left" in epoch_messages[0]
    assert "2 epochs" in emb.name


def test_snapshots_can_be_capped_or_skipped(sentences):
    capped = train_word2vec(sentences, snapshot_words=5, **SMALL)
    assert capped.snapshot_keys == capped.keys[:5] and capped.snapshots[1].shape == (5, 12)
    none = train_word2vec(sentences, snapshots=False, **SMALL)
    assert none.snapshots == [] and len(none.loss) == 3


def test_text_files_and_uploads(tmp_path, sentences):
    text = "\n".join(" ".join(s).upper() + "." for s in sentences)
    path = tmp_path / "c.txt.gz"
    path.write_bytes(gzip.compress(text.encode()))
    from_file = train_word2vec(path, **SMALL)
    from_bytes = train_word2vec(text.encode(), **SMALL)
    assert from_file.keys == from_bytes.keys and "king" in from_file
    np.testing.assert_array_equal(from_file.vectors, from_bytes.vectors)
    kept = train_word2vec(text.encode(), **{**SMALL, "lowercase": False, "strip_punctuation": False})
    assert "KING" in kept and "KINGDOM." in kept


def test_too_small_or_bad_settings_say_what_is_wrong(sentences):
    with pytest.raises(ParameterError, match=r"at least 1,000 tokens.*Got '40 tokens in 8 lines'"):
        train_word2vec(["a b c d e"] * 8)
    with pytest.raises(ParameterError, match="'min_count'.*at least 10 distinct words.*Got 1000"):
        train_word2vec(sentences, min_count=1000)
    with pytest.raises(ParameterError, match=r"at least 10 distinct words.*Got '3 distinct"):
        train_word2vec(["a b c"] * 500)
    with pytest.raises(ParameterError, match="'dims'.*Got 1 instead"):
        train_word2vec(sentences, dims=1)
    with pytest.raises(ParameterError, match="'epochs'"):
        train_word2vec(sentences, epochs=0)


def test_trajectory_aligns_every_snapshot(trained):
    traj = learning_trajectory(trained, ["cow", "nope"], n=10)
    assert traj.keys[0] == "cow" and "nope" not in traj.keys and len(traj.keys) == 11
    assert len(traj.coords) == 4 and all(c.shape == (11, 2) and np.isfinite(c).all() for c in traj.coords)
    # Procrustes: a rotated, scaled copy of the final snapshot lands on the final layout
    rot = np.linalg.qr(np.random.default_rng(0).normal(size=(12, 12)))[0]
    trained2 = train_word2vec(_corpus(), **SMALL)
    trained2.snapshots = [3.0 * trained2.snapshots[-1] @ rot, trained2.snapshots[-1]]
    moved = learning_trajectory(trained2, n=10)
    np.testing.assert_allclose(moved.coords[0], moved.coords[1], atol=1e-4)


def test_analogy_accuracy_matches_gensim(demo):
    from gensim.test.utils import datapath

    sub = demo.subset(demo.keys[:3000])
    correct, sections = analogy_accuracy(sub.vectors, sub.keys)
    kv = sub.to_keyedvectors()
    score, details = kv.evaluate_word_analogies(datapath("questions-words.txt"), restrict_vocab=3000)
    n_gensim = sum(len(s["correct"]) + len(s["incorrect"]) for s in details if s["section"] != "Total accuracy")
    assert len(correct) == n_gensim and len(correct) > 100
    assert correct.mean() == score  # the benchmark's scorer (embviz.analogy_solver): gensim's answers
    assert len(sections) == len(correct)


def test_snapshot_accuracy_and_answers(trained, demo):
    acc = snapshot_accuracy(trained)
    assert list(acc["epoch"]) == [0, 1, 2, 3]
    top = analogy_answers(demo, "man", "king", "woman", topn=5)
    assert "queen" in [w for w, _ in top] and not {"man", "king", "woman"} & {w for w, _ in top}
