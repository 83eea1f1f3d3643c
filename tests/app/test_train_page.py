"""The Train page in AppTest: train on a small corpus, see the animation and curves, use the model."""
from __future__ import annotations

import gzip
import json
import re
import time

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest  # noqa: E402

import embviz  # noqa: E402
import numpy as np  # noqa: E402

from tests.app.helpers import decode, texts  # noqa: E402

SCRIPT = "from embviz.app.pages.train import render\nrender()\n"


@pytest.fixture
def small_data(tmp_path, monkeypatch):
    """A data folder whose corpus is the first 25,000 lines of the shipped one (fast to train)."""
    real = embviz.demo_corpus()
    with gzip.open(real, "rt", encoding="utf-8") as f:
        head = [next(f) for _ in range(25_000)]
    (tmp_path / "corpus.txt.gz").write_bytes(gzip.compress("".join(head).encode()))
    (tmp_path / "minilm_words.npz").symlink_to(real.parent / "minilm_words.npz")
    monkeypatch.setenv("EMBVIZ_DATA_DIR", str(tmp_path))
    return tmp_path


def _wait_for_training(at: AppTest, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while at.session_state["train_job"] is not None:
        assert time.monotonic() < deadline, "training did not finish"
        time.sleep(0.5)
        at.run()


def _figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def test_train_then_explore(small_data):
    at = AppTest.from_string(SCRIPT, default_timeout=120).run()
    assert not at.exception
    at.number_input(key="train_epochs").set_value(2)
    at.number_input(key="train_mincount").set_value(5)
    at.number_input(key="train_dims").set_value(30)
    at.button(key="train_go").click().run()
    assert not at.exception
    _wait_for_training(at)
    assert not at.exception and not at.error
    result = at.session_state["train_result"]
    assert len(result.snapshots) == 3 and len(result.loss) == 2 and result.corpus_stats["lines"] <= 25_000
    figs = _figures(at)
    animation = next(f for f in figs if f.get("frames"))
    assert len(animation["frames"]) == 3 and animation["layout"]["sliders"][0]["steps"][0]["label"] == "start"
    # watch it learn: semantic groups of the corpus, one trace (colour) each, and the per-epoch curve
    from embviz.groups import group_similarity, semantic_groups

    groups = semantic_groups(result.snapshot_keys)
    shown = at.multiselect(key="train_groups").value
    assert len(shown) >= 3 and set(shown) <= set(groups)
    assert [t["name"] for t in animation["data"]] == ["other words", *shown]
    colours = {t["name"]: t["marker"]["color"] for t in animation["data"][1:]}
    assert len(set(colours.values())) == len(shown)
    curve = next(f for f in figs if "within vs between" in (f["layout"].get("title") or {}).get("text", ""))
    oracle = group_similarity(result, {g: groups[g] for g in shown})
    within = next(t for t in curve["data"] if t["name"] == "within groups")
    assert np.allclose(decode(within["y"]), oracle["within"].to_numpy())
    assert oracle["gap"].iloc[-1] > oracle["gap"].iloc[0]  # the groups gathered while it learned
    assert any("Loss" in f["layout"]["title"]["text"] for f in figs if f["layout"].get("title"))
    assert any("man" in m.value and "→" in m.value for m in at.markdown)
    made = [s for s in at.session_state["session_sources"].values() if s.kind == "trained"]
    assert made and made[-1].extra["model"] is result  # the Learn page and the sidebar see it
    assert made[-1].emb.fingerprint() == result.fingerprint()
    assert at.get("download_button")  # saved with embviz.save, npz by default
    at.selectbox(key="train_format").select("projector").run()
    assert not at.exception and not at.error
    at.button(key="train_use").click().run()
    assert at.session_state["active_embeddings"].fingerprint() == result.fingerprint()
    assert at.session_state["active_source"].startswith("trained:")
    # a word that is not in the vocabulary: a message, the page keeps working
    at.text_input(key="train_an_c").set_value("qwzx").run()
    assert not at.exception and any("qwzx" in e for e in texts(at, "error"))


def test_too_small_corpus_gives_a_clear_message(small_data):
    (small_data / "corpus.txt.gz").write_bytes(gzip.compress(b"just a few words\n" * 10))
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    at.button(key="train_go").click().run()
    _wait_for_training(at, 30)
    assert not at.exception
    assert any("at least 1,000 tokens" in e for e in texts(at, "error"))


def test_stop_keeps_what_was_learned(small_data):
    at = AppTest.from_string(SCRIPT, default_timeout=60).run()
    at.number_input(key="train_epochs").set_value(30)
    at.number_input(key="train_mincount").set_value(20)
    at.number_input(key="train_dims").set_value(20)
    at.button(key="train_go").click().run()
    job = at.session_state["train_job"][0]  # (the pool's job, this session's token, start time)
    deadline = time.monotonic() + 60
    while job.progress.done < 1:  # let one epoch finish
        assert time.monotonic() < deadline
        time.sleep(0.2)
    at.run()
    # the page shows the latest finished epoch (more may have finished since the loop saw one)
    shown = re.search(r"epoch (\d+)/30", at.get("progress")[0].proto.text)
    assert shown and 1 <= int(shown.group(1)) <= job.progress.done
    at.button(key="train_stop").click().run()
    _wait_for_training(at)
    result = at.session_state["train_result"]
    assert result.stopped and 1 <= len(result.loss) < 30 and len(result.snapshots) == len(result.loss) + 1
    assert any("stopped early" in s.value for s in at.success)


def test_embed_tab_without_or_with_the_extra():
    at = AppTest.from_string(SCRIPT, default_timeout=180).run()
    assert not at.exception
    from embviz import encode

    if encode.missing_extra():
        assert any("pip install torch==2.13.0" in c.value for c in at.code)
    else:
        assert at.text_area(key="train_embed_text").value


def test_presentation_mode_before_training_says_how_to_start():
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["present"] = True
    at.run()
    assert not at.exception
    assert any("press **Train**" in i.value for i in at.info), [i.value for i in at.info]
