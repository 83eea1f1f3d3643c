"""Text from data, made safe for Plotly.

Plotly draws a subset of HTML in every text it shows — ``<b>``, ``<i>``, ``<br>``, ``<sup>``,
``<span style=…>`` and links (``<a href=…>``) — in hover labels, point labels, legends, titles and
annotations. A key or a metadata value must therefore reach a figure with ``&``, ``<`` and ``>``
escaped (Plotly shows the entities as the characters). Every builder in :mod:`embviz.figures` passes
data-derived text through :func:`escape`; the builders' own markup (``<b>``, ``<br>``) is added
after.

>>> escape('<a href="javascript:x">king</a> & queen')
'&lt;a href="javascript:x"&gt;king&lt;/a&gt; &amp; queen'
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np


def escape(value: object) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_all(values: Iterable[object]) -> np.ndarray:
    """An object array of escaped strings (vectorised for tens of thousands of keys)."""
    arr = np.asarray(list(values) if not isinstance(values, np.ndarray) else values).astype(str)
    if arr.size and (np.char.find(arr, "<") >= 0).any() | (np.char.find(arr, ">") >= 0).any() | \
            (np.char.find(arr, "&") >= 0).any():
        arr = np.char.replace(np.char.replace(np.char.replace(arr, "&", "&amp;"), "<", "&lt;"), ">", "&gt;")
    return arr.astype(object)
