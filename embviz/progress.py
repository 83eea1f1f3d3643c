"""Progress reporting for long work.

A progress callback is any callable ``progress(done, total, message) -> bool | None``. Long
operations call it as they go; when it returns ``True`` the operation stops at the next safe
point and returns what it has so far (marked ``stopped``). This mirrors openTSNE's callbacks and
gensim's ``on_epoch_end``, and lets the dashboard adapt it to ``st.progress`` with a Stop button.
"""
from __future__ import annotations

import time
from collections.abc import Callable

ProgressCallback = Callable[[float, float, str], "bool | None"]


def report(progress: ProgressCallback | None, done: float, total: float, message: str = "") -> bool:
    """Call ``progress`` if given; return ``True`` when it asks the work to stop."""
    if progress is None:
        return False
    return bool(progress(done, total, message))


class Throttle:
    """Wrap a callback so that it is called at most every ``interval`` seconds (and at the end)."""

    def __init__(self, progress: ProgressCallback | None, interval: float = 0.2):
        self.progress, self.interval, self._last = progress, interval, 0.0

    def __call__(self, done: float, total: float, message: str = "") -> bool:
        now = time.monotonic()
        if self.progress is None:
            return False
        if done >= total or now - self._last >= self.interval:
            self._last = now
            return report(self.progress, done, total, message)
        return False


class Recorder:
    """A callback that records every call; useful in tests and for logging."""

    def __init__(self, stop_after: int | None = None):
        self.calls: list[tuple[float, float, str]] = []
        self.stop_after = stop_after

    def __call__(self, done: float, total: float, message: str = "") -> bool:
        self.calls.append((done, total, message))
        return self.stop_after is not None and len(self.calls) >= self.stop_after
