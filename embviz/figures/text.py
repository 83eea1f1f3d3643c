"""Text from data, made safe for Plotly.

Plotly draws a subset of HTML in every text it shows — ``<b>``, ``<i>``, ``<br>``, ``<sup>``,
``<span style=…>`` and links (``<a href=…>``) — in hover labels, point labels, legends, titles and
annotations. A key or a metadata value must therefore reach a figure with ``&``, ``<`` and ``>``
escaped (Plotly shows the entities as the characters). Every builder in :mod:`embviz.figures` passes
data-derived text through :func:`escape`; the builders' own markup (``<b>``, ``<br>``) is added
after. Hover text with markup is built once by :func:`hover_text` and passed to builders as it is.

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


def hover_text(keys, metadata=None, columns=()) -> np.ndarray:
    """Hover text per point: the key in bold, then ``column: value`` lines for ``columns`` of
    ``metadata`` (floats to 2 decimals) — every key, column name and value escaped, the markup
    (``<b>``, ``<br>``) added here. Figure builders take the result as it is.

    >>> import pandas as pd
    >>> hover_text(["<i>x</i>"], pd.DataFrame({"pos": ["noun"]}), ["pos"]).tolist()
    ['<b>&lt;i&gt;x&lt;/i&gt;</b><br>pos: noun']
    """
    safe = escape_all(keys)
    if metadata is None or not len(columns):
        return safe
    text = ("<b>" + safe.astype(str) + "</b>").astype(object)
    for c in columns:
        vals = metadata[c].to_numpy()
        if vals.dtype.kind == "f":
            vals = np.round(vals, 2)
        text = text + f"<br>{escape(c)}: " + escape_all(vals)
    return text
