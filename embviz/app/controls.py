"""Widgets built from the package's own tables: the method picker and its parameters.

The choices come from ``embviz.REDUCERS`` and each reducer's ``PARAMS`` (kind, default, range,
help), so a new method or parameter appears in the dashboard without touching the app.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

import embviz
from embviz.errors import ParameterError


def reducers() -> dict:
    return dict(embviz.REDUCERS)


def method_label(name: str) -> str:
    cls = reducers().get(name)
    return (getattr(cls, "label", "") or name.upper()) if cls else name


def param_key(prefix: str, method: str, name: str) -> str:
    return f"{prefix}_p_{method}_{name}"


def param_widgets(method: str, prefix: str, container=None, skip: tuple = ()) -> dict[str, Any]:
    """One widget per parameter of ``method``; returns only values that differ from the defaults
    (so the cache key and the URL stay short)."""
    cls = reducers()[method]
    box = container or st
    out: dict[str, Any] = {}
    for spec in cls.PARAMS:
        if spec.name in skip:
            continue
        key = param_key(prefix, method, spec.name)
        value = _widget(box, spec, key, method_label(method))
        if value != spec.default:
            out[spec.name] = value
    return out


def spec_widgets(specs, prefix: str, method: str, owner: str, boxes, start: dict | None = None) -> dict[str, Any]:
    """One widget per :class:`~embviz.params.ParamSpec` of any registry (reducers, clusterers):
    spec ``i`` in ``boxes[i]``, the rest in the last box; keys :func:`param_key`; a widget first
    shows ``start[name]`` when given (e.g. a default lowered to the data), else the default.
    Returns the values that differ from the defaults ("auto" is a value)."""
    out: dict[str, Any] = {}
    start = start or {}
    for i, spec in enumerate(specs):
        key = param_key(prefix, method, spec.name)
        if key not in st.session_state and spec.name in start and start[spec.name] is not None:
            st.session_state[key] = str(start[spec.name]) if spec.auto else start[spec.name]
        value = _widget(boxes[min(i, len(boxes) - 1)], spec, key, owner)
        if value != spec.default:
            out[spec.name] = value
    return out


def _widget(box, spec, key: str, owner: str = "app"):
    label = spec.name.replace("_", " ")
    help_ = spec.help or None
    if spec.auto:  # "auto" is a value: a text box that takes a number or "auto", read by ParamSpec.parse
        if key not in st.session_state:
            st.session_state[key] = str(spec.default)
        st.session_state[key] = str(st.session_state[key])
        text = box.text_input(f"{label} (a number or auto)", key=key, help=help_)
        try:
            return spec.parse(text, owner)
        except ParameterError as exc:
            box.warning(f"{exc} Using {spec.default!r}.")
            return spec.default
    if key in st.session_state and not (st.session_state[key] is None and spec.default is None):
        try:
            st.session_state[key] = spec.check(owner, st.session_state[key])
        except ParameterError as exc:  # a stale or bad value (e.g. from a URL): back to the default, said
            box.warning(f"{exc} Using the default {spec.default!r}.")
            st.session_state[key] = spec.default
    else:  # an empty text parameter (formula axes) starts from the package's example
        st.session_state[key] = spec.example if spec.default == "" and spec.example is not None else spec.default
    if spec.kind == "bool":
        return box.toggle(label, key=key, help=help_)
    if spec.kind == "choice":
        return box.selectbox(label, list(spec.choices), key=key, help=help_)
    if spec.kind == "str":
        return box.text_input(label, key=key, help=help_)
    if spec.kind == "int":
        lo = int(spec.low) + (1 if spec.exclusive_low else 0) if spec.low is not None else None
        hi = int(spec.high) if spec.high is not None else None
        return box.number_input(label, min_value=lo, max_value=hi, step=1, key=key, help=help_)
    lo = float(spec.low) if spec.low is not None and not spec.exclusive_low else None
    hi = float(spec.high) if spec.high is not None else None
    return box.number_input(label, min_value=lo, max_value=hi, key=key, help=help_, format="%g")


def apply_params(method: str, prefix: str, params: dict) -> list[str]:
    """Put parameter values (e.g. from a URL) into the widgets' state; messages for bad ones."""
    cls = reducers().get(method)
    if cls is None:
        return []
    problems = []
    known = {p.name: p for p in cls.PARAMS}
    for name, value in params.items():
        spec = known.get(name)
        if spec is None:
            problems.append(f"URL parameter 'p.{name}' is not a parameter of {method_label(method)} "
                            f"(it has {', '.join(known) or 'none'}) — ignored.")
            continue
        try:
            value = spec.parse(value if isinstance(value, str) else str(value), method_label(method)) \
                if spec.kind != "str" else spec.check(method_label(method), str(value))
            st.session_state[param_key(prefix, method, name)] = str(value) if spec.auto else value
        except ParameterError as exc:
            problems.append(f"URL parameter 'p.{name}': {exc} Using the default {spec.default!r}.")
    return problems
