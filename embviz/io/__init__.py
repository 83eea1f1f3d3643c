"""The machinery behind :mod:`embviz.formats`: one module per family of formats.

``registry`` (the format table) · ``source`` (paths, uploads, gzip; regular files only) →
``sniff`` (which format) → a reader (``readers``: ``text`` over ``lines``, ``binary``, ``arrays``,
``tables``, ``parquet``) → ``rows.Parts`` → :class:`embviz.Embeddings` (``precision``: what
float32 changes). ``limits`` bounds every read; ``writers`` and ``atomic`` write. Use
:func:`embviz.load` and :func:`embviz.save`; ``atomic.atomic_write`` is for any code that writes
outputs. The other modules are internal.
"""
