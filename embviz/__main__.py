"""``python -m embviz``: the same as the ``embviz`` command."""
import sys

from .cli import main

if __name__ == "__main__":  # Dask's worker processes import this module again: do not re-run
    sys.exit(main())
