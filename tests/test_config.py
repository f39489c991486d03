"""The settings read from the environment: the switches, and the refusal of values that mean nothing."""

from __future__ import annotations

import pytest

from workingup.config import Settings


def test_the_access_log_is_off_unless_asked_for() -> None:
    assert Settings.from_env({}).access_log is False
    for on in ("on", "ON", "true", "1", "yes"):
        assert Settings.from_env({"WORKINGUP_ACCESS_LOG": on}).access_log is True
    for off in ("off", "false", "0", "no"):
        assert Settings.from_env({"WORKINGUP_ACCESS_LOG": off}).access_log is False
    with pytest.raises(ValueError, match="WORKINGUP_ACCESS_LOG must be on or off"):
        Settings.from_env({"WORKINGUP_ACCESS_LOG": "loud"})


def test_the_join_limit_and_trusted_proxies_are_read_and_checked() -> None:
    default = Settings.from_env({})
    assert default.join_limit == (30.0, 60)
    assert default.trusted_proxies == "127.0.0.1"
    custom = Settings.from_env(
        {"WORKINGUP_JOIN_LIMIT": "600/100", "WORKINGUP_TRUSTED_PROXIES": " 10.0.0.2, 192.168.0.0/16 "}
    )
    assert custom.join_limit == (600.0, 100)
    assert custom.trusted_proxies == "10.0.0.2,192.168.0.0/16"
    assert Settings.from_env({"WORKINGUP_TRUSTED_PROXIES": "*"}).trusted_proxies == "*"
    with pytest.raises(ValueError, match="WORKINGUP_JOIN_LIMIT must be PER_MINUTE/BURST"):
        Settings.from_env({"WORKINGUP_JOIN_LIMIT": "lots"})
    with pytest.raises(ValueError, match=r"'proxy\.example\.org' is not an IP address"):
        Settings.from_env({"WORKINGUP_TRUSTED_PROXIES": "10.0.0.2,proxy.example.org"})
    with pytest.raises(ValueError, match="must list IP addresses"):
        Settings.from_env({"WORKINGUP_TRUSTED_PROXIES": " , "})


def test_routing_is_by_the_verdict_unless_polis_is_asked_for() -> None:
    assert Settings.from_env({}).routing == "verdict"
    assert Settings.from_env({"WORKINGUP_ROUTING": " Polis "}).routing == "polis"
    with pytest.raises(ValueError, match="WORKINGUP_ROUTING must be one of verdict, polis"):
        Settings.from_env({"WORKINGUP_ROUTING": "random"})


def test_embed_origins_are_bare_origins_or_refused() -> None:
    assert Settings.from_env({}).embed_origins == ()
    both = Settings.from_env({"WORKINGUP_EMBED_ORIGINS": " https://www.example.org/  http://127.0.0.1:8001,"})
    assert both.embed_origins == ("https://www.example.org", "http://127.0.0.1:8001")
    for wrong in ("https://www.example.org/page", "www.example.org", "https://a.org; script-src *", "'self'"):
        with pytest.raises(ValueError, match="WORKINGUP_EMBED_ORIGINS holds origins like"):
            Settings.from_env({"WORKINGUP_EMBED_ORIGINS": wrong})
