"""Progress and stop for libraries without callbacks (PaCMAP, TriMap): their optimisers call one
module-level gradient function per iteration from a Python loop. :func:`watch` wraps that function
once per process; while a thread has a :class:`Iterations` hook active, each call reports progress
(with the current layout for callbacks that want it) and may stop the loop by raising
:class:`Stopped`, which carries the layout reached so far. Threads without a hook run unchanged.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy as np

from ..progress import report

_local = threading.local()
_lock = threading.Lock()


class Stopped(Exception):
    """Raised inside a library's loop when the progress callback asked to stop."""

    def __init__(self, layout: np.ndarray):
        super().__init__("stopped")
        self.layout = layout


class Iterations:
    """Counts gradient calls; reports every ``every`` and stops when asked."""

    def __init__(self, progress, total: int, label: str, every: int = 10, layout=lambda y: y):
        self.progress, self.total, self.label, self.every, self.as_array = progress, total, label, every, layout
        self.done = 0

    def __call__(self, y) -> None:
        self.done += 1
        if self.done % self.every and self.done != self.total:
            return
        if report(self.progress, self.done, self.total, f"{self.label}: iteration {self.done} of {self.total}",
                  layout=self.as_array(y)):
            raise Stopped(np.array(self.as_array(y), dtype=np.float32, copy=True))


def watch(module, name: str) -> None:
    """Wrap ``module.name`` (once) so that the calling thread's active hook sees its first argument."""
    with _lock:
        if hasattr(module, f"_embviz_{name}"):
            return
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            hook = getattr(_local, "hook", None)
            if hook is not None:
                hook(args[0])
            return original(*args, **kwargs)

        setattr(module, f"_embviz_{name}", original)
        setattr(module, name, wrapper)


@contextmanager
def active(hook: Iterations):
    _local.hook = hook
    try:
        yield hook
    finally:
        _local.hook = None
