r"""Text from files and users, shown as text — never as Markdown, HTML or Streamlit directives.

Most Streamlit elements (``st.markdown``, ``st.caption``, ``st.error``, ``st.toast``, widget and
expander labels, ``st.metric``) render their string as Markdown with Streamlit's extensions
(``:red[...]``, ``:material/icon:``, ``$...$`` math). A key, a column name, a file name, a saved
view's title or an error message that quotes any of them must therefore be escaped before it is
put into such a string. :func:`md` does that; :func:`show_error` shows an exception's message
through it.

>>> print(md("**bold** <b>x</b> $z$"))
\*\*bold\*\* &lt;b&gt;x&lt;/b&gt; \$z\$
>>> md("[a](javascript:x) :red[y] http://e.x") == '\\[a\\]\\(javascript\\:x\\) \\:red\\[y\\] http\u2060\\://e.x'
True
"""
from __future__ import annotations

import re

MAX_SHOWN = 600  # characters of one user-supplied string in a message (a 5,000-character input is cut)

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the ones that
# start Markdown, Streamlit directives (:red[..], :material/..:) or math ($).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-!|~$=^:])")
# GitHub-flavoured Markdown (as Streamlit renders it) turns bare URLs, www. names and e-mail
# addresses into links, and neither a backslash nor a character reference stops it (seen in the
# browser test): an invisible WORD JOINER (U+2060) inside each such pattern does.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(?=://)|(?<=www)(?=\.)|(?=@[a-z0-9])")
_WJ = "\u2060"


def clip(value: object, limit: int = MAX_SHOWN) -> str:
    text = str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def md(value: object, limit: int = MAX_SHOWN) -> str:
    """``value`` as Markdown source that displays exactly its characters (HTML escaped too).

    Line breaks are kept as Markdown hard breaks; leading spaces cannot start a code block."""
    text = _AUTOLINK.sub(_WJ, clip(value, limit))
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _SPECIAL.sub(r"\\\1", text)
    lines = [line.lstrip(" \t") for line in text.splitlines()] or [""]
    return "  \n".join(lines)


def plain(value: object, limit: int = MAX_SHOWN) -> str:
    """Alias of :func:`md` for use in captions and labels (reads better at call sites)."""
    return md(value, limit)
