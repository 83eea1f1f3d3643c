"""The reducer contract: registry, fit → :class:`Projection` (coordinates + a model that maps new
points), and :func:`project`.

Every method (PCA, t-SNE, UMAP, densMAP, PaCMAP, TriMap, formula axes) is a :class:`Reducer`
subclass that declares its parameters once, as a list of :class:`~embviz.params.ParamSpec`, and
what interfaces need to know about it (label, description, point limit, axis titles, how to adapt
defaults to a small sample). Validation messages, the dashboard's widgets, the CLI's ``--method``
choices and help, and the cache key all come from that one table.

``Reducer.fit`` returns a :class:`Fit`: the coordinates and a *model* whose ``transform`` maps new
(prepared) rows onto the same map — PCA exactly, openTSNE's ``TSNEEmbedding.transform``, UMAP's
``transform``, the axes trivially; for a library without one (densMAP, TriMap) the model places
points from their nearest fitted neighbours (:class:`embviz.reduce.place.NeighbourModel`).

>>> import numpy as np, embviz
>>> emb = embviz.Embeddings([f"w{i}" for i in range(50)], np.random.default_rng(0).normal(size=(50, 8)))
>>> p = embviz.project(emb, "pca", cache=False)
>>> p.coords.shape, p.coords.dtype, p.method, p.transform_kind
((50, 2), dtype('float32'), 'pca', 'native')
>>> bool(np.allclose(p.transform(emb.vectors[:3]), p.coords[:3], atol=1e-5))
True
"""
from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import EmbvizError, ParameterError
from ..neighbors import check_metric, normalize_rows
from ..params import AUTO, ParamSpec, resolve_params
from ..progress import ProgressCallback

__all__ = [
    "AUTO",
    "REDUCERS",
    "Fit",
    "ParamSpec",
    "Projection",
    "Reducer",
    "get_reducer",
    "map_methods",
    "prepare_rows",
    "project",
    "register",
]


def prepare_rows(x, metric: str) -> np.ndarray:
    """The matrix a method runs on: unit rows for cosine (euclidean distance between unit vectors
    ranks exactly as cosine does), raw rows for euclidean; a writeable float32 C array (numba
    compiles new specialisations for read-only arrays)."""
    x = np.asarray(x, dtype=np.float32)
    if metric == "cosine":
        return np.ascontiguousarray(normalize_rows(x))
    return np.array(x, dtype=np.float32, order="C", copy=True)


@dataclass
class Fit:
    """What :meth:`Reducer.fit` returns: coordinates, the model that maps new prepared rows
    (``None``: place new points by neighbour interpolation), and how the run ended."""

    coords: np.ndarray
    model: Any = None
    explained_variance: np.ndarray | None = None
    stopped: bool = False


Result = Fit  # the name reducers written before fit/transform return


@dataclass(eq=False)
class Projection:
    """Coordinates of every key in 2 or 3 dimensions, how they were made, and how to add points.

    ``params``: what ran ("auto" resolved, e.g. t-SNE's ``learning_rate``); ``requested``: what
    was asked. ``model``: the fitted model (``None`` when the projection came from the disk cache:
    :meth:`transform` then places new points by neighbour interpolation on ``base``).
    """

    coords: np.ndarray
    keys: list[str]
    method: str
    dims: int
    params: dict
    seconds: float
    explained_variance: np.ndarray | None = None
    stopped: bool = False
    from_cache: bool = False
    extra: dict = field(default_factory=dict)
    requested: dict = field(default_factory=dict)
    model: Any = field(default=None, repr=False)
    base: Any = field(default=None, repr=False)  # the Embeddings it was fitted on (rows = keys)
    metric: str = "cosine"

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        flags = " stopped" if self.stopped else ""
        flags += " cached" if self.from_cache else ""
        return f"<Projection {self.method} {len(self)}×{self.dims} in {self.seconds:.2f}s{flags}>"

    @property
    def transform_kind(self) -> str:
        """``"native"`` (the method's own transform) or ``"neighbours"`` (interpolation)."""
        from .place import NeighbourModel

        return "neighbours" if self.model is None or isinstance(self.model, NeighbourModel) else "native"

    def mapper(self, k: int = 5):
        """A picklable callable ``rows -> coords`` (what the Dask path sends to its workers)."""
        from .place import Mapper, NeighbourModel

        model = self.model
        if model is None:
            if self.base is None:
                raise ParameterError("Projection.transform", "base", "the Embeddings the map was fitted on "
                                     "(a projection without a model places points by its neighbours)", None)
            rows = self.base.indices(self.keys) if list(self.base.keys) != list(self.keys) else slice(None)
            model = NeighbourModel(prepare_rows(self.base.vectors[rows], self.metric), self.coords, k, self.metric)
        return Mapper(model, self.metric, self._dim())

    def transform(self, vectors) -> np.ndarray:
        """Coordinates of new vectors on this map (N × dims float32)."""
        return self.mapper()(vectors)

    def _dim(self) -> int | None:
        if self.base is not None:
            return int(self.base.dim)
        return getattr(self.model, "dim", None)


