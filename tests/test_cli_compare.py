"""``embviz compare`` on files gensim wrote: the summary, the per-word table (Parquet and CSV, equal
to the package's), atomic writes and one-line errors."""
from __future__ import annotations

import gzip
import json

import numpy as np
import pandas as pd
import pytest

import embviz
from embviz import cli
from embviz.models import compare_models


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def files(tmp_path_factory, demo):
    """A: 3,000 bundled words as gensim's word2vec binary, capitalised first letters on a few
    hundred; B: a word2vec model gensim trained on the shipped corpus, as gensim's word2vec text."""
    from gensim.models import KeyedVectors, Word2Vec

    folder = tmp_path_factory.mktemp("compare")
    table = demo.subset(demo.keys[:3_000])
    keys = [k.capitalize() if i % 7 == 0 else k for i, k in enumerate(table.keys)]
    kv = KeyedVectors(vector_size=table.dim)
    kv.add_vectors(keys, table.vectors)
    kv.save_word2vec_format(str(folder / "a.bin"), binary=True)
    with gzip.open(embviz.demo_corpus(), "rt", encoding="utf-8") as fh:
        sentences = [line.lower().split() for _, line in zip(range(20_000), fh)]
    model = Word2Vec(sentences, vector_size=20, min_count=3, epochs=2, workers=1, seed=1)
    model.wv.save_word2vec_format(str(folder / "b.txt"), binary=False)
    return folder, folder / "a.bin", folder / "b.txt"


def test_compare_prints_the_summary_and_writes_the_table_the_package_computes(capsys, files):
    folder, a, b = files
    out = folder / "changes.parquet"
    code, stdout, err = run(capsys, "compare", a, b, "--k", "8", "--case", "lower", "-o", out, "-q")
    assert code == 0, err
    ref = compare_models(embviz.load(a), embviz.load(b), k=8, case="lower")
    assert f"shared vocabulary: {ref.n:,} shared words" in stdout
    assert f"neighbour overlap@8 (cosine): mean {ref.summary['mean_overlap']:.3f}" in stdout
    assert "alignment: on the 2-D maps" in stdout and "most changed" in stdout and "least changed" in stdout
    table = pd.read_parquet(out)
    assert table["word"].tolist() == ref.words and len(table) == ref.n
    np.testing.assert_allclose(table["overlap"], ref.overlap)
    np.testing.assert_allclose(table["rank_change"], ref.rank_change)
    assert [list(v) for v in table["neighbors_b"]] == ref.table["neighbors_b"].tolist()
    assert err == "" and not list(folder.glob(".*.tmp"))
    exact = compare_models(embviz.load(a), embviz.load(b), k=8)
    assert exact.n < ref.n  # the capitalised words only match after lower-casing


def test_csv_keeps_neighbour_lists_as_json_arrays(capsys, files, demo):
    folder, a, _ = files
    copy = folder / "copy.txt"
    embviz.load(a).to_keyedvectors().save_word2vec_format(str(copy), binary=False)
    out = folder / "same.csv"
    code, stdout, err = run(capsys, "compare", a, copy, "-o", out, "--top", "0")
    assert code == 0 and "most changed" not in stdout
    assert "relative residual 0.000" in stdout and "100.0% share all" in stdout
    assert f"wrote 3,000 words to {out}" in err
    table = pd.read_csv(out, keep_default_na=False)
    assert table["overlap"].eq(1.0).all() and table["rank_change"].eq(0.0).all()
    assert np.allclose(table["aligned_cosine"], 1.0, atol=1e-5)
    assert json.loads(table["neighbors_a"][0]) == json.loads(table["neighbors_b"][0])
    assert len(json.loads(table["neighbors_a"][0])) == 10


def test_errors_are_one_line_and_leave_an_existing_table_alone(capsys, files, tmp_path):
    _, a, b = files
    out = tmp_path / "old.csv"
    out.write_text("old\n")
    small = tmp_path / "small.txt"
    kv = embviz.load(b).subset(embviz.load(b).keys[:4]).to_keyedvectors()
    kv.save_word2vec_format(str(small), binary=False)
    code, _, err = run(capsys, "compare", a, small, "-o", out)
    assert code == 1 and err.count("\n") == 1
    assert "'k' parameter of compare_models must be smaller than the number of shared words" in err
    assert "3,000 words in a and 4 in b" in err
    assert out.read_text() == "old\n" and not list(tmp_path.glob(".*.tmp"))
    code, _, err = run(capsys, "compare", a, b, "-o", tmp_path / "table.xlsx")
    assert code == 1 and "'--output' parameter of embviz compare must be a file ending in .parquet or .csv" in err
    code, _, err = run(capsys, "compare", a, tmp_path / "missing.txt")
    assert code == 1 and "missing.txt" in err and "no such file" in err
    with pytest.raises(SystemExit) as exc:
        cli.main(["compare", str(a)])
    assert exc.value.code == 2


def test_compare_explains_itself(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["compare", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "usage: embviz compare" in out and "example" in out and "--case" in out


def test_no_shared_words_and_a_closed_pipe_are_said_plainly(tmp_path):
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("300 4\n" + "".join(f"w{i} " + " ".join(map(str, rng.normal(size=4))) + "\n" for i in range(300)))
    b.write_text("3 4\n" + "".join(f"z{i} " + " ".join(map(str, rng.normal(size=4))) + "\n" for i in range(3)))
    cmd = [sys.executable, "-m", "embviz", "compare"]
    none = subprocess.run(cmd + [str(a), str(b)], capture_output=True, text=True, timeout=120)
    assert none.returncode == 1 and "share no words" in none.stderr and "try case='lower'" in none.stderr
    head = subprocess.run(f"{' '.join(cmd)} {a} {a} | head -1", shell=True, capture_output=True, text=True,
                          timeout=120)
    assert head.stdout.startswith("A: ") and "Broken pipe" not in head.stderr, head.stderr
