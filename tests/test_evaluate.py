"""Benchmarks against gensim: same accuracy per section, same correct questions, same correlations."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from embviz import EmbeddingFormatError, Embeddings, ParameterError
from embviz.analogies import solve
from embviz.evaluate import (
    ANALOGY_FILE,
    evaluate_analogies,
    evaluate_similarity,
    gensim_data_dir,
    read_analogies,
)
from embviz.progress import Recorder

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def gensim_analogies(emb, **kw):
    kv = emb.to_keyedvectors()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score, sections = kv.evaluate_word_analogies(str(gensim_data_dir() / ANALOGY_FILE), **kw)
    return score, sections


def assert_same_as_gensim(report, score, sections, case_insensitive=True):
    assert report.accuracy == pytest.approx(score, abs=1e-12)
    total = sections[-1]
    assert total["section"] == "Total accuracy"
    assert report.correct == len(total["correct"])
    assert report.total == len(total["correct"]) + len(total["incorrect"])
    per = report.sections.set_index("section")
    for s in sections[:-1]:
        assert per.loc[s["section"], "correct"] == len(s["correct"]), s["section"]
        assert per.loc[s["section"], "total"] == len(s["correct"]) + len(s["incorrect"]), s["section"]
    norm = str.upper if case_insensitive else str
    ours = {
        tuple(norm(w) for w in row)
        for row in report.results.loc[report.results["correct"], ["a", "b", "c", "expected"]].itertuples(
            index=False
        )
    }
    assert ours == set(total["correct"])


@pytest.fixture(scope="module")
def mixed_case(demo) -> Embeddings:
    """4,000 demo words plus capitalised variants of some of them (later rows, slightly moved):
    exercises gensim's first-occurrence rule and its skipping of case variants of the inputs."""
    base = demo.take(np.arange(3000))
    rng = np.random.default_rng(5)
    extra_rows = rng.choice(3000, size=300, replace=False)
    keys = base.keys + [
        base.keys[i].capitalize() for i in extra_rows if base.keys[i].capitalize() not in base.key_to_index
    ]
    extra = [i for i in extra_rows if base.keys[i].capitalize() not in base.key_to_index]
    vectors = np.vstack(
        [base.vectors, base.vectors[extra] + rng.normal(scale=0.02, size=(len(extra), base.dim))]
    )
    return Embeddings(keys, vectors)


def test_equals_gensim_with_case_variants(mixed_case):
    report = evaluate_analogies(mixed_case)
    assert report.total > 1000  # a real test, not a vacuous one
    assert_same_as_gensim(report, *gensim_analogies(mixed_case))
    assert set(report.failures.columns) == {"section", "a", "b", "c", "expected", "got"}
    assert len(report.failures) == report.total - report.correct


def test_equals_gensim_case_sensitive_and_restricted(mixed_case):
    report = evaluate_analogies(mixed_case, restrict=2000, case_insensitive=False)
    assert_same_as_gensim(
        report,
        *gensim_analogies(mixed_case, restrict_vocab=2000, case_insensitive=False),
        case_insensitive=False,
    )


@pytest.mark.slow
def test_equals_gensim_on_demo(demo):
    report = evaluate_analogies(demo, restrict=5000)
    assert report.total > 2500
    assert_same_as_gensim(report, *gensim_analogies(demo, restrict_vocab=5000))
    assert report.questions == len(read_analogies(gensim_data_dir() / ANALOGY_FILE))
    assert report.coverage == pytest.approx(report.total / report.questions)


def test_failures_say_what_came_out(demo):
    report = evaluate_analogies(demo, restrict=3000)
    for row in report.failures.head(20).itertuples():
        got = solve(
            demo.take(np.arange(3000)),
            f'"{row.a.lower()}" : "{row.b.lower()}" :: "{row.c.lower()}" : ?',
            topn=1,
        ).top
        assert row.got == got and row.got.upper() != row.expected.upper()


def test_3cosmul_matches_question_by_question(demo):
    sub = demo.take(np.arange(3000))
    report = evaluate_analogies(sub, method="3cosmul")
    assert report.method == "3cosmul" and report.total > 500
    sample = report.results.sample(150, random_state=0)
    for row in sample.itertuples():
        top = solve(sub, (row.a.lower(), row.b.lower(), row.c.lower()), topn=1, method="3cosmul").top
        assert row.got == top


def test_progress_and_stop(demo):
    rec = Recorder(stop_after=1)
    report = evaluate_analogies(demo, progress=rec)
    ((done, total, message),) = rec.calls
    assert report.stopped and 0 < report.total == done < total and "questions" in message
    full = evaluate_analogies(demo, progress=Recorder())
    assert not full.stopped and full.total == total and report.coverage == full.coverage
    # the answered questions are answered exactly as in the full run
    merged = report.results.merge(
        full.results, on=["section", "a", "b", "c", "expected"], suffixes=("", "_full")
    )
    assert len(merged) == report.total and (merged["got"] == merged["got_full"]).all()