class Reducer:
    """Base class: subclasses set ``name``, ``label``, ``description``, ``PARAMS`` and implement
    :meth:`fit` (or the older :meth:`run`)."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    PARAMS: ClassVar[list[ParamSpec]] = []
    uses_metric: ClassVar[bool] = True
    point_limit: ClassVar[int] = 10_000   # default number of points for interactive use
    native_transform: ClassVar[bool] = True  # False: the library has none (neighbour interpolation)
    requires: ClassVar[tuple[str, ...]] = ()  # importable modules the method needs (optional extras)
    reads_columns: ClassVar[bool] = False  # True: plots chosen columns/directions, learns no map of meaning
    inline: ClassVar[bool] = False         # True: cheap enough to run in the page's own request (small inputs)

    @classmethod
    def owner(cls) -> str:
        return cls.label or cls.name

    @classmethod
    def spec(cls, name: str) -> ParamSpec:
        for p in cls.PARAMS:
            if p.name == name:
                return p
        raise KeyError(name)

    @classmethod
    def available(cls) -> bool:
        return all(importlib.util.find_spec(m) is not None for m in cls.requires)

    @classmethod
    def check_available(cls) -> None:
        missing = [m for m in cls.requires if importlib.util.find_spec(m) is None]
        if missing:
            raise EmbvizError(f"{cls.owner()} needs the package {missing[0]!r}: pip install {missing[0]}")

    @classmethod
    def requested(cls, params: dict) -> dict:
        """Defaults filled in, every value checked ("auto" kept); unknown names are an error."""
        return resolve_params(cls.owner(), cls.PARAMS, params)

    @classmethod
    def resolve(cls, params: dict, n: int, dim: int, dims: int) -> dict:
        """The parameters that will run: checked, data limits checked, "auto" values resolved."""
        out = cls.requested(params)
        cls.check_data(out, n, dim, dims)
        cls.settle(out, n, dim, dims)
        return out

    @classmethod
    def check_data(cls, params: dict, n: int, dim: int, dims: int) -> None:
        """Limits that depend on the data (override)."""

    @classmethod
    def settle(cls, params: dict, n: int, dim: int, dims: int) -> None:
        """Resolve ``"auto"`` values in place from the data (override)."""

    @classmethod
    def adapt(cls, params: dict, n: int) -> dict:
        """``params`` with defaults a set of ``n`` points cannot take lowered (explicit choices stay)."""
        return dict(params)

    @classmethod
    def axis_titles(cls, projection: Projection) -> list[str]:
        return [f"{cls.owner()} {i + 1}" for i in range(projection.dims)]

    def prepare(self, emb, params: dict, metric: str) -> np.ndarray:
        return prepare_rows(emb.vectors, metric)

    def fit(self, x: np.ndarray, dims: int, seed: int, params: dict, progress: ProgressCallback | None) -> Fit:
        return self.run(x, dims, seed, params, progress)

    def run(self, x, dims, seed, params, progress) -> Fit:  # pragma: no cover - the older contract
        raise NotImplementedError


REDUCERS: dict[str, type[Reducer]] = {}


def register(cls: type[Reducer]) -> type[Reducer]:
    """Add a reducer to :data:`REDUCERS` (a class decorator); every interface lists it from then on."""
    if not cls.name or not isinstance(cls.name, str):
        raise TypeError("a reducer needs a name")
    for spec in cls.PARAMS:
        if not isinstance(spec, ParamSpec):
            raise TypeError(f"{cls.name}.PARAMS must hold ParamSpec objects, not {spec!r}")
    REDUCERS[cls.name] = cls
    return cls


def map_methods(first: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The registered methods that learn a map of meaning (not ``reads_columns``) and can run here
    (``available``): the names in ``first`` that qualify lead, in that order, then every other in
    registry order — a page keeps its usual order and still lists a newly registered method.

    >>> map_methods(), map_methods(("tsne", "umap", "pca", "nope"))[:4]
    (['pca', 'tsne', 'umap', 'densmap', 'pacmap', 'trimap'], ['tsne', 'umap', 'pca', 'densmap'])
    """
    ok = [name for name, cls in REDUCERS.items() if not cls.reads_columns and cls.available()]
    lead = [name for name in dict.fromkeys(first) if name in ok]
    return lead + [name for name in ok if name not in lead]


