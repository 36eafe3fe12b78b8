"""Escaping a user's text (file names, column names, cell values) for places that format it.

``plain`` is for Markdown (``st.error``, ``st.info``, ``st.caption``): special characters are
backslash-escaped. ``plain_label`` is for places where a backslash would show (the viewer's
Markdown tables, Plotly's pseudo-HTML titles): formatting characters become look-alikes.
"""

from __future__ import annotations

import re
import unicodedata

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])")
#: The longest message built from a file's content that ``plain`` keeps (an exercise set's
#: error names a line and quotes at most 60 characters of a value).
MESSAGE_LIMIT = 600


def printable(text: object) -> str:
    """``text`` without control or format characters (Unicode category C: newlines, tabs,
    NUL, zero-width joiners, byte-order marks...)."""
    return "".join(ch for ch in str(text) if unicodedata.category(ch)[0] != "C")


def plain(text: object, limit: int = 80) -> str:
    """User text made safe inside Markdown: control characters dropped, special characters
    escaped, at most ``limit`` characters kept (an ellipsis says when more were)."""
    text = printable(text)
    cut = text[:limit] + ("…" if len(text) > limit else "")
    return _MARKDOWN.sub(r"\\\1", cut)


def quoted(text: object, limit: int = 80) -> str:
    """``plain`` text in curly quotes, as messages name a file, column or value."""
    return f"“{plain(text, limit)}”"


#: Look-alikes (asterisk operator, angle quotes, fullwidth signs...) of formatting characters.
_LOOKALIKES = str.maketrans(
    {"*": "\u2217", "[": "(", "]": ")", "<": "\u2039", ">": "\u203a", "$": "\uff04",
     "`": "'", "|": "\u00a6", "~": "\u223c", "#": "\uff03", "\\": "\u29f5", "\n": " ",
     "\r": " "}
)  # fmt: skip


def plain_label(text: str, limit: int = 60) -> str:
    """A user's column name for places that format text (the viewer's Markdown, Plotly's
    pseudo-HTML titles): characters that would format are swapped for look-alikes."""
    text = str(text).translate(_LOOKALIKES)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def plain_labels(names) -> tuple[str, ...]:
    """``plain_label`` of each name, numbered when two would look the same."""
    labels = [plain_label(n) for n in names]
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            labels[i] = f"{label} ({seen[label]})"
    return tuple(labels)
