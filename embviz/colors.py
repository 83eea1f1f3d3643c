"""Stable colours: one colour per value of a column, decided once for the whole table.

A figure that picks colours from the points it happens to draw gives "noun" a different colour
on every sample, method and page. :func:`category_colors` decides from *all* values of a column
(the whole table's metadata), so every figure that is given its result agrees.

>>> colors = category_colors(["noun", "verb", "noun", "adj", "noun", "verb"])
>>> list(colors)
['noun', 'verb', 'adj']
>>> colors["noun"] == PALETTE[0], color_of("unseen", colors) == OTHER_COLOR
(True, True)
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import ParameterError

# 12 colours that stay apart for most eyes (Tableau 10 order, two more), then grey for the rest
PALETTE = [
    "#4C78A8", "#F58518", "#54A24B", "#E45756", "#72B7B2", "#B279A2",
    "#FF9DA6", "#9D755D", "#EECA3B", "#6F4E7C", "#0099C6", "#BAB0AC",
]
OTHER_COLOR = "#C8CCD2"
MAX_COLORS = len(PALETTE)


def category_colors(values: Iterable, *, max_colors: int = MAX_COLORS,
                    palette: list[str] | None = None) -> dict[str, str]:
    """Value -> colour for the ``max_colors`` most common values of ``values`` (ties by name), in
    that order; every other value is drawn in :data:`OTHER_COLOR` (see :func:`color_of`).

    Pass the whole table's column (``emb.metadata["pos"]`` of the full table), not a sample's.
    Values are compared as text, so ``1`` and ``"1"`` are one value.
    """
    palette = list(palette or PALETTE)
    if isinstance(max_colors, bool) or not isinstance(max_colors, (int, np.integer)) or not 1 <= max_colors <= len(palette):
        raise ParameterError("category_colors", "max_colors", f"an integer in [1, {len(palette)}]", max_colors)
    text = pd.Series(np.asarray(list(values) if not hasattr(values, "__len__") else values, dtype=object)).astype(str)
    counts = text.value_counts()
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_colors]
    return {value: palette[i] for i, (value, _) in enumerate(ranked)}


def color_of(value, colors: Mapping[str, str]) -> str:
    """The colour of ``value`` under ``colors`` (:data:`OTHER_COLOR` when it has none)."""
    return colors.get(str(value), OTHER_COLOR)
