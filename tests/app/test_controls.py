"""Parameter widgets from the registry: "auto" is a value, bad values are said, never silently reset."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.helpers import app, figures, texts


def _widgets():
    import streamlit as st

    from embviz.app import controls

    problems = controls.apply_params("tsne", "t", st.session_state.pop("url", {}))
    st.session_state["problems"] = problems
    st.session_state["out"] = controls.param_widgets("tsne", "t")


def test_auto_parameters_take_a_number_or_auto_and_bad_text_is_reported():
    at = AppTest.from_function(_widgets).run()
    box = at.text_input(key="t_p_tsne_learning_rate")
    assert box.value == "auto" and at.session_state["out"] == {}
    box.set_value("120").run()
    assert at.session_state["out"] == {"learning_rate": 120.0}
    at.text_input(key="t_p_tsne_learning_rate").set_value("fast").run()
    assert at.session_state["out"] == {}
    assert any("'learning_rate' parameter of t-SNE must be 'auto' or a float in (0, 1000000]. Got 'fast'" in w
               for w in texts(at, "warning"))


def test_url_values_go_through_the_parameter_table():
    at = AppTest.from_function(_widgets)
    at.session_state["url"] = {"n_iter": "999999999999", "learning_rate": "55", "perplexity": 12}
    at.run()
    assert at.session_state["out"] == {"learning_rate": 55.0, "perplexity": 12.0}
    (problem,) = at.session_state["problems"]
    assert problem.startswith("URL parameter 'p.n_iter': The 'n_iter' parameter of t-SNE must be an int in "
                              "[50, 10000]. Got 999999999999 instead.")


def test_a_bad_url_value_is_named_and_the_map_still_draws():
    at = app({"p.whiten": "maybe"})
    assert not at.exception and figures(at)
    assert any("'whiten' parameter of PCA must be true or false. Got 'maybe'" in w for w in texts(at, "warning"))
