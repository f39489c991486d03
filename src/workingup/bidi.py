"""Bidirectional-text controls in what people type: neutralised where text is shown, visible to moderators.

Why: a right-to-left override (U+202E) before "live" makes a page display "evil"; an embedding or isolate left
open reorders everything after it on the line (the "Trojan Source" trick). Statements, names and labels are
typed by anyone with a link, so every page, the final report and its PDF show them without these controls, and the
moderation queue shows where they were (`controls_marked`), so a moderator reads the text as it was submitted.
What is stored is what was submitted: nothing is lost, and the API returns it unchanged.

Only the nine controls that open or close an embedding, override or isolate are removed. The three marks
(U+200E LEFT-TO-RIGHT MARK, U+200F RIGHT-TO-LEFT MARK, U+061C ARABIC LETTER MARK) stay: they act like an invisible
letter of one direction, which Arabic and Hebrew writers use to place punctuation, and cannot reverse a word.
Imports nothing from the project, so web/ and report/ both use it (docs/architecture.md §2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from markupsafe import Markup

CONTROLS: dict[str, str] = {
    "\u202a": "LRE",  # left-to-right embedding
    "\u202b": "RLE",  # right-to-left embedding
    "\u202c": "PDF",  # pop directional formatting
    "\u202d": "LRO",  # left-to-right override
    "\u202e": "RLO",  # right-to-left override
    "\u2066": "LRI",  # left-to-right isolate
    "\u2067": "RLI",  # right-to-left isolate
    "\u2068": "FSI",  # first strong isolate
    "\u2069": "PDI",  # pop directional isolate
}
"""The controls removed for display, with the abbreviations Unicode gives them (UAX #9)."""

_CONTROL = re.compile("[" + "".join(CONTROLS) + "]")
_REMOVE = str.maketrans(dict.fromkeys(CONTROLS, None))


def has_controls(text: str) -> bool:
    return _CONTROL.search(text) is not None


def neutralised(text: str) -> str:
    """`text` without bidi embedding, override and isolate controls: the characters in their real order."""
    return text.translate(_REMOVE) if has_controls(text) else text


def finalize(value: Any) -> Any:
    """Jinja's `finalize` for the pages and the report: every `{{ … }}` shows text `neutralised`. Markup stays
    Markup (removing these characters cannot open a tag); anything else passes unchanged."""
    if isinstance(value, Markup):
        return Markup(neutralised(str(value)))
    return neutralised(value) if isinstance(value, str) else value


def controls_marked(text: str, mark: Callable[[str, str], str], plain: Callable[[str], str]) -> str:
    """`text` with each control replaced by `mark(abbreviation, code point)` and the rest passed through `plain`
    (an HTML page escapes it), so a moderator sees where the controls were: "⟨RLO⟩live" for what showed as "evil"."""
    out: list[str] = []
    start = 0
    for found in _CONTROL.finditer(text):
        out.append(plain(text[start : found.start()]))
        char = found.group()
        out.append(mark(CONTROLS[char], f"U+{ord(char):04X}"))
        start = found.end()
    out.append(plain(text[start:]))
    return "".join(out)
