r"""Text from files and users, shown as text — never as Markdown, HTML or Streamlit directives.

Most Streamlit elements (``st.markdown``, ``st.caption``, ``st.error``, ``st.toast``, widget and
expander labels, ``st.metric``) render their string as Markdown with Streamlit's extensions
(``:red[...]``, ``:material/icon:``, ``$...$`` math). A key, a column name, a file name, a saved
view's title or an error message that quotes any of them must therefore be escaped before it is
put into such a string. :func:`md` does that; :func:`show_error` shows an exception's message
through it.

>>> print(md("**bold** <b>x</b> [a](javascript:x) :red[y] $z$ http://e.x"))
\*\*bold\*\* &lt;b&gt;x&lt;/b&gt; \[a\]\(javascript&#58;x\) &#58;red\[y\] \$z\$ http&#58;//e&#46;x
"""
from __future__ import annotations

import re

MAX_SHOWN = 600  # characters of one user-supplied string in a message (a 5,000-character input is cut)

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones that
# start Markdown, Streamlit directives (:red[..], :material/..:) or math ($).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~$=^])")
# GitHub-flavoured Markdown turns bare URLs, www. names and e-mail addresses into links, and a
# backslash does not stop it: these become character references, which it does not look through.
_ENTITIES = {":": "&#58;", ".": "&#46;", "@": "&#64;"}


def clip(value: object, limit: int = MAX_SHOWN) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def md(value: object, limit: int = MAX_SHOWN) -> str:
    """``value`` as Markdown source that displays exactly its characters (HTML escaped too).

    Line breaks are kept as Markdown hard breaks; leading spaces cannot start a code block."""
    text = clip(value, limit)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    text = re.sub(r"[:.@]", lambda m: _ENTITIES[m.group(0)], text)
    lines = [line.lstrip(" \t") for line in text.splitlines()] or [""]
    return "  \n".join(lines)


def plain(value: object, limit: int = MAX_SHOWN) -> str:
    """Alias of :func:`md` for use in captions and labels (reads better at call sites)."""
    return md(value, limit)
