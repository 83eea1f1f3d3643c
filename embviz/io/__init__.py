"""The machinery behind :mod:`embviz.formats`: one module per family of formats.

``source`` (paths, uploads, gzip) → ``sniff`` (which format) → a reader (``text``, ``binary``,
``arrays``, ``tables``) → :class:`embviz.Embeddings`. Use :func:`embviz.load` and
:func:`embviz.save`; these modules are internal.
"""
