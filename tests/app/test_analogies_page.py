"""Analogies page through AppTest: solving, bad input as messages, the benchmark and directions tabs."""

from __future__ import annotations

import pytest

from embviz import analogy
from embviz.evaluate import evaluate_analogies
from tests.app.helpers import app, figures, texts


def frame(at, *columns):
    """The first table with these columns (AppTest does not expose dataframe keys)."""
    for df in at.dataframe:
        if set(columns) <= set(df.value.columns):
            return df.value
    raise AssertionError(f"no table with columns {columns}")


@pytest.fixture(scope="module")
def page():
    return app(page="analogies")


def test_default_expression_solves_to_queen_with_arrows(page, demo):
    at = page
    assert not at.exception
    assert at.title[0].value == "Analogies"
    table = frame(at, "rank", "word", "score")
    assert table["word"].tolist() == [k for k, _ in analogy(demo, "king - man + woman")]
    fig = figures(at)[0]
    arrows = [a for a in fig["layout"]["annotations"] if a.get("showarrow")]
    assert len(arrows) == 2  # man → king and woman → queen
    names = [t["name"] for t in fig["data"]]
    assert names[-1] == "result" and fig["data"][-1]["text"] == ["queen"]


def test_method_inputs_and_expected(page, demo):
    at = page
    at.text_input(key="analogies_expr").input("man : king :: woman : monarch").run()
    at.segmented_control(key="analogies_method").set_value("3cosmul").run()
    at.toggle(key="analogies_show_inputs").set_value(True).run()
    assert not at.exception
    table = frame(at, "rank", "word", "score")
    want = analogy(demo, "man : king :: woman : ?", method="3cosmul", exclude_inputs=False)
    assert table["word"].tolist() == [k for k, _ in want]
    assert "input word" in table["note"].tolist()
    assert any("monarch" in w and "ranks" in w for w in texts(at, "warning"))
    fig = figures(at)[0]
    assert len([a for a in fig["layout"]["annotations"] if a.get("showarrow")]) == 3  # + woman → expected
    at.toggle(key="analogies_show_inputs").set_value(False).run()
    at.segmented_control(key="analogies_method").set_value("3cosadd").run()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "empty"),
        ("king -", 'after "-", found the end'),
        ("foo(king)", 'unknown function "foo"'),
        ("kingg - man + woman", "did you mean 'king'"),
        ("king - king", "zero vector"),
    ],
)
def test_bad_input_is_a_message(page, text, message):
    at = page
    at.text_input(key="analogies_expr").input(text).run()
    assert not at.exception
    errors = texts(at, "error")
    assert any(message in e for e in errors), errors
    # the other tabs keep working
    at.session_state["analogies_tab"] = "Directions"
    at.run()
    assert not at.exception and at.text_input(key="analogies_axis_x").value == "woman - man"
    at.session_state["analogies_tab"] = "Solve"
    at.run()
    at.text_input(key="analogies_expr").input("king - man + woman").run()
    assert not texts(at, "error")


def test_example_button_and_3d(page):
    at = page
    at.button(key="analogies_ex1").click().run()
    assert at.text_input(key="analogies_expr").value == "paris - france + italy"
    at.segmented_control(key="analogies_dims").set_value("3-D").run()
    assert not at.exception
    fig = figures(at)[0]
    assert {"scatter3d", "cone"} <= {t["type"] for t in fig["data"]}
    at.segmented_control(key="analogies_dims").set_value("2-D").run()


def test_projection_picture_with_neighbour_comparison(page):
    at = page
    at.text_input(key="analogies_expr").input("king - man + woman").run()
    at.segmented_control(key="analogies_view").set_value("Frequent-words map").run()
    assert not at.exception, at.exception
    fig = figures(at)[0]
    assert len([a for a in fig["layout"]["annotations"] if a.get("showarrow")]) == 2
    assert any({"kept", "lost", "invented"} & set(df.value.get("status", [])) for df in at.dataframe)
    at.segmented_control(key="analogies_view").set_value("Local PCA").run()


def test_benchmark_tab(page, demo):
    at = page
    at.session_state["analogies_tab"] = "Benchmark"  # only the open tab runs
    at.run()
    at.number_input(key="analogies_bench_restrict").set_value(5000).run()
    at.button(key="analogies_bench_run").click().run()
    assert not at.exception
    want = evaluate_analogies(demo, restrict=5000)
    assert f"{want.accuracy:.1%}" in [m.value for m in at.metric]
    fails = frame(at, "expected", "got")
    assert len(fails) == want.total - want.correct
    word = want.failures["c"].iloc[0].lower()
    at.text_input(key="analogies_fail_filter").input(word).run()
    fails = frame(at, "expected", "got")
    assert len(fails) > 0 and fails.apply(lambda r: word in " ".join(r.astype(str)).lower(), axis=1).all()
    expected = want.failures.apply(lambda r: word in " ".join(r.astype(str)).lower(), axis=1).sum()
    assert len(fails) == expected
    sims = frame(at, "data set")
    assert sims["data set"].tolist() == ["wordsim353", "simlex999"]
    bars = [f for f in figures(at) if f["data"] and f["data"][0]["type"] == "bar"]
    assert len(bars) == 1 and len(bars[0]["data"][0]["y"]) == (want.sections["total"] > 0).sum()


def test_directions_tab(page):
    at = page
    at.session_state["analogies_tab"] = "Directions"
    at.run()
    changed = frame(at, "expression", "before", "after")
    row = changed[changed["expression"] == "king - man + woman"].iloc[0]
    assert row["before"] == "queen" and row["after"] != "queen"
    axes = next(f for f in figures(at) if f["layout"]["title"]["text"].endswith("on formula axes"))
    matches = next(t for t in axes["data"] if t.get("name") == "matches")
    assert set(matches["text"]) >= {"king", "queen", "actress"}  # highlighted words are always drawn
    at.text_input(key="analogies_axis_pins").input("king, kingg").run()
    assert any("Not in the vocabulary: kingg" in w for w in texts(at, "warning"))
    at.text_input(key="analogies_axis_x").input("woman - woman").run()
    assert any("zero vector" in e for e in texts(at, "error"))
    at.text_input(key="analogies_remove").input("hot - cold").run()
    assert not at.exception


def test_benchmark_with_an_uploaded_questions_file_leaves_no_temporary_folder(page, demo, tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the page's temporary folder goes
    questions = ": capital-common-countries\nathens greece paris france\nparis france rome italy\n" \
                ": family\nking queen man woman\nboy girl brother sister\n"
    (tmp_path / "mine.txt").write_text(questions)
    at = page
    at.session_state["analogies_tab"] = "Benchmark"
    at.run()
    at.file_uploader(key="analogies_bench_file").set_value(("mine.txt", questions.encode(), "text/plain")).run()
    at.button(key="analogies_bench_run").click().run()
    assert not at.exception
    restrict = at.number_input(key="analogies_bench_restrict").value
    want = evaluate_analogies(demo, tmp_path / "mine.txt", restrict=restrict)
    assert want.total >= 3 and f"{want.accuracy:.1%}" in [m.value for m in at.metric]
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]  # the upload's copy is gone