def get_reducer(method: str | Reducer | type[Reducer]) -> Reducer:
    """A reducer instance from a registry name, a class or an instance.

    >>> get_reducer("pca").name
    'pca'
    >>> get_reducer("tnse")
    Traceback (most recent call last):
    ...
    embviz.errors.ParameterError: The 'method' parameter of project must be one of 'pca', 'tsne', 'umap', 'densmap', 'pacmap', 'trimap', 'axes'. Got 'tnse' instead.
    """
    if isinstance(method, Reducer):
        return method
    if isinstance(method, type) and issubclass(method, Reducer):
        return method()
    cls = REDUCERS.get(method) if isinstance(method, str) else None
    if cls is None:
        raise ParameterError("project", "method", "one of " + ", ".join(map(repr, REDUCERS)), method)
    return cls()


def check_common(emb, dims: int, seed: int, metric: str, owner: str = "project") -> None:
    if isinstance(dims, bool) or dims not in (2, 3):
        raise ParameterError(owner, "dims", "2 or 3", dims)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ParameterError(owner, "seed", "an integer in [0, 2**32)", seed)
    check_metric(metric, owner)
    if len(emb) < 3:
        raise ParameterError(owner, "emb", "a set of at least 3 points", len(emb))


def project(
    emb,
    method: str | Reducer = "pca",
    dims: int = 2,
    *,
    seed: int = 0,
    metric: str = "cosine",
    progress: ProgressCallback | None = None,
    cache=None,
    **params: Any,
) -> Projection:
    """Fit a registered method to ``emb`` in ``dims`` (2 or 3) dimensions.

    Parameters are checked before any work starts. Results are cached on disk by content
    (``cache=None`` uses the default :class:`embviz.cache.DiskCache`, ``cache=False`` disables it);
    a run stopped through ``progress`` returns the partial layout with ``stopped=True`` and is not
    cached. A cached projection has no live model; its :meth:`Projection.transform` places new
    points by neighbour interpolation.
    """
    reducer = get_reducer(method)
    check_common(emb, dims, seed, metric)
    requested = reducer.requested(params)
    resolved = dict(requested)
    reducer.check_data(resolved, len(emb), emb.dim, dims)
    reducer.settle(resolved, len(emb), emb.dim, dims)
    if reducer.uses_metric:
        resolved, requested = {"metric": metric, **resolved}, {"metric": metric, **requested}
    resolved["seed"] = requested["seed"] = int(seed)
    prep_metric = metric if reducer.uses_metric else "cosine"
    reducer.check_available()
    store = _cache(cache)
    key = None
    if store is not None:
        from ..cache import projection_key

        key = projection_key(emb, reducer.name, dims, seed, resolved)
        hit = store.get(key)
        if hit is not None and hit[0].shape == (len(emb), dims):
            coords, meta = hit
            ev = meta.get("explained_variance")
            return Projection(
                coords, list(emb.keys), reducer.name, dims, meta.get("params", resolved), float(meta.get("seconds", 0.0)),
                None if ev is None else np.asarray(ev, dtype=np.float64), False, True,
                requested=requested, base=emb, metric=prep_metric,
            )
    start = time.perf_counter()
    x = reducer.prepare(emb, resolved, prep_metric)
    result = reducer.fit(x, dims, int(seed), resolved, progress)
    seconds = time.perf_counter() - start
    coords = np.ascontiguousarray(result.coords, dtype=np.float32)
    if not np.isfinite(coords).all():  # never hand NaN to a plot
        coords = np.nan_to_num(coords, nan=0.0, posinf=0.0, neginf=0.0)
    proj = Projection(coords, list(emb.keys), reducer.name, dims, resolved, seconds,
                      result.explained_variance, result.stopped, False, requested=requested,
                      model=result.model, base=emb, metric=prep_metric)
    if store is not None and not result.stopped:
        meta = {"params": resolved, "seconds": seconds, "method": reducer.name, "dims": dims,
                "explained_variance": None if result.explained_variance is None else
                [float(v) for v in result.explained_variance]}
        store.put(key, coords, meta)
    return proj


def _cache(cache):
    from ..cache import resolve

    return resolve(cache)

