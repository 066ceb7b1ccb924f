"""Text a student typed or uploaded, shown exactly as written.

Streamlit renders ``st.markdown``, ``st.caption``, ``st.error`` and the like as
Markdown (with LaTeX between dollars, ``:colour[…]`` directives and emoji
shortcodes), so a formula such as ``x**2 + 10*y**2`` would lose its stars and turn
italic. :func:`literal` escapes every ASCII punctuation character with a backslash
(CommonMark allows that for each of them), which makes Markdown show the text as is.
"""

from __future__ import annotations

import re
import string

_PUNCT = re.compile("([" + re.escape(string.punctuation) + "])")


def literal(text: str) -> str:
    """``text`` escaped so Streamlit's Markdown shows it character for character
    (line breaks become spaces)."""
    return _PUNCT.sub(r"\\\1", " ".join(str(text).split()))
