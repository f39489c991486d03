"""schemathesis against the OpenAPI schema: no 5xx, and every response matches what the schema promises.

Bounded to a few examples per operation (well under a minute). Requests go to the real app over a SQLite
database with the demo dialogue; most cases are pointed at that dialogue and carry the right credentials for
their route, so generation reaches past the 401/404 answers into the handlers.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz import examples
from tests.web.conftest import GENEROUS, add_facilitator, join_api, sign_in_api
from workingup.dialogues import load_definition
from workingup.services.database import Database
from workingup.services.demo import open_demo, populate_demo
from workingup.services.dialogues import get_dialogue, install_definition
from workingup.web.app import create_app

SLUG = "working-up"
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def api_world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("schemathesis") / "api.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    with database.transaction() as session:
        dialogue = install_definition(session, load_definition())
        populate_demo(session, dialogue, public=30, seed=3)
        open_demo(session, dialogue)
    add_facilitator(database, "schema@example.org", SLUG)
    app = create_app(database, rate_limits=GENEROUS)
    with TestClient(app) as client:
        facilitator = sign_in_api(client, "schema@example.org")
        participant = join_api(client, SLUG).headers
    yield {"app": app, "facilitator": facilitator, "participant": participant}
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


def test_api_conforms_statefully(api_world: dict[str, Any]) -> None:
    """Chains of calls that feed one answer into the next request, from the links schemathesis infers.

    What it can chain today is narrow: its root heuristic reads `/manage/{slug}` as a "Manage" resource that no
    operation produces, so the facilitator routes (commitment → status, milestone → progress, theme run →
    adoption, which it does link) are never entry points, and runs start from joining: a new participant's id
    fed into the facilitator's token revocation. Each run joins with a fresh participant of its own."""
    app = api_world["app"]
    client = TestClient(app)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    base = schema.as_state_machine()
    steps: set[tuple[str, str]] = set()

    class Workflow(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            # Earlier generated cases may have closed the open link or made the profile fields required.
            with app.state.database.transaction() as session:
                dialogue = get_dialogue(session, SLUG)
                dialogue.open_join, dialogue.require_sector, dialogue.require_leaning = True, False, False
            self.world = {**api_world, "participant": join_api(client, SLUG).headers}

        def before_call(self, case: Any) -> None:
            if "slug" in (case.path_parameters or {}):
                case.path_parameters["slug"] = SLUG

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": _headers(case.operation.path, self.world)}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            steps.add((case.operation.method.upper(), case.operation.path))
            case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)

    Workflow.run(
        settings=settings(
            max_examples=examples(25),
            stateful_step_count=6,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
    )
    assert ("POST", "/api/v1/dialogues/{slug}/participants") in steps
    assert ("DELETE", "/api/v1/manage/{slug}/participants/{participant_id}/token") in steps, sorted(steps)
