"""The background analysis in a child process: it stores what the server's own process would, survives its child
being killed, and leaves no child behind."""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, select

from tests.web.conftest import GENEROUS, csrf, current_statement, join_page
from workingup.dialogues import load_definition
from workingup.runtime.analyses import Analyses
from workingup.runtime.analysis_worker import AnalysisFailed, AnalysisWorker, shareable
from workingup.runtime.database import Database
from workingup.services.analysis_runs import latest_run, refresh_analysis
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.store import models
from workingup.web.app import create_app


def _demo(database: Database) -> int:
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        dialogue.open_join = True
        populate_demo(session, dialogue, public=30, seed=7)
        return dialogue.id


def _gone(pid: int) -> bool:
    """Whether no process has this id any more: a child that was killed but not reaped is still a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_until(condition: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(step)


def _stored(database: Database, run_id: int) -> dict[str, object]:
    with database.sessions() as session:
        data = json.loads(session.get_one(models.AnalysisRun, run_id).result)
    del data["computed_at"]
    return data  # type: ignore[no-any-return]


@pytest.fixture
def worker(database: Database) -> Iterator[AnalysisWorker]:
    worker = AnalysisWorker(database.url)
    try:
        yield worker
    finally:
        worker.close()


@pytest.mark.slow
def test_the_child_stores_what_the_server_would_survives_kills_and_leaves_nothing_behind(
    database: Database, worker: AnalysisWorker, caplog: pytest.LogCaptureFixture
) -> None:
    # One test, so that the few seconds a child takes to import numpy, scipy and scikit-learn are paid only twice.
    dialogue_id = _demo(database)
    with database.transaction() as session:
        here = refresh_analysis(session, dialogue_id)
        assert here is not None
        here_id = here.id
        gone = models.Dialogue(slug="gone", title="Deleted while its analysis waited")
        session.add(gone)
        session.flush()
        gone_id = gone.id
    expected = _stored(database, here_id)
    with database.transaction() as session:  # the child starts from the same state: no earlier run
        session.execute(delete(models.AnalysisRun))
        session.execute(delete(models.Dialogue).where(models.Dialogue.id == gone_id))

    there_id = worker.analyse(dialogue_id)
    assert there_id is not None
    first = worker.pid
    assert first is not None
    assert first != os.getpid()
    assert _stored(database, there_id) == expected  # same votes, same seed: the same groups, labels, verdicts
    assert worker.analyse(gone_id) is None  # a dialogue deleted meanwhile: nothing stored, no crash
    with pytest.raises(
        AnalysisFailed, match="ValueError"
    ):  # an error in the analysis is raised here, as in-process
        worker.analyse("not an id")  # type: ignore[arg-type]
    assert worker.pid == first  # the same child, still serving

    os.kill(first, signal.SIGKILL)  # while idle
    _wait_until(lambda: worker.pid is None)
    with caplog.at_level(logging.ERROR, logger="workingup.runtime.analysis_worker"):
        assert worker.analyse(dialogue_id) is not None
    assert "died while idle (exit code -9)" in caplog.text
    second = worker.pid
    assert second is not None
    assert second != first
    assert worker.starts == 2

    caplog.clear()
    answers: list[int | None] = []  # while analysing: the call returns None, logs, and never raises
    call = threading.Thread(target=lambda: answers.append(worker.analyse(dialogue_id)))
    with caplog.at_level(logging.ERROR, logger="workingup.runtime.analysis_worker"):
        call.start()
        _wait_until(worker._busy.locked, step=0.001)
        os.kill(second, signal.SIGKILL)
        call.join(30)
    assert answers == [None]
    assert f"(pid {second}) died while analysing dialogue {dialogue_id}" in caplog.text
    assert worker.deaths == 2
    assert worker.pid is None

    worker.close()
    for pid in (first, second):
        assert _gone(pid)  # reaped: not even a zombie
    assert worker.analyse(dialogue_id) is None  # closed: no new child
    assert worker.starts == 2
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.AnalysisRun)) == 2


def test_an_in_memory_database_is_analysed_in_the_servers_own_process() -> None:
    assert not shareable("sqlite://")
    assert not shareable("sqlite:///:memory:")
    assert not shareable("sqlite:///file:shared?mode=memory&cache=shared&uri=true")
    assert shareable("sqlite:////tmp/workingup.db")
    assert shareable("postgresql+psycopg://postgres@127.0.0.1:5432/workingup")
    with pytest.raises(ValueError, match="in-memory"):
        AnalysisWorker("sqlite://")
    database = Database.open("sqlite://", migrate=True)
    analyses = Analyses(database, delay=3600, in_process=False)
    assert analyses.worker is None
    analyses.close()
    database.close()


@pytest.mark.slow
def test_an_app_with_an_analysis_process_refreshes_after_votes(database: Database) -> None:
    dialogue_id = _demo(database)
    with database.sessions() as session:
        slug = session.get_one(models.Dialogue, dialogue_id).slug
    app = create_app(
        database, rate_limits=GENEROUS, analysis_delay=0.05, analyse_on_start=False, analysis_process=True
    )
    with TestClient(app) as client:
        worker = app.state.analyses.worker
        assert worker is not None
        join_page(client, slug)
        sid = current_statement(client.get(f"/d/{slug}/vote").text)
        client.post(f"/d/{slug}/vote", data={"csrf_token": csrf(client), "statement_id": sid, "value": 1})
        deadline = time.monotonic() + 60
        while True:
            with database.sessions() as session:
                run = latest_run(session, dialogue_id)
            if run is not None:
                break
            assert time.monotonic() < deadline, "no analysis after the vote"
            time.sleep(0.1)
        pid = worker.pid
        assert pid is not None
        assert pid != os.getpid()
    assert run.n_participants > 30
    assert _gone(pid)  # the app's shutdown ended its child
