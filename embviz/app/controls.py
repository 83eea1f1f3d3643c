"""Widgets built from the package's own tables: the method picker and its parameters.

The choices come from ``embviz.REDUCERS`` and each reducer's ``PARAMS`` (kind, default, range,
help), so a new method or parameter appears in the dashboard without touching the app.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

import embviz


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
        value = _widget(box, spec, key)
        if value != spec.default:
            out[spec.name] = value
    return out


def _widget(box, spec, key: str):
    label = spec.name.replace("_", " ")
    help_ = spec.help or None
    if key in st.session_state:
        try:
            st.session_state[key] = spec.check("app", st.session_state[key])
        except Exception:  # a stale or bad value (e.g. from a URL): back to the default
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
        if spec.kind == "float" and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if spec.kind == "str":
            value = str(value)
        try:
            st.session_state[param_key(prefix, method, name)] = spec.check(method_label(method), value)
        except Exception as exc:  # noqa: BLE001
            problems.append(f"URL parameter 'p.{name}': {exc} Using the default {spec.default!r}.")
    return problems
