"""A fresh database with the Working Up dialogue, and the real server (`workingup serve`) as a child process.

The server is started exactly as an operator starts it — the `serve` command, uvicorn, the production settings
read from the environment — so what is measured and killed is what runs in production, not a TestClient.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from workingup.dialogues import load_definition
from workingup.domain import Moderation
from workingup.runtime.database import Database
from workingup.services.dialogues import install_definition
from workingup.store import models

ROOT = Path(__file__).resolve().parents[2]
POSTGRES_ADMIN_URL = os.environ.get(
    "WORKINGUP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


JOIN_LIMIT = "100000/10000"
"""WORKINGUP_JOIN_LIMIT for a load run's server: its simulated participants all join from 127.0.0.1, and the
per-address join limit is for people."""


@dataclass
class Prepared:
    url: str
    slug: str
    dialogue_id: int
    statement_ids: list[int]
    workdir: Path
    keep: bool = False
    _drop: str | None = None

    def cleanup(self) -> None:
        if self._drop is not None:
            admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self._drop}" WITH (FORCE)'))
            admin.dispose()
        if not self.keep:
            shutil.rmtree(self.workdir, ignore_errors=True)


def prepare(backend: str, keep: bool = False) -> Prepared:
    """A migrated, empty database holding the Working Up dialogue, open to joining by link."""
    workdir = Path(tempfile.mkdtemp(prefix="workingup-load-"))
    drop = None
    if backend == "sqlite":
        url = f"sqlite:///{workdir / 'load.db'}"
    elif backend == "postgresql":
        name = f"workingup_load_{uuid.uuid4().hex[:12]}"
        admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        drop = name
    else:
        raise ValueError(f"unknown database {backend!r}: sqlite or postgresql")
    db = Database.open(url, migrate=True)
    try:
        with db.transaction() as session:
            dialogue = install_definition(session, load_definition())
            dialogue.open_join = True
            session.flush()
            dialogue_id, slug = dialogue.id, dialogue.slug
        with db.sessions() as session:
            statement_ids = list(
                session.scalars(
                    select(models.Statement.id)
                    .where(
                        models.Statement.dialogue_id == dialogue_id,
                        models.Statement.moderation == Moderation.ACCEPTED,
                    )
                    .order_by(models.Statement.id)
                )
            )
    finally:
        db.close()
    return Prepared(url, slug, dialogue_id, statement_ids, workdir, keep, None if keep else drop)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a live process (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """`workingup serve` in a child process: started, waited for, SIGKILLed, restarted on the same port."""

    def __init__(self, url: str, port: int, log_path: Path, env: dict[str, str] | None = None) -> None:
        self.url = url
        self.port = port
        self.log_path = log_path
        self.extra_env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.cpu_seconds = 0.0
        """CPU time (user + system) of every server process so far, counted when it stops or is killed."""

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 300.0) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
            "WORKINGUP_DATABASE_URL": self.url,
            "WORKINGUP_HOST": "127.0.0.1",
            "WORKINGUP_PORT": str(self.port),
            **self.extra_env,
        }
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "workingup.cli", "serve"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.starts += 1
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}; see {self.log_path}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"the server did not answer within {timeout} s; see {self.log_path}")

    def cpu(self) -> float:
        """CPU seconds used by the running server process (Linux /proc; 0 elsewhere)."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        return process_cpu(self.process.pid)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, nothing is flushed — the crash the durability promise is about."""
        assert self.process is not None
        self.cpu_seconds += self.cpu()
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.cpu_seconds += self.cpu()
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
