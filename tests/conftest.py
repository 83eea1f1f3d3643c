"""Fixtures shared by the package tests: tiny synthetic sets with deliberate corner cases."""
from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# AppTests run many dashboards in this process: no background warm-up job competing for the pool's
# one worker (the browser tests' real server warms up, as a served dashboard does).
os.environ.setdefault("EMBVIZ_WARM_UP", "0")

from embviz import Embeddings  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own projection cache folder unless it sets one itself."""
    monkeypatch.setenv("EMBVIZ_CACHE", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def blobs() -> Embeddings:
    """300 points in 3 well-separated clusters in 16-D, with a metadata column naming them."""
    rng = np.random.default_rng(42)
    centers = rng.normal(scale=6.0, size=(3, 16))
    labels = np.repeat(np.arange(3), 100)
    vectors = centers[labels] + rng.normal(size=(300, 16))
    keys = [f"w{i}" for i in range(300)]
    import pandas as pd

    meta = pd.DataFrame({"group": [f"g{g}" for g in labels], "rank": np.arange(1, 301)})
    return Embeddings(keys, vectors, meta, name="blobs")


@pytest.fixture(scope="session")
def demo():
    import embviz

    return embviz.demo()