def test_malformed_benchmark_files(tmp_path, demo):
    bad = tmp_path / "q.txt"
    bad.write_text(": family\nboy girl brother sister\nboy girl brother\n")
    with pytest.raises(
        EmbeddingFormatError, match=r"q.txt, line 3: expected 4 words \(a b c expected\), found 3"
    ):
        evaluate_analogies(demo, bad)
    assert evaluate_analogies(demo, bad, on_error="skip").total == 1
    bad.write_text("boy girl brother sister\n")
    with pytest.raises(EmbeddingFormatError, match="line 1: a question before the first ': section' header"):
        evaluate_analogies(demo, bad)
    bad.write_text("\n\n")
    with pytest.raises(EmbeddingFormatError, match="no analogy questions found"):
        evaluate_analogies(demo, bad)
    bad.write_bytes(b": s\nboy girl \xff\xfe sister\n")
    with pytest.raises(EmbeddingFormatError, match="not UTF-8"):
        evaluate_analogies(demo, bad)
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# header\nking\tqueen\t8.5\ncat\tdog\tmany\n")
    with pytest.raises(EmbeddingFormatError, match=r"p.tsv, line 3: the score 'many' is not a number"):
        evaluate_similarity(demo, pairs)
    pairs.write_text("king queen 8.5\n")
    with pytest.raises(EmbeddingFormatError, match=r"line 1: expected 3 fields separated by '\\t', found 1"):
        evaluate_similarity(demo, pairs)
    with pytest.raises(ParameterError, match="'method' parameter of evaluate_analogies"):
        evaluate_analogies(demo, method="best")
    with pytest.raises(FileNotFoundError):
        evaluate_analogies(demo, tmp_path / "missing.txt")


def test_no_coverage(tmp_path):
    emb = Embeddings(["x", "y", "z", "w"], np.eye(4))
    report = evaluate_analogies(emb)
    assert report.total == 0 and report.accuracy == 0.0 and report.coverage == 0.0
    assert (report.sections["total"] == 0).all()


def test_similarity_equals_gensim(demo):
    kv = demo.to_keyedvectors()
    report = evaluate_similarity(demo)
    assert [r.name for r in report] == ["wordsim353", "simlex999"]
    for r in report:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pearson, spearman, oov = kv.evaluate_word_pairs(r.path)
        assert r.spearman == pytest.approx(spearman[0], abs=1e-12)
        assert r.pearson == pytest.approx(pearson[0], abs=1e-6)
        assert r.oov_ratio == pytest.approx(oov, abs=1e-12)
        assert r.used == len(r.details) and r.used < r.pairs
    assert list(report.table["name"]) == ["wordsim353", "simlex999"]
    assert report["simlex999"].spearman < report["wordsim353"].spearman


def test_reports_repr_in_one_short_line(demo):
    small = demo.take(np.arange(3000))
    rep = evaluate_analogies(small)
    text = repr(rep)
    assert "\n" not in text and len(text) < 160, text
    assert text.startswith("<AnalogyReport questions-words.txt: ") and f"({rep.correct:,}/{rep.total:,})" in text
    assert f"{len(rep.sections)} sections, 3cosadd>" in text
    sim = evaluate_similarity(small)
    for item in (sim, *sim.results):
        assert "\n" not in repr(item) and len(repr(item)) < 160, repr(item)
    assert f"spearman {sim.results[0].spearman:.3f}" in repr(sim) and "simlex999" in repr(sim)
    assert repr(sim.results[1]).startswith("<SimilarityResult simlex999: spearman ")


def test_failures_matching_filters_words_and_sections_literally(demo):
    from embviz import evaluate_analogies
    from embviz.figures.benchmarks import section_accuracy

    rep = evaluate_analogies(demo.subset(demo.keys[:3000]))
    fails = rep.failures
    assert len(rep.failures_matching()) == len(fails)
    section = fails["section"].iloc[0]
    only = rep.failures_matching(section=section)
    assert len(only) == (fails["section"] == section).sum() and set(only["section"]) == {section}
    word = fails["expected"].iloc[0]
    hits = rep.failures_matching(word.upper())
    direct = fails[(fails[["a", "b", "c", "expected", "got"]].apply(lambda c: c.str.lower()) == word.lower()).any(axis=1)]
    assert len(hits) >= len(direct) > 0
    assert len(rep.failures_matching(".*")) == 0  # literal, not a pattern
    fig = section_accuracy(rep.sections)
    shown = rep.sections[rep.sections["total"] > 0]
    assert len(fig.data[0].y) == len(shown) and list(fig.data[0].x) == sorted(shown["accuracy"])
