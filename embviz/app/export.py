"""Export a view: coordinates (CSV, Parquet, TF-projector TSV) and the figure (HTML, PNG, SVG).

Pure functions returning bytes, so the page hands them to ``st.download_button`` and tests check
them by reading them back.

>>> import numpy as np
>>> df = coordinates_frame(np.array([[0, 1], [2, 3]], dtype=np.float32), ["a", "b"])
>>> to_csv(df).decode().splitlines()
['key,x,y', 'a,0.0,1.0', 'b,2.0,3.0']
"""
from __future__ import annotations

import io
import os
import shutil

import pandas as pd

from embviz.coords import AXES, coordinates_frame, projector_zip  # noqa: F401  (the coordinates table has one owner)


def to_csv(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8")


def to_parquet(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=False)
    return buf.getvalue()


def to_projector_zip(df: pd.DataFrame) -> bytes:
    """A zip with ``tensors.tsv`` (the coordinates) and ``metadata.tsv`` (key + metadata, header row),
    which https://projector.tensorflow.org loads with "Load" (:func:`embviz.coords.projector_zip`)."""
    return projector_zip(df)


def figure_html(fig) -> bytes:
    """A standalone HTML file with plotly.js inlined: opens offline, no CDN."""
    return fig.to_html(include_plotlyjs=True, full_html=True,
                       config={"displaylogo": False, "responsive": True}).encode("utf-8")


def image_available() -> bool:
    """Whether PNG/SVG rendering can run here (kaleido plus a Chrome/Chromium)."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        return False
    return bool(os.environ.get("BROWSER_PATH") or shutil.which("chromium") or shutil.which("google-chrome")
                or shutil.which("chromium-browser"))


def figure_image(fig, fmt: str = "png", width: int = 1600, height: int = 1000, scale: float = 1.0) -> bytes:
    """The figure as PNG or SVG bytes via kaleido (which drives a headless Chromium)."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"image format must be 'png' or 'svg'; got {fmt!r}")
    if not os.environ.get("BROWSER_PATH"):
        exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if exe:
            os.environ["BROWSER_PATH"] = exe
    return fig.to_image(format=fmt, width=width, height=height, scale=scale)


MODEBAR_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "filename": "embviz", "width": 1920, "height": 1080, "scale": 1},
}
