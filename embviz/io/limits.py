"""How much a file may ask of the reader: the bounds that keep a hostile file from taking the
memory or the time of the process that reads it.

========================  ===========================================  ==============================
limit                     default                                      environment variable
========================  ===========================================  ==============================
``max_decompressed``      ``max(64 MiB, 20 × the compressed size)``    ``EMBVIZ_MAX_DECOMPRESSED_MB``
``max_line``              8 MiB per line of text                       ``EMBVIZ_MAX_LINE_MB``
``max_rows``              10,000,000 rows                              ``EMBVIZ_MAX_ROWS``
``max_dim``               65,536 dimensions                            ``EMBVIZ_MAX_DIM``
========================  ===========================================  ==============================

``max_decompressed`` bounds what compressed input (``.gz`` files, ``.npz`` members, Parquet pages)
may expand to. Real embedding files compress 1–3× (measured: word2vec text 2.3–3.0×, float32
binary 1.1×), so the default leaves a wide margin and still stops a 1 MB gzip of 1 GiB of zeros
after 64 MiB; a genuine file of mostly zeros (one-hot vectors) may need it raised. Setting it
(parameter or variable) replaces the rule by a fixed number of bytes. ``max_line`` is 128 bytes
per value at ``max_dim`` values. Memory follows what is read: at worst (text of one-digit numbers,
each two bytes becoming a four-byte float32, the row buffer joined once at the end) about 4 bytes
per decompressed byte — measured 220 MB above the interpreter for a gzip stopped at 64 MiB — plus
~150 bytes per row for keys; pandas needs about 5 bytes per byte of CSV (tests/test_hostile_files.py).

Pass ``limits={"max_rows": 20_000_000}`` (or a :class:`Limits`) to :func:`embviz.load`, or set
the variables for a whole process (the dashboard's server, say).

>>> Limits.current().max_dim
65536
>>> Limits.current().decompressed_limit(1 << 20) == 64 << 20
True
>>> Limits.resolve({"max_rows": 5}).max_rows
5
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from ..errors import ParameterError

MIB = 1 << 20
DECOMPRESSED_FLOOR = 64 * MIB
DECOMPRESSED_RATIO = 20
ENV = {
    "max_decompressed": ("EMBVIZ_MAX_DECOMPRESSED_MB", MIB),
    "max_line": ("EMBVIZ_MAX_LINE_MB", MIB),
    "max_rows": ("EMBVIZ_MAX_ROWS", 1),
    "max_dim": ("EMBVIZ_MAX_DIM", 1),
}


@dataclass(frozen=True)
class Limits:
    """The bounds one load runs under (see the module docstring for the defaults)."""

    max_decompressed: int | None = None  # bytes; None: max(64 MiB, 20 × compressed size)
    max_line: int = 8 * MIB
    max_rows: int = 10_000_000
    max_dim: int = 65_536

    @classmethod
    def current(cls) -> Limits:
        """The defaults, overridden by the ``EMBVIZ_MAX_*`` environment variables."""
        values = {}
        for name, (var, unit) in ENV.items():
            raw = os.environ.get(var, "").strip()
            if raw:
                try:
                    number = float(raw)
                except ValueError:
                    number = -1.0
                if not number > 0:
                    raise ParameterError("the environment", var, "a positive number", raw)
                values[name] = int(number * unit)
        return replace(cls(), **values)

    @classmethod
    def resolve(cls, limits: object = None) -> Limits:
        """``None`` (the current defaults), a :class:`Limits`, or a mapping of some of its fields."""
        if limits is None:
            return cls.current()
        if isinstance(limits, Limits):
            return limits
        if not isinstance(limits, Mapping):
            raise ParameterError("load", "limits", "None, a Limits or a dict of limits", limits)
        names = {f.name for f in fields(cls)}
        for key, value in limits.items():
            if key not in names:
                raise ParameterError("load", "limits", f"a dict with keys among {sorted(names)}", key)
            ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
            if not ok and not (key == "max_decompressed" and value is None):
                raise ParameterError("load", f"limits[{key}]", "a positive integer", value)
        return replace(cls.current(), **dict(limits))

    def decompressed_limit(self, compressed_size: int | None) -> int:
        """Bytes a compressed input of ``compressed_size`` bytes may expand to."""
        if self.max_decompressed is not None:
            return self.max_decompressed
        return max(DECOMPRESSED_FLOOR, DECOMPRESSED_RATIO * (compressed_size or 0))

    def how_to_raise(self, name: str) -> str:
        """The sentence every limit error ends with."""
        var, unit = ENV[name]
        example = "2048" if unit == MIB else "20000000" if name == "max_rows" else "131072"
        return f"if the file is genuine, raise it: load(..., limits={{{name!r}: …}}) or {var}={example}"


def size_text(n: int) -> str:
    """``67,108,864`` → ``'64 MiB'``."""
    if n >= MIB:
        return f"{n / MIB:,.0f} MiB"
    return f"{n:,} bytes"
