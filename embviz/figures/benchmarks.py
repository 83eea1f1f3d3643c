"""Benchmark figures: analogy accuracy per section (pure Plotly, data text escaped)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .text import escape


def section_accuracy(sections: pd.DataFrame, title: str = "Accuracy per section") -> go.Figure:
    """Horizontal bars of ``sections`` (columns ``section``, ``accuracy``, ``total``), weakest first;
    sections without questions are left out."""
    sec = sections[sections["total"] > 0].sort_values("accuracy")
    fig = go.Figure(go.Bar(
        x=sec["accuracy"], y=[escape(s) for s in sec["section"]], orientation="h", marker_color="#4C78A8",
        text=[f"{a:.0%} of {t:,}" for a, t in zip(sec["accuracy"], sec["total"])], textposition="outside",
        hovertemplate="%{y}: %{x:.1%}<extra></extra>",
    ))
    fig.update_layout(height=40 + 28 * len(sec), margin=dict(l=10, r=40, t=30, b=10), template="plotly_white",
                      title=dict(text=escape(title), x=0.01), xaxis=dict(range=[0, 1.15], tickformat=".0%"))
    return fig
