"""The README's promise: two commands, the first of which serves the Working Up dialogue on SQLite."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from workingup.config import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the quick start has a sh code block"
    return [
        line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line.split("#", 1)[0].strip()
    ]


def test_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    commands = quick_start_commands()
    assert commands == ["./run", "./test"]
    for command in commands:
        assert os.access(ROOT / command, os.X_OK)
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\./test\b", ci, re.M)


def test_every_setting_is_documented_in_the_readme() -> None:
    for setting in SETTINGS:
        assert f"`{setting.name}`" in README, setting.name
        assert setting.default in README, setting.default


def test_the_readme_says_what_run_does() -> None:
    """Issue 19: the README said a browser opens (none does), "2,000 members plus a 30-seat table" (2,048 people)
    and left `./run --port` out; each claim is checked against what the code does."""
    from workingup.commands import setup as setup_commands
    from workingup.dialogues import load_definition
    from workingup.services import demo

    prose = " ".join(README.split("## Quick start", 1)[1].split("\n## ", 1)[0].split())
    assert "browser opens" not in prose
    assert "opens no browser" in prose
    public = typer_default(setup_commands.demo, "public")
    seats = sum(s.seats for s in load_definition().sectors)
    total = public + seats + demo.N_ADVISORS + demo.N_COMMUNITY_VOICES
    assert (
        f"{total:,} simulated participants: a {seats}-seat table, {demo.N_ADVISORS} advisors, "
        f"{demo.N_COMMUNITY_VOICES} community voices and {public:,} members of the public"
    ) in prose
    assert "`./run --port 8080`" in prose
    assert 'exec workingup serve "$@"' in (ROOT / "run").read_text()  # what makes ./run --port work
    assert "printed once" in prose


def typer_default(command: object, name: str) -> int:
    import inspect

    default = inspect.signature(command).parameters[name].default  # type: ignore[arg-type]
    return int(default)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_run_serves_the_working_up_dialogue(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "WORKINGUP_DATABASE_URL": f"sqlite:///{tmp_path / 'quick.db'}",
        "WORKINGUP_PORT": str(port),
    }
    process = subprocess.Popen(
        [str(ROOT / "run")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        page = ""
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    page = response.read().decode()
                    break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.5)
        output = ""
        if not page:
            os.killpg(process.pid, signal.SIGTERM)
            output = process.communicate(timeout=30)[0].decode()
        assert "Working Up: A Convergence Dialogue for Action" in page, output
        assert "Work Opportunity and Workforce Development" in page
        assert "Simulated data." in page
        assert "Take part" in page  # the demo is open to anyone
        # The printed demo credentials open the facilitator side, with a populated dashboard.
        base = f"http://127.0.0.1:{port}"
        login = json.dumps({"email": "demo-facilitator@example.org", "password": "demo-only-not-secret"})
        request = urllib.request.Request(
            f"{base}/api/v1/sessions", data=login.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            token = json.loads(response.read())["token"]
        request = urllib.request.Request(
            f"{base}/api/v1/manage/working-up/balance", headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            balance = json.loads(response.read())
        assert sum(balance["totals"].values()) == 30
        # The server answers before the first analysis (./run leaves it to the server): wait for it to appear.
        analysis: dict[str, Any] = {}
        while not analysis and time.monotonic() < deadline + 120:
            request = urllib.request.Request(
                f"{base}/api/v1/manage/working-up/analysis", headers={"Authorization": f"Bearer {token}"}
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    analysis = json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code != 404:  # "no analysis yet" is the only answer worth waiting through
                    raise
                time.sleep(1)
        assert len(analysis["groups"]) >= 2
        assert "convergence" in {v["verdict"] for v in analysis["verdicts"]}
        assert sum(g["size"] for g in analysis["groups"]) == analysis["n_clustered"] > 0
        os.killpg(process.pid, signal.SIGTERM)
        printed = process.communicate(timeout=30)[0].decode()
        assert printed.count("demo-only-not-secret") == 1, printed  # the README: "printed once"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
