"""What every sub-command shares: exit codes, the progress bar on stderr, messages, reading input."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from typing_extensions import Self

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps descriptions as written and shows each option's default once: appended as
    "(default: X)" unless the help already says it, and never for an empty default (None, False,
    an empty list), where there is nothing to show."""

    def _get_help_string(self, action):
        text = action.help or ""
        default = action.default
        empty = default is None or default is False or default is argparse.SUPPRESS or default == []
        if empty or "default" in text or not action.option_strings:
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


# -- progress bars -------------------------------------------------------------------------------
class ProgressBar:
    """An embviz progress callback drawing a tqdm bar on stderr when it is a terminal (never with
    ``quiet``)."""

    def __init__(self, label: str, quiet: bool = False):
        self.label, self.quiet, self.bar = label, quiet, None

    def __call__(self, done: float, total: float, message: str = "") -> bool:
        if self.quiet:
            return False
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=total or 1, desc=self.label, file=sys.stderr, leave=False,
                            dynamic_ncols=True, mininterval=0.5, disable=None)  # None: only on a terminal
        if total and self.bar.total != total:
            self.bar.total = total
        self.bar.n = min(done, self.bar.total)
        if message:
            self.bar.set_postfix_str(message, refresh=False)
        self.bar.refresh()
        return False

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _say(args, text: str) -> None:
    if not getattr(args, "quiet", False):
        print(text, file=sys.stderr)



def _load(args, path: Path, label: str = "reading"):
    from .. import load

    with ProgressBar(f"{label} {path.name}", args.quiet) as bar:
        return load(path, getattr(args, "format", None) or "auto", limit=getattr(args, "limit", None),
                    keys=getattr(args, "keys", None), metadata=getattr(args, "metadata", None),
                    progress=bar)
