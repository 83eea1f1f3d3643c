"""The reducer contract: parameter table, registry, :class:`Projection` and :func:`project`.

Every method (PCA, t-SNE, UMAP, formula axes) is a :class:`Reducer` subclass that declares its
parameters once, as a list of :class:`ParamSpec`. Validation messages, the dashboard's widgets and
the cache key all come from that one table.

>>> import numpy as np, embviz
>>> emb = embviz.Embeddings([f"w{i}" for i in range(50)], np.random.default_rng(0).normal(size=(50, 8)))
>>> p = embviz.project(emb, "pca", cache=False)
>>> p.coords.shape, p.coords.dtype, p.method
((50, 2), dtype('float32'), 'pca')
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from ..errors import ParameterError
from ..neighbors import check_metric
from ..progress import ProgressCallback

KINDS = ("int", "float", "choice", "bool", "str")


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a reducer: its kind, default and valid range.

    ``low``/``high`` bound numbers (inclusive unless ``rule`` says otherwise; the rule text is what
    the error message shows). ``choices`` lists the values of a ``choice`` parameter.

    >>> spec = ParamSpec("n_neighbors", "int", 15, ">= 2", low=2)
    >>> spec.check("UMAP", 1)
    Traceback (most recent call last):
    ...
    embviz.errors.ParameterError: The 'n_neighbors' parameter of UMAP must be >= 2. Got 1 instead.
    """

    name: str
    kind: str
    default: Any
    rule: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    help: str = ""
    exclusive_low: bool = False
    example: Any = None  # a value an interface may start from when the default is empty

    def check(self, owner: str, value: Any) -> Any:
        """``value`` converted to this kind, or :class:`ParameterError` naming the rule."""
        fail = ParameterError(owner, self.name, self.rule or self._default_rule(), value)
        if self.kind == "bool":
            if isinstance(value, (bool, np.bool_)):
                return bool(value)
            raise fail
        if self.kind == "choice":
            if value not in self.choices:
                raise fail
            return value
        if self.kind == "str":
            if not isinstance(value, str):
                raise fail
            return value
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise fail
        if self.kind == "int":
            if float(value) != int(value):
                raise fail
            value = int(value)
        else:
            value = float(value)
            if not np.isfinite(value):
                raise fail
        if self.low is not None and (value < self.low or (self.exclusive_low and value == self.low)):
            raise fail
        if self.high is not None and value > self.high:
            raise fail
        return value

    def _default_rule(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(map(repr, self.choices))
        if self.kind in ("bool", "str"):
            return f"a {self.kind}"
        parts = [f"a{'n' if self.kind == 'int' else ''} {self.kind}"]
        if self.low is not None:
            parts.append(f"{'>' if self.exclusive_low else '>='} {self.low}")
        if self.high is not None:
            parts.append(f"<= {self.high}")
        return " ".join(parts)


@dataclass
class Projection:
    """Coordinates of every key in 2 or 3 dimensions, with how they were made."""

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

    def __len__(self) -> int:
        return len(self.keys)

    def __repr__(self) -> str:
        flags = " stopped" if self.stopped else ""
        flags += " cached" if self.from_cache else ""
        return f"<Projection {self.method} {len(self)}×{self.dims} in {self.seconds:.2f}s{flags}>"


@dataclass
class Result:
    """What a reducer's :meth:`Reducer.run` returns."""

    coords: np.ndarray
    explained_variance: np.ndarray | None = None
    stopped: bool = False


class Reducer:
    """Base class: subclasses set ``name``, ``label``, ``PARAMS`` and implement :meth:`run`."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    PARAMS: ClassVar[list[ParamSpec]] = []
    uses_metric: ClassVar[bool] = True

    @classmethod
    def spec(cls, name: str) -> ParamSpec:
        for p in cls.PARAMS:
            if p.name == name:
                return p
        raise KeyError(name)

    @classmethod
    def resolve(cls, params: dict, n: int, dim: int, dims: int) -> dict:
        """Defaults filled in, every value checked; unknown names are an error."""
        known = {p.name: p for p in cls.PARAMS}
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise ParameterError(cls.label or cls.name, unknown[0], "one of " + ", ".join(map(repr, known)), params[unknown[0]])
        out = {}
        for name, spec in known.items():
            out[name] = spec.check(cls.label or cls.name, params.get(name, spec.default))
        cls.check_data(out, n, dim, dims)
        return out

    @classmethod
    def check_data(cls, params: dict, n: int, dim: int, dims: int) -> None:
        """Limits that depend on the data (override)."""

    @classmethod
    def prepare(cls, emb, params: dict, metric: str) -> np.ndarray:
        """The matrix the method runs on: unit vectors for cosine (euclidean distance between
        unit vectors ranks exactly as cosine does), raw vectors for euclidean."""
        x = emb.unit_vectors if metric == "cosine" else emb.vectors
        return np.array(x, dtype=np.float32, order="C", copy=True)  # writeable: numba recompiles on read-only

    def run(self, x: np.ndarray, dims: int, seed: int, params: dict, progress: ProgressCallback | None) -> Result:
        raise NotImplementedError


REDUCERS: dict[str, type[Reducer]] = {}


def register(cls: type[Reducer]) -> type[Reducer]:
    REDUCERS[cls.name] = cls
    return cls


def get_reducer(method: str | Reducer | type[Reducer]) -> Reducer:
    """A reducer instance from a registry name, a class or an instance.

    >>> get_reducer("pca").name
    'pca'
    >>> get_reducer("tnse")
    Traceback (most recent call last):
    ...
    embviz.errors.ParameterError: The 'method' parameter of project must be one of 'pca', 'tsne', 'umap', 'axes'. Got 'tnse' instead.
    """
    if isinstance(method, Reducer):
        return method
    if isinstance(method, type) and issubclass(method, Reducer):
        return method()
    cls = REDUCERS.get(method) if isinstance(method, str) else None
    if cls is None:
        raise ParameterError("project", "method", "one of " + ", ".join(map(repr, REDUCERS)), method)
    return cls()


def _check_common(emb, dims: int, seed: int, metric: str) -> None:
    if isinstance(dims, bool) or dims not in (2, 3):
        raise ParameterError("project", "dims", "2 or 3", dims)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ParameterError("project", "seed", "an integer in [0, 2**32)", seed)
    check_metric(metric, "project")
    if len(emb) < 3:
        raise ParameterError("project", "emb", "a set of at least 3 points", len(emb))


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
    """Project ``emb`` to ``dims`` (2 or 3) dimensions with a registered method.

    Parameters are checked before any work starts. Results are cached on disk by content
    (``cache=None`` uses the default :class:`embviz.cache.DiskCache`, ``cache=False`` disables it);
    a run stopped through ``progress`` returns the partial layout with ``stopped=True`` and is not
    cached.
    """
    reducer = get_reducer(method)
    _check_common(emb, dims, seed, metric)
    resolved = reducer.resolve(params, len(emb), emb.dim, dims)
    if reducer.uses_metric:
        resolved = {"metric": metric, **resolved}
    resolved["seed"] = int(seed)
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
            )
    start = time.perf_counter()
    x = reducer.prepare(emb, resolved, metric)
    result = reducer.run(x, dims, int(seed), resolved, progress)
    seconds = time.perf_counter() - start
    coords = np.ascontiguousarray(result.coords, dtype=np.float32)
    if not np.isfinite(coords).all():  # never hand NaN to a plot
        coords = np.nan_to_num(coords, nan=0.0, posinf=0.0, neginf=0.0)
    proj = Projection(coords, list(emb.keys), reducer.name, dims, resolved, seconds,
                      result.explained_variance, result.stopped, False)
    if store is not None and not result.stopped:
        meta = {"params": resolved, "seconds": seconds, "method": reducer.name, "dims": dims,
                "explained_variance": None if result.explained_variance is None else
                [float(v) for v in result.explained_variance]}
        store.put(key, coords, meta)
    return proj


def _cache(cache):
    if cache is False:
        return None
    if cache is None or cache is True:
        from ..cache import DiskCache

        return DiskCache()
    return cache
