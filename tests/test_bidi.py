"""Bidi controls: removed for display, marked for moderators, and nothing else touched (Arabic and Hebrew marks)."""

from __future__ import annotations

import html

from markupsafe import Markup

from workingup.bidi import CONTROLS, controls_marked, finalize, neutralised

RLO, PDF = "\u202e", "\u202c"


def test_every_embedding_override_and_isolate_is_removed_and_nothing_else() -> None:
    assert neutralised(f"{RLO}live{PDF} landlords") == "live landlords"
    assert neutralised("".join(CONTROLS)) == ""
    assert len(CONTROLS) == 9
    kept = "عدالة\u061c للعمال \u200fשכר\u200e fair"  # Arabic letter mark, RLM and LRM are letters of a direction
    assert neutralised(kept) == kept


def test_finalize_keeps_markup_markup_and_other_values_unchanged() -> None:
    safe = finalize(Markup(f"<b>{RLO}bold</b>"))
    assert isinstance(safe, Markup)
    assert safe == Markup("<b>bold</b>")
    assert finalize(f"{RLO}text") == "text"
    assert finalize(3) == 3
    assert finalize(None) is None


def test_moderators_see_where_each_control_was() -> None:
    shown = controls_marked(f"<{RLO}live>", lambda name, code: f"[{name} {code}]", html.escape)
    assert shown == "&lt;[RLO U+202E]live&gt;"
