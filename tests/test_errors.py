"""One error hierarchy: what a user can get wrong ends in an EmbvizError subclass that says what.

Where callers expect a standard type it stays a second base (KeyError, FileNotFoundError,
ImportError), so ``except KeyError`` and ``except EmbvizError`` both work.
"""
from __future__ import annotations

import gzip
import importlib.util
import os

import numpy as np
import pytest

from embviz import EmbeddingFormatError, Embeddings, EmbvizError, ParameterError, UnknownKeyError, encode
from embviz import corpus as corpus_module
from embviz.cache import DiskCache
from embviz.errors import MissingExtraError, MissingFileError
from embviz.evaluate import evaluate_analogies, evaluate_similarity, read_analogies, read_pairs


@pytest.fixture
def small() -> Embeddings:
    return Embeddings(["tiger", "cat", "king", "queen"], np.random.default_rng(0).normal(size=(4, 5)))


def test_error_types_keep_their_standard_bases():
    assert issubclass(MissingFileError, EmbeddingFormatError) and issubclass(MissingFileError, FileNotFoundError)
    assert issubclass(MissingExtraError, EmbvizError) and issubclass(MissingExtraError, ImportError)
    assert issubclass(UnknownKeyError, KeyError) and issubclass(ParameterError, ValueError)
    assert encode.MissingExtraError is MissingExtraError  # the old import path still works


def test_benchmark_files_that_are_missing_or_not_files(small, tmp_path):
    for call in (read_analogies, read_pairs, lambda p: evaluate_analogies(small, p),
                 lambda p: evaluate_similarity(small, p)):
        with pytest.raises(MissingFileError, match=r"missing\.txt: no such file"):
            call(tmp_path / "missing.txt")
        with pytest.raises(EmbeddingFormatError, match="not a regular file"):
            call(tmp_path)
    fifo = tmp_path / "fifo.txt"
    os.mkfifo(fifo)
    with pytest.raises(EmbeddingFormatError, match="fifo.txt: not a regular file"):  # refused, never opened
        read_analogies(fifo)


def test_unknown_similarity_data_set_suggests_the_known_ones(small, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("tiger\tcat\t7.0\nking\tqueen\t8.0\ncat\tking\t1.0\n")
    report = evaluate_similarity(small, pairs)
    assert report["pairs"].used == 3
    with pytest.raises(UnknownKeyError, match=r"'simlex' not present; did you mean 'pairs'") as info:
        report["simlex"]
    assert isinstance(info.value, KeyError)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda e: e.most_similar("cat", topn="3"), "'topn' parameter of most_similar must be a positive"),
        (lambda e: e.most_similar("cat", topn=True), "'topn' parameter of most_similar"),
        (lambda e: e.most_similar(np.full(5, np.nan)), "'query' parameter of most_similar must be a finite"),
        (lambda e: e.most_similar(7), "'query' parameter of most_similar must be a key, a list"),
        (lambda e: e.sample(2, seed="x"), "'seed' parameter of sample"),
        (lambda e: e.subset(indices=[0.5, 1.7]), "'indices' parameter of Embeddings.subset must be integers"),
        (lambda e: e.subset(indices=[0, 9]), r"must be in \[0, 4\). Got 9"),
        (lambda e: Embeddings.from_keyedvectors(5), "'kv' parameter of Embeddings.from_keyedvectors"),
        (lambda e: Embeddings(None, np.zeros((1, 2))), "keys must be a list of strings"),
        (lambda e: Embeddings(5, np.zeros((1, 2))), "keys must be a list of strings"),
        (lambda e: Embeddings(["a"], [[1e300, 0.0]]), r"row 1 has values beyond float32's range .* 1e\+300"),
        (lambda e: Embeddings(["a"], [[np.inf, 0.0]]), "row 1 contains NaN or infinity"),
    ],
)
def test_embeddings_input_errors(small, call, match):
    with pytest.raises(EmbvizError, match=match):
        call(small)


def test_embed_inputs_are_named_before_any_model_loads(tmp_path):
    with pytest.raises(ParameterError, match="'texts' parameter of embed_texts must be a list of strings"):
        encode.embed_texts(5)
    with pytest.raises(MissingFileError, match="nope.csv: no such file"):
        encode.embed_csv(tmp_path / "nope.csv", "text")
    with pytest.raises(EmbeddingFormatError, match="not a regular file"):
        encode.embed_csv(tmp_path, "text")


def test_missing_extra_is_an_embviz_error_naming_the_pip_command(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "torch" else real(name, *a))
    with pytest.raises(MissingExtraError, match=r"missing: torch==2\.13\.0\. Install it with: pip install"):
        encode.model_dir()


def test_corpus_size_is_bounded_even_when_gzipped(monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_CORPUS_BYTES", 1 << 20)
    bomb = gzip.compress(b"the cat sat\n" * 200_000, compresslevel=9)  # 2.4 MB of text in ~10 kB
    assert len(bomb) < 50_000
    with pytest.raises(ParameterError, match=r"at most 1,048,576 bytes of text.*inflates to more"):
        corpus_module.read_corpus(bomb)
    assert corpus_module.read_corpus(gzip.compress(b"the cat sat\n" * 1000)).tokens == 3000


def test_cache_keys_are_parameter_errors(tmp_path):
    with pytest.raises(ParameterError, match="'key' parameter of DiskCache"):
        DiskCache(tmp_path).put("../x", np.zeros(2), {})
