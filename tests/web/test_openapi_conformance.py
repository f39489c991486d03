"""schemathesis against the OpenAPI schema: no 5xx, and every response matches what the schema promises.

Operation by operation (a few examples each, SQLite), then statefully along the schema's links (SQLite and
PostgreSQL). Requests go to the running app over a database with the demo dialogue, a drafted recommendation
with a commitment and a listening session; most cases are pointed at that dialogue and carry the right
credentials for their route, so generation reaches past the 401/404 answers into the handlers.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.agenda import adopt
from tests.fuzz import examples
from tests.web.conftest import GENEROUS, PASSWORD, add_facilitator, join_api, sign_in_api
from workingup.dialogues import load_definition
from workingup.domain import Horizon, Moderation, RecommendationType
from workingup.runtime.database import Database
from workingup.services import accounts, endorsements, listening, recommendations, tracking
from workingup.services.demo import open_demo, populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.store import models
from workingup.web.api import listening as listening_api
from workingup.web.app import create_app

SLUG = "working-up"
FACILITATOR = "schema@example.org"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


def _seed_agenda(session: Session, dialogue: models.Dialogue) -> None:
    """An adopted recommendation with a commitment and a milestone, and the sample listening session: the lists the
    facilitator's chains start from (recommendations, tracker, listening sessions) have something in them from
    the first case on, as they would in a dialogue under way."""
    statement = session.scalars(
        select(models.Statement)
        .where(
            models.Statement.dialogue_id == dialogue.id, models.Statement.moderation == Moderation.ACCEPTED
        )
        .order_by(models.Statement.id)
    ).first()
    assert statement is not None
    draft = recommendations.draft(
        session,
        dialogue,
        statement_ids=[statement.id],
        kind=RecommendationType.POLICY,
        horizon=Horizon.NEAR_TERM,
        actors=["The county"],
    )
    adopt(session, dialogue, draft.number)  # commitments are recorded against adopted recommendations only
    endorsements.close_round(session, dialogue)  # as before: the cases may open a round of their own
    commitment = tracking.commit(session, dialogue, draft.number, actor="The county", description="Fund it.")
    tracking.add_milestone(session, dialogue, commitment.id, "A first pilot")
    heard = listening.create_session(
        session, dialogue, held_on=date(2026, 5, 1), place="Library", facilitator="Ana", consent_recorded=True
    )
    for said in (
        "The buses stop too early for night shifts.",
        "Childcare costs more than rent.",
        "No bus at night.",
    ):
        listening.add_typed_contribution(session, heard, said)
        session.expire(heard, ["contributions"])  # the next typed id counts this one


@contextmanager
def _world(database: Database) -> Iterator[dict[str, Any]]:
    """The demo dialogue on `database`, a facilitator of it signed in and a participant joined, the app running.

    The app stays running (its lifespan open) while the cases run: once it shuts down, its vote writer refuses
    every vote ("the server is shutting down"), and no generated vote would get past that refusal.
    """
    with pytest.MonkeyPatch.context() as patch:
        # What the cases test is the API, not two costs that would take most of the budget: Argon2 at full cost
        # (0.1 s a sign-in), and loading the sentence-embedding model (15 s, past a request's 10 s timeout) the
        # first time themes run; themes here are TF-IDF only (asking for minilm is the "not installed" 400).
        patch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        patch.setattr(listening_api, "available_methods", lambda: ("tfidf",))
        patch.setattr(listening_api, "preferred_method", lambda: "tfidf")
        with database.transaction() as session:
            dialogue = install_definition(session, load_definition())
            populate_demo(session, dialogue, public=30, seed=3)
            open_demo(session, dialogue)
            _seed_agenda(session, dialogue)
        add_facilitator(database, FACILITATOR, SLUG)
        # No analysis in the background (it would take a core from the cases); it runs when a case asks for it.
        app = create_app(database, rate_limits=GENEROUS, analysis_delay=3600, analyse_on_start=False)
        with TestClient(app) as client:
            facilitator = sign_in_api(client, FACILITATOR)
            participant = join_api(client, SLUG).headers
            yield {"app": app, "client": client, "facilitator": facilitator, "participant": participant}


@pytest.fixture(scope="module")
def api_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("schemathesis") / "api.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    with _world(database) as world:
        yield world
    database.close()


_rng = random.Random(5)


def _headers(path: str, world: dict[str, Any]) -> dict[str, str]:
    if path == "/api/v1/sessions/current":
        return {}  # signing out would end the session every other case uses
    if path.startswith("/api/v1/manage/") or path == "/api/v1/facilitator":
        return dict(world["facilitator"])
    if "/me" in path or path.endswith(("/votes", "/statements", "/endorsements")):
        return dict(world["participant"])
    return {}


@pytest.mark.slow
def test_api_conforms_to_its_schema(api_world: dict[str, Any]) -> None:
    # schemathesis' own pytest integration does not yet support this pytest, so each operation runs as a
    # Hypothesis test here; a failure names the operation and the case that broke it.
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api_world["app"])
    operations = [result.ok() for result in schema.get_all_operations()]
    declared = TestClient(api_world["app"]).get("/api/v1/openapi.json").json()["paths"]
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    expected = {(m.upper(), path) for path, item in declared.items() for m in item if m in methods}
    assert {(op.method.upper(), op.path) for op in operations} == expected  # every operation, none skipped
    assert len(operations) >= 25
    tested: set[tuple[str, str]] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples(8),
            deadline=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def run(case: Any) -> None:
            if "slug" in (case.path_parameters or {}) and _rng.random() < 0.8:
                case.path_parameters["slug"] = SLUG
            case.call_and_validate(headers=_headers(case.operation.path, api_world), checks=CHECKS)
            tested.add((case.operation.method.upper(), case.operation.path))

        run()
    assert tested == expected


PARTICIPANT_TOKENS = {"join_dialogue", "accept_invitation"}  # their 201 answers carry a participant token
FACILITATOR_TOKENS = {"sign_in"}


def _operation_id(case: Any) -> str:
    return str(case.operation.definition.raw["operationId"])


def _role(path: str) -> str | None:
    if path.startswith("/api/v1/manage/") or path in ("/api/v1/facilitator", "/api/v1/sessions/current"):
        return "facilitator"
    if "/me" in path or path.endswith(("/votes", "/statements", "/endorsements")):
        return "participant"
    return None


@dataclass
class StatefulRun:
    """What a stateful run reached: operations called and answered with success, links followed to a success."""

    called: set[str] = field(default_factory=set)
    succeeded: set[str] = field(default_factory=set)
    followed: set[str] = field(default_factory=set)
    steps: int = 0
    scenarios: int = 0
    restarts: int = 0


def run_statefully(world: dict[str, Any], *, examples_: int, steps: int) -> StatefulRun:
    """schemathesis' state machine over the declared links (web/openapi_links.py) against the running app.

    Links pass values, not credentials, so each call carries the token its route needs: the one from the nearest
    earlier step of its chain that created one (a join or an accepted invitation for participant routes, a
    sign-in for facilitator routes), else the world's participant or facilitator. Every path's slug is the demo
    dialogue's (the only one its facilitator manages, so also what the links pass). Link inference is off: the
    declared links are the whole graph, so what the run reaches is what they lead to.
    """
    app = world["app"]
    client = world["client"]
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    schema.config.phases.stateful.inference.algorithms = []
    run = StatefulRun()
    rng = random.Random(7)

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Earlier chains may have closed the open link, made the profile fields required or closed voting
            # (the settings' switch, or advancing into the closing phase).
            with app.state.database.transaction() as session:
                dialogue = get_dialogue(session, SLUG)
                dialogue.open_join, dialogue.require_sector, dialogue.require_leaning = True, False, False
                dialogue.voting_closed_at = None
            self.world = {**world, "participant": join_api(client, SLUG).headers}
            run.scenarios += 1

        def _chain_token(self, case: Any, creators: set[str]) -> str | None:
            node = self.recorder.cases.get(case.id)
            while node is not None and node.parent_id is not None:
                parent = self.recorder.cases[node.parent_id]
                response = self.recorder.find_response(case_id=node.parent_id)
                if (
                    _operation_id(parent.value) in creators
                    and response is not None
                    and response.status_code == 201
                ):
                    return str(response.json()["token"])
                node = parent
            return None

        def before_call(self, case: Any) -> None:
            if "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = SLUG
            if _operation_id(case) == "sign_in" and rng.random() < 0.8:
                case.body = {"email": FACILITATOR, "password": PASSWORD}

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            path = case.operation.path
            role = _role(path)
            if role is None:
                return {"headers": {}}
            token = self._chain_token(
                case, FACILITATOR_TOKENS if role == "facilitator" else PARTICIPANT_TOKENS
            )
            if token is not None:
                return {"headers": {"Authorization": f"Bearer {token}"}}
            if path == "/api/v1/sessions/current":
                return {"headers": {}}  # signing out would end the session every other chain uses
            return {"headers": dict(self.world[role])}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            operation = _operation_id(case)
            run.steps += 1
            run.called.add(operation)
            if 200 <= response.status_code < 300:
                run.succeeded.add(operation)
                node = self.recorder.cases.get(case.id)
                if node is not None and node.transition is not None and node.is_transition_applied:
                    run.followed.add(node.transition.id)
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    # Against a server whose state every step changes, Hypothesis may find that a prefix of choices it replays
    # now draws differently (a bundle empty this time) and stop with FlakyStrategyDefinition: not a failure of
    # the API, so the run goes on with the rest of its budget, as schemathesis' own runner does. No shrinking:
    # a failure is reported as found (its chain of calls is in the message).
    for _attempt in range(8):
        try:
            Workflow.run(
                settings=settings(
                    max_examples=max(1, examples_ - run.scenarios),
                    stateful_step_count=steps,
                    phases=[Phase.generate],
                    deadline=None,
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                    database=None,
                )
            )
            break
        except FlakyStrategyDefinition:
            run.restarts += 1
            if run.scenarios >= examples_:
                break
    return run


FACILITATOR_CHAINS = {
    "get_facilitator_self",
    "get_dialogue_setup",
    "add_seed_statement",
    "list_statements_for_moderation",
    "create_listening_session",
    "add_contributions",
    "record_commitment",
    "run_analysis",
}
"""Facilitator operations a stateful run must have answered with a success (each a step of a chain), all but two."""


@pytest.mark.slow
def test_api_conforms_statefully(database: Database) -> None:
    """Chains of calls that feed one answer into the next request along the declared links, on SQLite and
    PostgreSQL: no 5xx, no schema violation, and the run must have reached deep into the facilitator's work and the
    participants' (before the links were declared it reached two operations and one transition)."""
    with _world(database) as world:
        run = run_statefully(world, examples_=examples(8), steps=40)
        paths = world["app"].openapi()["paths"]
    manage = {
        op["operationId"]
        for path, item in paths.items()
        if path.startswith("/api/v1/manage/")
        for op in item.values()
    }
    report = (
        f"{run.scenarios} scenarios ({run.restarts} restarts), {run.steps} steps, {len(run.called)} operations "
        f"called, {len(run.succeeded)} answered 2xx, {len(run.followed)} links followed to a 2xx"
    )
    print(f"stateful run: {report}")
    # Most, not all, of the named chains: which ones a derandomized run reaches shifts with any change to the
    # server's answers (a new id, one more link), and a floor that moves with them would only be re-tuned.
    reached = run.succeeded & FACILITATOR_CHAINS
    assert len(reached) >= len(FACILITATOR_CHAINS) - 2, (report, sorted(FACILITATOR_CHAINS - run.succeeded))
    # The participants' side: a vote on a statement an earlier answer named. (Whether the run also joins
    # through a link of its own varies between runs: a replay restart on a busy machine changes the path.)
    votes = {t for t in run.followed if t.endswith("POST /api/v1/dialogues/{slug}/votes")}
    assert len(votes) >= 1, (report, sorted(run.followed))
    managed = run.succeeded & manage
    assert len(managed) >= 20, (report, sorted(managed))
    assert len(run.succeeded) >= 30, (report, sorted(run.succeeded))
    assert len(run.followed) >= 30, (report, sorted(run.followed))
