"""The real server on a free port, Debian's chromium driven by Playwright, and axe-core from the npm registry.

Nothing is downloaded by Playwright: the browser is /usr/bin/chromium (./test installs it when missing), and
axe-core is installed with npm into .cache/ (ignored by git) the first time and injected into each page.
Screenshots of every page visited go to artifacts/screenshots/. Browser contexts bypass the app's
Content-Security-Policy only so that axe can be injected as an inline script; the app's own pages need no
inline script.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.web.conftest import PASSWORD, add_facilitator
from workingup.dialogues import load_definition
from workingup.runtime.database import Database
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import open_demo, populate_demo
from workingup.services.dialogues import install_definition
from workingup.web.app import create_app

ROOT = Path(__file__).resolve().parents[3]
CHROMIUM = "/usr/bin/chromium"
AXE_VERSION = "4.14.1"
AXE_DIR = ROOT / ".cache" / f"axe-core-{AXE_VERSION}"
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
FACILITATOR = "browser-facilitator@example.org"


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    database: Database


@pytest.fixture(scope="session")
def live_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    path = tmp_path_factory.mktemp("browser") / "live.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=60, seed=7)
        open_demo(session, dialogue)
        run_analysis(session, dialogue)
    add_facilitator(database, FACILITATOR, dialogue.slug)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(database), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", database)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def axe_source() -> str:
    script = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            _unavailable("npm is needed to install axe-core for the accessibility checks")
        AXE_DIR.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [
                npm or "npm",
                "install",
                "--prefix",
                str(AXE_DIR),
                "--no-audit",
                "--no-fund",
                f"axe-core@{AXE_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0 or not script.exists():
            _unavailable(f"could not install axe-core with npm: {done.stderr.strip()[-500:]}")
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"{CHROMIUM} not found; ./test installs Debian's chromium when run as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Pages:
    """Screenshots and axe checks for every page a test visits, collected for one assertion at the end."""

    def __init__(self, axe: str) -> None:
        self.axe = axe
        self.violations: dict[str, list[str]] = {}
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def check(self, page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        page.add_script_tag(content=self.axe)
        result = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ["violations"]});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
            }"""
        )
        serious = [v for v in result if v["impact"] in ("serious", "critical")]
        if serious:
            self.violations[name] = [json.dumps(v) for v in serious]


def sign_in(page: Any) -> None:
    """Fill the sign-in form on `page` as the test facilitator and send it (the caller waits for where it leads)."""
    page.get_by_label("E-mail address").fill(FACILITATOR)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture
def pages(axe_source: str) -> Pages:
    return Pages(axe_source)


__all__ = ["FACILITATOR", "PASSWORD", "LiveServer", "Pages", "sign_in"]
