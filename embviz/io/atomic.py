"""Write files so that a reader never sees half of one.

Every output goes to a temporary file in the same folder (so the final rename stays on one file
system), is flushed and fsync'ed, and is then renamed over the final path with :func:`os.replace`
— an atomic step on POSIX and Windows. On any failure, including ``KeyboardInterrupt``, the
temporary file is removed and the final path is left as it was. A process killed outright (SIGKILL)
cannot clean up, so temporaries carry the writer's process id and the next write to the same path
removes those whose process is gone.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with atomic_write(folder / "notes.txt", "w") as f:
...     _ = f.write("hello\\n")
>>> (folder / "notes.txt").read_text(), sorted(p.name for p in folder.iterdir())
('hello\\n', ['notes.txt'])
>>> with atomic_paths([folder / "a.bin", folder / "b.bin"]) as (a, b):
...     _ = a.write_bytes(b"1"); _ = b.write_bytes(b"2")
>>> sorted(p.name for p in folder.iterdir())
['a.bin', 'b.bin', 'notes.txt']
"""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

SUFFIX = ".part"


def temp_name_prefix(path: Path) -> str:
    return f".{path.name}.{os.getpid()}."


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb", *, encoding: str = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing (``mode`` ``"wb"`` or ``"w"``); on a clean
    exit it is fsync'ed and renamed to ``path``, on an exception it is removed."""
    if mode not in ("wb", "w"):
        raise ValueError(f"atomic_write writes new files: mode must be 'wb' or 'w', not {mode!r}")
    with atomic_paths([path]) as (tmp,):
        if mode == "wb":
            f = open(tmp, "wb")  # noqa: SIM115 — closed below, before the rename
        else:
            f = open(tmp, "w", encoding=encoding, newline="")  # noqa: SIM115
        with f:
            yield f


@contextlib.contextmanager
def atomic_paths(paths: Sequence[str | os.PathLike]) -> Iterator[list[Path]]:
    """Temporary paths, one per final path, for code that wants to write by path (pyarrow,
    pandas); all are renamed into place together after a clean exit, or all removed."""
    finals = [Path(p).expanduser() for p in paths]
    temps: list[Path] = []
    try:
        for final in finals:
            final.parent.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(final)
            fd, name = tempfile.mkstemp(prefix=temp_name_prefix(final), suffix=SUFFIX, dir=final.parent)
            try:
                os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a new file gets the usual mode
            except (AttributeError, OSError):
                pass
            os.close(fd)
            temps.append(Path(name))
        yield list(temps)
        for tmp in temps:
            _fsync_path(tmp)
        for tmp, final in zip(temps, finals):
            os.replace(tmp, final)
        fsync_dir(finals[0].parent if finals else Path("."))
    finally:
        for tmp in temps:  # renamed ones are gone already
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()


def remove_stale_temporaries(final: Path) -> list[Path]:
    """Remove temporaries for ``final`` left by writers that no longer run; returns them."""
    removed = []
    try:
        candidates = list(final.parent.glob(f".{glob_escape(final.name)}.*{SUFFIX}"))
    except OSError:
        return removed
    for tmp in candidates:
        pid_text = tmp.name[len(final.name) + 2:].split(".", 1)[0]
        if pid_text.isdigit() and not pid_alive(int(pid_text)):
            with contextlib.suppress(OSError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process: leave its file alone
    return True


def _umask() -> int:
    """The process's umask without changing it (os.umask would, racing other threads)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
