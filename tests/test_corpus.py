"""Reading and tokenising corpora: paths, gzip, uploads, token lists, and bad input."""
from __future__ import annotations

import gzip
import io

import pytest

from embviz.corpus import read_corpus, tokenize
from embviz.errors import ParameterError

TEXT = "In the beginning God created the heaven and the earth.\nIt is a truth universally acknowledged!\n\n"


def test_tokenize_options_each_change_the_tokens():
    line = "Mr. Darcy's  letter, a NOTE; e-mail_x"
    assert tokenize(line) == ["mr", "darcy's", "letter", "a", "note", "e", "mail", "x"]
    assert tokenize(line, lowercase=False)[:2] == ["Mr", "Darcy's"]
    assert tokenize(line, strip_punctuation=False) == ["mr.", "darcy's", "letter,", "a", "note;", "e-mail_x"]
    assert tokenize(line, min_length=3) == ["darcy's", "letter", "note", "mail"]
    assert tokenize("café naïve Straße") == ["café", "naïve", "straße"]


@pytest.mark.parametrize("kind", ["txt", "gz", "bytes", "gzbytes", "filelike", "lines"])
def test_every_source_kind_reads_the_same(tmp_path, kind):
    raw = TEXT.encode()
    if kind == "txt":
        (source := tmp_path / "c.txt").write_bytes(raw)
    elif kind == "gz":
        (source := tmp_path / "c.txt.gz").write_bytes(gzip.compress(raw))
    elif kind == "bytes":
        source = raw
    elif kind == "gzbytes":
        source = gzip.compress(raw)
    elif kind == "filelike":
        source = io.BytesIO(raw)
    else:
        source = TEXT.splitlines()
    corpus = read_corpus(source)
    assert corpus.lines == 3
    assert corpus.tokens == 10 + 6
    assert corpus.sentences[0][:3] == ["in", "the", "beginning"]
    assert len(corpus.sentences) == 2  # the empty line holds no sentence


def test_token_lists_are_used_as_given():
    corpus = read_corpus([["A", "b."], ["c"]])
    assert corpus.sentences == [["A", "b."], ["c"]] and corpus.tokens == 3 and corpus.options == {}


def test_tokens_are_interned():
    corpus = read_corpus(["the cat", "the dog"])
    assert corpus.sentences[0][0] is corpus.sentences[1][0]


def test_bad_sources_name_the_problem(tmp_path):
    with pytest.raises(ParameterError, match="'corpus'.*existing .txt"):
        read_corpus(tmp_path / "missing.txt")
    with pytest.raises(ParameterError, match="UTF-8 text.*line 2"):
        read_corpus(b"fine line\nbad \xff byte\n")
    with pytest.raises(ParameterError, match="readable gzip"):
        read_corpus(b"\x1f\x8b" + b"not really gzip")
    with pytest.raises(ParameterError, match="item 2 is int"):
        read_corpus(["ok", 3])
    with pytest.raises(ParameterError, match="'min_length'.*>= 1"):
        read_corpus(["ok"], min_length=0)
    with pytest.raises(ParameterError, match="'corpus'"):
        read_corpus(42)


def test_shipped_corpus_opens():
    import embviz

    path = embviz.demo_corpus()
    with gzip.open(path, "rt", encoding="utf-8") as f:
        head = [next(f) for _ in range(200)]
    corpus = read_corpus(head)
    assert corpus.tokens > 1000
