"""``embviz evaluate`` prints totals and the analogy set's sections, equal to gensim's per section."""
from __future__ import annotations

import json

import numpy as np
import pytest

import embviz
from embviz import cli


@pytest.fixture
def files(tmp_path):
    """Two relations as noisy offsets (so some questions are right, some wrong), and a section of unknowns."""
    rng = np.random.default_rng(4)
    dim, keys, rows = 16, [], []
    for prefix, n in (("country", 20), ("noun", 15)):
        base = rng.normal(size=(n, dim))
        offset = rng.normal(size=dim)
        keys += [f"{prefix}{i}" for i in range(n)] + [f"{prefix}{i}_x" for i in range(n)]
        rows += [base, base + offset + rng.normal(scale=0.9, size=(n, dim))]
    emb = embviz.Embeddings(keys, np.concatenate(rows))
    vec = embviz.save(emb, tmp_path / "v.txt")[0]
    lines = []
    for section, prefix, n, count in (("capitals", "country", 20, 40), ("plurals", "noun", 15, 25),
                                      ("empty-here", "noun", 15, 3)):
        lines.append(f": {section}")
        for _ in range(count):
            i, j = rng.choice(n, size=2, replace=False)
            last = f"{prefix}{j}_x" if section != "empty-here" else "unknown"
            lines.append(f"{prefix}{i} {prefix}{i}_x {prefix}{j} {last}")
    (tmp_path / "q.txt").write_text("\n".join(lines) + "\n")
    return emb, vec, tmp_path / "q.txt"


def _run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_sections_in_json_equal_gensim(capsys, files):
    emb, vec, questions = files
    rows = json.loads(_run(capsys, "evaluate", vec, "--analogies", questions, "--no-similarity", "--json", "-q"))
    (analogy,) = rows
    _, gensim_sections = emb.to_keyedvectors().evaluate_word_analogies(str(questions))
    want = {s["section"]: (len(s["correct"]), len(s["correct"]) + len(s["incorrect"]))
            for s in gensim_sections if s["section"] != "Total accuracy"}
    got = {s["section"]: (s["correct"], s["used"]) for s in analogy["sections"]}
    assert got == want and want["empty-here"] == (0, 0)
    assert 0 < want["capitals"][0] < 40 and 0 < want["plurals"][0] < 25  # right and wrong answers both occur
    assert [s["of"] for s in analogy["sections"]] == [40, 25, 3]
    for s in analogy["sections"]:
        assert s["accuracy"] == pytest.approx(s["correct"] / s["used"] if s["used"] else 0.0)
    assert sum(s["correct"] for s in analogy["sections"]) == round(analogy["score"] * analogy["used"])


def test_table_output_has_totals_then_sections(capsys, files):
    _, vec, questions = files
    out = _run(capsys, "evaluate", vec, "--analogies", questions, "--no-similarity", "-q")
    totals, sections = out.split("\n\n")
    assert "questions" not in totals.splitlines()[0] and "q.txt" in totals and "accuracy (3cosadd)" in totals
    header, *body = sections.strip().splitlines()
    assert header.startswith("q.txt by section") and body[0].split() == ["section", "accuracy", "correct", "used", "of"]
    assert [line.split()[0] for line in body[1:]] == ["capitals", "plurals", "empty-here"]
    assert body[-1].split()[1:] == ["0.0000", "0", "0", "3"]
