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
