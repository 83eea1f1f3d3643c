"""Values kept once per server process and shared by every session (keyed by content).

One owner for the dashboard's process-wide stores: the Clusters page's groupings and scores, the
Models page's comparisons, Explore's drawn maps. A :class:`SharedStore` keeps its last
``size`` values; :meth:`SharedStore.get_or_make` builds a missing value once even when several
sessions ask for it at the same moment (the others wait for that one build), and does not keep a
value the caller says not to (a stopped computation).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable


def _keep_unless_stopped(value) -> bool:
    return not getattr(value, "stopped", False)


class SharedStore:
    """A bounded, thread-safe LRU store with one build per missing key."""

    WAIT = 15.0  # seconds a session waits for another's build of the same key

    def __init__(self, size: int):
        self.size = int(size)
        self._values: OrderedDict = OrderedDict()
        self._building: dict = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: Hashable, default=None):
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        return default

    def put(self, key: Hashable, value) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self.size:
                self._values.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], object],
                    keep: Callable[[object], bool] = _keep_unless_stopped):
        """The value under ``key``; else ``make()``, kept when ``keep(value)``. Sessions asking
        for the same missing key at once wait for one build; if it fails, each tries its own."""
        missing = object()
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
            gate = self._building.get(key)
            mine = gate is None
            if mine:
                gate = self._building[key] = threading.Lock()
                gate.acquire()
        if not mine:
            # the first asker is building it; a build that takes longer than WAIT (a stalled or
            # stopped session) does not hold this one: it builds its own
            if gate.acquire(timeout=self.WAIT):
                gate.release()
            found = self.get(key, missing)
            return make() if found is missing else found
        try:
            value = make()
            if keep(value):
                self.put(key, value)
            return value
        finally:
            with self._lock:
                self._building.pop(key, None)
            gate.release()
