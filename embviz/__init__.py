"""embviz — see what embeddings are and how they behave.

Load or train embeddings, find neighbours, do analogy arithmetic, cluster them, project them to
2-D or 3-D with PCA, t-SNE or UMAP, and measure how faithful each picture is.

>>> import embviz
>>> emb = embviz.Embeddings(["king", "queen"], [[1.0, 0.0], [0.8, 0.6]])
>>> emb.most_similar("king", topn=1)
[('queen', 0.800000011920929)]

Public names are imported lazily, so ``import embviz`` stays fast and heavy libraries (umap,
openTSNE, gensim, torch) load only when the function that needs them runs.
"""
from __future__ import annotations

import importlib

from .embeddings import Embeddings
from .errors import (
    EmbeddingFormatError,
    EmbvizError,
    ExpressionError,
    ParameterError,
    UnknownKeyError,
)

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "load": "formats",
    "save": "formats",
    "sniff": "formats",
    "FORMATS": "formats",
    "demo": "datasets",
    "demo_corpus": "datasets",
    "project": "reduce",
    "Projection": "reduce",
    "REDUCERS": "reduce",
    "align": "reduce",
    "place": "reduce",
    "warm_up": "reduce",
    "Placement": "reduce",
    "quality": "faithfulness",
    "per_point_quality": "faithfulness",
    "trustworthiness": "faithfulness",
    "parse": "expressions",
    "vector": "expressions",
    "analogy": "analogies",
    "evaluate_analogies": "evaluate",
    "evaluate_similarity": "evaluate",
    "remove_direction": "directions",
    "cluster": "clustering",
    "Clustering": "clustering",
    "find_regions": "regions",
    "Regions": "regions",
    "group_similarity": "groups",
    "semantic_groups": "groups",
    "CLUSTERERS": "clustering",
    "train_word2vec": "train",
    "TrainedEmbeddings": "train",
    "embed_texts": "encode",
    "embed_csv": "encode",
    "compare_models": "models",
}

__all__ = [
    "Embeddings",
    "EmbeddingFormatError",
    "EmbvizError",
    "ExpressionError",
    "ParameterError",
    "UnknownKeyError",
    "__version__",
    *_LAZY,
]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'embviz' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
