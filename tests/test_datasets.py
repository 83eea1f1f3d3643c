"""The shipped data: the MiniLM word table, the training corpus, and how embviz opens them."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from embviz import datasets
from embviz.errors import EmbeddingFormatError

POS_VALUES = {"noun", "verb", "adjective", "adverb", "other"}
LEXNAME_PREFIX = {"noun": "noun.", "verb": "verb.", "adjective": "adj.", "adverb": "adv."}
COLOURS = {"blue", "green", "yellow", "orange", "pink", "purple", "black", "white", "brown", "grey",
           "gray", "violet", "crimson", "scarlet"}


def neighbours(emb, word: str, k: int = 10) -> list[str]:
    """The ``k`` nearest keys by cosine, computed with numpy alone (the word itself excluded)."""
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    scores = unit @ unit[emb.keys.index(word)]
    order = np.argsort(-scores)
    return [emb.keys[i] for i in order if emb.keys[i] != word][:k]


def analogy_rank(emb, a: str, b: str, c: str, target: str) -> int:
    """Rank of ``target`` for a : b :: c : ? by 3CosAdd over unit vectors, inputs excluded."""
    unit = emb.vectors / np.linalg.norm(emb.vectors, axis=1, keepdims=True)
    row = {w: i for i, w in enumerate(emb.keys)}
    scores = unit @ (unit[row[b]] - unit[row[a]] + unit[row[c]])
    scores[[row[a], row[b], row[c]]] = -np.inf
    return int((scores > scores[row[target]]).sum()) + 1


# --------------------------------------------------------------------------- the demo table
def test_demo_table_has_20000_unique_lowercase_words_in_128_dims(demo):
    assert len(demo) == 20_000
    assert len(set(demo.keys)) == len(demo)
    assert demo.dim == 128
    assert demo.vectors.dtype == np.float32
    assert all(re.fullmatch(r"[a-z]+", k) for k in demo.keys)


def test_demo_vectors_are_unit_length_within_float16_precision(demo):
    norms = np.linalg.norm(demo.vectors, axis=1)
    np.testing.assert_allclose(norms, 1.0, atol=1e-3)


def test_demo_is_cached_and_read_only(demo):
    assert datasets.demo() is demo
    with pytest.raises(ValueError, match="read-only"):
        demo.vectors[0, 0] = 0.5


def test_demo_metadata_columns_describe_every_row(demo):
    meta = demo.metadata
    assert {"rank", "zipf", "pos", "lexname"} <= set(meta.columns)
    assert len(meta) == len(demo)
    np.testing.assert_array_equal(meta["rank"].to_numpy(), np.arange(1, len(demo) + 1))
    zipf = meta["zipf"].to_numpy()
    assert np.all(np.diff(zipf) <= 0), "rows are ordered by frequency, so zipf never increases"
    assert 2.0 < zipf[-1] < zipf[0] < 8.5
    assert set(meta["pos"]) <= POS_VALUES
    assert {"noun", "verb", "adjective", "adverb", "other"} == set(meta["pos"])


def test_lexname_agrees_with_part_of_speech(demo):
    for pos, lexname in zip(demo.metadata["pos"], demo.metadata["lexname"]):
        if pos == "other":
            assert lexname == "other"
        else:
            assert lexname.startswith(LEXNAME_PREFIX[pos]), (pos, lexname)


@pytest.mark.parametrize("word, pos, lexname", [
    ("dog", "noun", "noun.animal"),
    ("apple", "noun", "noun.food"),
    ("quickly", "adverb", "adv.all"),
    ("the", "other", "other"),
    ("children", "noun", "noun.person"),  # an inflection resolved through WordNet's exceptions
    ("james", "noun", "noun.person"),  # a name, not "jam" + "-es"
    ("thomas", "noun", "noun.person"),
    ("bees", "noun", "noun.animal"),  # not "be" + "-es"
    ("pushes", "verb", "verb.motion"),  # a bare "-es" after a sibilant still detaches
    ("makes", "verb", "verb.social"),  # and "-es" -> "-e"
])
def test_wordnet_categories_of_familiar_words(demo, word, pos, lexname):
    row = demo.metadata.iloc[demo.index(word)]
    assert (row["pos"], row["lexname"]) == (pos, lexname)


def test_most_frequent_words_come_first(demo):
    assert demo.keys.index("the") < 5
    assert demo.keys.index("house") < demo.keys.index("bungalow")


def test_king_minus_man_plus_woman_is_queen(demo):
    assert analogy_rank(demo, "man", "king", "woman", "queen") == 1


def test_another_analogy_lands_near_the_top(demo):
    assert analogy_rank(demo, "france", "paris", "italy", "rome") <= 3


@pytest.mark.parametrize("word, expected, at_least", [
    ("red", COLOURS, 2),
    ("seven", {"one", "two", "three", "four", "five", "six", "eight", "nine", "ten"}, 2),
    ("paris", {"london", "france", "french", "rome", "berlin"}, 1),
])
def test_sanity_neighbours(demo, word, expected, at_least):
    found = set(neighbours(demo, word)) & expected
    assert len(found) >= at_least, f"{word}: nearest {neighbours(demo, word)}"


def test_shipped_npz_follows_the_convention_without_pickle():
    path = datasets.DATA_DIR / datasets.DEMO_TABLE
    with np.load(path, allow_pickle=False) as npz:
        assert npz["vectors"].dtype == np.float16
        assert npz["keys"].dtype.kind == "U"
        assert {f"meta:{c}" for c in ("rank", "zipf", "pos", "lexname")} <= set(npz.files)
    assert path.stat().st_size < 8_000_000


# --------------------------------------------------------------------------- the corpus
def test_corpus_is_gzip_utf8_with_over_a_million_tokens():
    path = datasets.demo_corpus()
    assert path.stat().st_size < 10_000_000
    with gzip.open(path, "rb") as handle:
        text = handle.read().decode("utf-8")  # strict: fails on invalid UTF-8
    lines = text.split("\n")
    assert lines[-1] == "" and all(lines[:-1]), "one non-empty line per sentence, final newline"
    assert len(re.findall(r"[^\W_]+", text)) > 1_000_000
    assert "In the beginning God created the heaven and the earth." in lines
    assert any(line.startswith("It is a truth universally acknowledged") for line in lines)


# --------------------------------------------------------------------------- the loader
def write_table(path: Path, **arrays) -> Path:
    np.savez_compressed(path, **arrays)
    return path


def test_env_override_reads_another_folder(tmp_path, monkeypatch):
    write_table(tmp_path / datasets.DEMO_TABLE,
                vectors=np.eye(3, dtype=np.float16), keys=np.array(["a", "b", "c"]),
                **{"meta:pos": np.array(["noun", "verb", "other"]),
                   "meta:rank": np.array([1, 2, 3])})
    monkeypatch.setenv("EMBVIZ_DATA_DIR", str(tmp_path))
    emb = datasets.demo()
    assert emb.keys == ["a", "b", "c"]
    assert list(emb.metadata["pos"]) == ["noun", "verb", "other"]
    assert emb.metadata["rank"].tolist() == [1, 2, 3]
    assert emb.vectors.dtype == np.float32
    assert datasets.DATASETS["minilm-words"].path == tmp_path / datasets.DEMO_TABLE


def test_missing_file_says_where_it_looked_and_how_to_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBVIZ_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="EMBVIZ_DATA_DIR"):
        datasets.demo()
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))):
        datasets.demo_corpus()
    assert not datasets.DATASETS["corpus"].available


def test_object_keys_are_refused_not_unpickled(tmp_path):
    path = write_table(tmp_path / "t.npz", vectors=np.eye(2), keys=np.array(["a", None], dtype=object))
    with pytest.raises(EmbeddingFormatError, match="t.npz.*pickle"):
        datasets.read_npz_table(path)


@pytest.mark.parametrize("arrays, problem", [
    ({"vectors": np.eye(2)}, "missing array"),
    ({"vectors": np.eye(2), "keys": np.array([1, 2])}, "unicode"),
    ({"vectors": np.eye(2), "keys": np.array(["a", "b"]), "meta:x": np.arange(3)}, "'x'"),
])
def test_malformed_tables_name_the_problem(tmp_path, arrays, problem):
    path = write_table(tmp_path / "bad.npz", **arrays)
    with pytest.raises(EmbeddingFormatError, match=problem):
        datasets.read_npz_table(path)


def test_duplicate_keys_are_reported_with_the_file(tmp_path, monkeypatch):
    write_table(tmp_path / datasets.DEMO_TABLE, vectors=np.eye(2), keys=np.array(["a", "a"]))
    monkeypatch.setenv("EMBVIZ_DATA_DIR", str(tmp_path))
    with pytest.raises(EmbeddingFormatError, match=r"minilm_words\.npz.*duplicate"):
        datasets.demo()


def test_every_bundled_dataset_is_present_and_loads():
    assert set(datasets.DATASETS) == {"minilm-words", "corpus"}
    for name, entry in datasets.DATASETS.items():
        assert entry.available, name
        assert entry.label and entry.description
        loaded = entry.load()
        if entry.kind == "embeddings":
            assert len(loaded) > 0
        else:
            assert loaded == entry.path
