"""Learn page: every step renders live views of the real demo table; the stepper walks them."""
from __future__ import annotations

import numpy as np
import pytest

from embviz import Embeddings
from embviz.app.pages.learn import STEPS
from tests.app.helpers import app, figures, shown, use_table


def _at_step(i: int, trained=None):
    at = app(page="learn")
    at.session_state["learn_step"] = i
    if trained is not None:  # a model trained earlier in the session, not the active data
        active, source = at.session_state["active_embeddings"], at.session_state["active_source"]
        use_table(at, trained)
        at.session_state["active_embeddings"], at.session_state["active_source"] = active, source
        at.session_state["sidebar_pending_source"] = "demo"
    return at.run()


def test_next_and_previous_walk_the_steps():
    at = app(page="learn")
    assert not at.exception
    assert at.header[0].value.startswith("1. One-hot")
    at.button(key="learn_step_next").click().run()
    assert at.header[0].value.startswith("2. A learned lookup table")
    at.button(key="learn_step_prev").click().run()
    assert at.header[0].value.startswith("1. One-hot") and at.button(key="learn_step_prev").disabled  # the ends stop
    for _ in range(len(STEPS) - 1):
        at.button(key="learn_step_next").click().run()
    assert at.header[0].value.startswith(f"{len(STEPS)}. What a 2-D map") and at.button(key="learn_step_next").disabled
    assert at.query_params["step"] == str(len(STEPS))


def test_step_one_uses_the_real_vocabulary():
    at = _at_step(0)
    sizes = at.dataframe[0].value.set_index("representation")["size"]
    assert sizes["dense embeddings"] == "10.2 MB"  # 20,000 × 128 × 4 bytes
    assert "All 499,500 one-hot pairs score exactly 0" in " ".join(shown(c.value) for c in at.main.caption)


def test_lookup_identity_holds_for_a_typed_word():
    at = _at_step(1)
    at.text_input(key="learn_lookup_word").input("queen").run()
    metrics = {shown(m.label): m.value for m in at.metric}
    assert metrics["one_hot @ W == W[row]"] == "yes, bit for bit"
    at.text_input(key="learn_lookup_word").input("qeen").run()
    assert not at.exception and "did you mean 'queen'" in at.warning[0].value


@pytest.mark.parametrize("i", [2, 3, 4, 6])
def test_live_steps_draw_their_figures(i):
    at = _at_step(i)
    assert not at.exception, at.exception
    assert figures(at)


def test_analogy_step_finds_queen():
    at = _at_step(4)
    assert at.dataframe[0].value["answer"].iloc[0] == "queen"
    at.text_input(key="learn_expr").input("king - + woman").run()
    assert not at.exception and at.error


def test_transfer_step_compares_with_a_trained_table(demo):
    rng = np.random.default_rng(0)
    keys = demo.keys[:4000]
    noisy = Embeddings(keys, demo.vectors[:4000] + rng.normal(scale=0.3, size=(4000, demo.dim)), name="noisy copy")
    at = _at_step(5, trained=noisy)
    assert not at.exception, at.exception
    metrics = {shown(m.label): m.value for m in at.metric}
    pre = float(metrics["pretrained accuracy"].rstrip("%"))
    post = float(metrics["trained here (noisy copy)"].rstrip("%"))
    assert pre > post  # noise destroys analogies


def test_learn_without_a_trained_model_offers_to_train_and_the_button_trains_one():
    at = _at_step(5)
    assert not at.exception and at.button(key="learn_train")
    at.button(key="learn_train").click().run(timeout=300)  # word2vec on the bundled corpus, in the pool
    assert not at.exception, at.exception
    assert not [e for e in at.error], [e.value for e in at.error]
    assert not [b for b in at.button if b.key == "learn_train"]  # the step now shows the trained model
    assert figures(at), "step 6 draws the trained model"
    said = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.subheader]
    assert any("word2vec" in t for t in said), said
