"""Progress reporting for long work.

A progress callback is any callable ``progress(done, total, message) -> bool | None``. Long
operations call it as they go; when it returns ``True`` the operation stops at the next safe
point and returns what it has so far (marked ``stopped``). This mirrors openTSNE's callbacks and
gensim's ``on_epoch_end``, and lets the dashboard adapt it to ``st.progress`` with a Stop button.

**Intermediate layouts** (for an animation of t-SNE forming its clusters): a callback with the
attribute ``wants_layout = True`` is also given the keyword ``layout=`` — a copy of the current
coordinates (N × dims float32) — at every check (t-SNE: every ``CHECK_EVERY`` = 50 iterations).
Callbacks without the attribute are called exactly as before.

>>> class Frames(Recorder):
...     wants_layout = True
...     def __call__(self, done, total, message="", layout=None):
...         self.last = layout
...         return super().__call__(done, total, message)
>>> f = Frames()
>>> report(f, 1, 2, "step", layout=[[0.0, 1.0]]), f.last.dtype.name
(False, 'float32')
"""
from __future__ import annotations

import time
from collections.abc import Callable

ProgressCallback = Callable[[float, float, str], "bool | None"]


def wants_layout(progress) -> bool:
    """Whether ``progress`` asks for intermediate layouts (attribute ``wants_layout = True``)."""
    return progress is not None and getattr(progress, "wants_layout", False) is True


def report(progress: ProgressCallback | None, done: float, total: float, message: str = "",
           layout=None) -> bool:
    """Call ``progress`` if given; return ``True`` when it asks the work to stop. ``layout`` is
    passed (as a float32 copy) only to callbacks that want it."""
    if progress is None:
        return False
    if layout is not None and wants_layout(progress):
        import numpy as np

        return bool(progress(done, total, message, layout=np.array(layout, dtype=np.float32, copy=True)))
    return bool(progress(done, total, message))


class Throttle:
    """Wrap a callback so that it is called at most every ``interval`` seconds (and at the end)."""

    def __init__(self, progress: ProgressCallback | None, interval: float = 0.2):
        self.progress, self.interval, self._last = progress, interval, 0.0
        self.wants_layout = wants_layout(progress)

    def __call__(self, done: float, total: float, message: str = "", layout=None) -> bool:
        now = time.monotonic()
        if self.progress is None:
            return False
        if done >= total or now - self._last >= self.interval:
            self._last = now
            return report(self.progress, done, total, message, layout)
        return False


class Recorder:
    """A callback that records every call; useful in tests and for logging."""

    def __init__(self, stop_after: int | None = None):
        self.calls: list[tuple[float, float, str]] = []
        self.stop_after = stop_after

    def __call__(self, done: float, total: float, message: str = "") -> bool:
        self.calls.append((done, total, message))
        return self.stop_after is not None and len(self.calls) >= self.stop_after
