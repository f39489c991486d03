"""The rate limiter's arithmetic, and the string catalogue: every key a template uses exists, every key is used."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workingup.web.ratelimit import Limit, RateLimiter
from workingup.web.strings import EN, LABELS, catalogue
from workingup.web.strings_public import PUBLIC

WEB = Path(__file__).resolve().parents[2] / "src" / "workingup" / "web"


def test_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    limiter = RateLimiter(Limit(per_minute=60, burst=2), clock=lambda: now[0])
    assert [limiter.allow("p") for _ in range(3)] == [True, True, False]
    assert limiter.retry_after("p") == 1
    assert limiter.allow("q")  # another key has its own bucket
    now[0] += 1.0
    assert limiter.allow("p")
    assert not limiter.allow("p")
    now[0] += 600.0
    assert [limiter.allow("p") for _ in range(3)] == [True, True, False]  # never above the burst


def test_every_template_key_is_in_the_catalogue_and_every_key_is_used() -> None:
    sources = [p.read_text() for p in (WEB / "templates").rglob("*.html")]
    sources += [p.read_text() for p in WEB.rglob("*.py") if p.name not in ("strings.py", "strings_public.py")]
    text = "\n".join(sources)
    used = set(re.findall(r"""_\(\s*["']([a-z_]+\.[a-z0-9_.-]+)["']""", text))
    missing = {k for k in used if not k.endswith("_")} - set(EN) - set(PUBLIC) - set(LABELS)
    assert not missing, missing
    # Keys built at run time: "setup." ~ name, "notice." ~ notice, "mod.origin_" ~ o, and enum labels.
    dynamic_prefixes = (
        "setup.open_join",
        "setup.published",
        "setup.require_",
        "notice.",
        "mod.origin_",
        "dash.rep_",
        "verdict.",
        "public.sort_",
    )
    quoted = set(re.findall(r"""["']([a-z_]+\.[a-z0-9_.-]+)["']""", text))  # e.g. keys in a nav tuple
    unused = {k for k in {**EN, **PUBLIC} if k not in quoted and not k.startswith(dynamic_prefixes)}
    assert not unused, unused


def test_catalogue_fills_placeholders_and_refuses_unknown_keys() -> None:
    _ = catalogue()
    assert _("vote.progress", voted=3, total=10) == "You have voted on 3 of 10 statements."
    with pytest.raises(KeyError, match=r"no\.such\.key"):
        _("no.such.key")
