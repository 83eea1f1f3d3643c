"""Embedding new text with all-MiniLM-L6-v2 (the optional transformers extra), offline."""
from __future__ import annotations

import importlib.util
import io

import numpy as np
import pytest

from embviz import encode
from embviz.errors import ParameterError
from embviz.progress import Recorder

needs_extra = pytest.mark.skipif(encode.missing_extra() is not None,
                                 reason=f"optional extra missing: {encode.INSTALL}")


def test_missing_extra_says_exactly_what_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "sentence_transformers" else real(name, *a))
    message = encode.missing_extra()
    assert "sentence-transformers" in message and encode.INSTALL in message
    assert "pip install torch==2.13.0 && pip install -r requirements-transformers.txt" in message
    with pytest.raises(ImportError, match="sentence-transformers.*pip install torch==2.13.0"):
        encode.model_dir()
    assert issubclass(encode.MissingExtraError, ImportError)


def test_bad_texts_are_named_before_loading_anything():
    with pytest.raises(ParameterError, match="'texts'.*non-empty.*item 1 is empty"):
        encode.embed_texts(["fine", "   "])
    with pytest.raises(ParameterError, match="'texts'.*item 0 is int"):
        encode.embed_texts([3])
    with pytest.raises(ParameterError, match="at least one text"):
        encode.embed_texts([])
    with pytest.raises(ParameterError, match="'batch_size'"):
        encode.embed_texts(["a"], batch_size=0)


@pytest.mark.transformers
@needs_extra
def test_sentences_land_near_their_paraphrases():
    import os

    texts = ["a cat sat on the mat", "a kitten rested on the rug", "the stock market fell sharply",
             "shares dropped in early trading", "a cat sat on the mat"]
    rec = Recorder()
    emb = encode.embed_texts(texts, batch_size=2, progress=rec)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert emb.shape == (5, 384) and emb.vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(emb.vectors, axis=1), 1, atol=1e-5)
    assert emb.keys[-1] == "a cat sat on the mat (2)"  # kept, not dropped
    np.testing.assert_array_equal(emb.vectors[0], emb.vectors[4])
    assert list(emb.metadata["duplicate"]) == [False] * 4 + [True]
    assert emb.most_similar("a cat sat on the mat", topn=2)[1][0] == "a kitten rested on the rug"
    assert emb.most_similar("the stock market fell sharply", topn=1)[0][0] == "shares dropped in early trading"
    assert [c[0] for c in rec.calls] == [2, 4]  # 4 distinct texts, batches of 2
    # the same numbers sentence-transformers gives directly
    direct = encode.load_model().encode(texts[:2], normalize_embeddings=True)
    np.testing.assert_allclose(emb.vectors[:2], direct, atol=1e-5)


@pytest.mark.transformers
@needs_extra
def test_stop_returns_what_was_embedded():
    emb = encode.embed_texts([f"sentence number {i}" for i in range(6)], batch_size=2,
                             progress=Recorder(stop_after=1))
    assert emb.stopped and len(emb) == 2 and "stopped" in emb.name


@pytest.mark.transformers
@needs_extra
def test_csv_column_with_metadata():
    csv = io.StringIO("id,review,stars\n1,great phone,5\n2,,3\n3,terrible battery,1\n")
    emb = encode.embed_csv(csv, "review")
    assert emb.keys == ["great phone", "terrible battery"] and emb.skipped == 1
    assert list(emb.metadata["stars"]) == ["5", "1"] and "review" not in emb.metadata
    with pytest.raises(ParameterError, match=r"'column'.*one of \['id', 'review', 'stars'\]"):
        encode.embed_csv(io.StringIO("id,review,stars\n1,a,2\n"), "text")
