"""The OpenAPI links (web/openapi_links.py): every one names operations, parameters and fields that exist."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient

from workingup.runtime.database import Database
from workingup.web.app import create_app
from workingup.web.openapi_links import LINKS, Link, add_links, link_problems

PARTICIPANT_SLUG = "$response.body#/participant/dialogue"


@pytest.fixture(scope="module")
def served(sqlite_template: Any) -> dict[str, Any]:
    database = Database.open(f"sqlite:///{sqlite_template}")
    try:
        schema: dict[str, Any] = TestClient(create_app(database)).get("/api/v1/openapi.json").json()
    finally:
        database.close()
    return schema


def _links(schema: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (operation["operationId"], status, name)
        for item in schema["paths"].values()
        for operation in item.values()
        for status, response in operation["responses"].items()
        for name in response.get("links", {})
    ]


def test_every_declared_link_is_served_and_can_be_followed(served: dict[str, Any]) -> None:
    assert link_problems(served) == []
    assert len(_links(served)) == len(LINKS) >= 100


def test_every_api_operation_is_in_a_link(served: dict[str, Any]) -> None:
    operations = {op["operationId"] for item in served["paths"].values() for op in item.values()}
    linked = {link.source for link in LINKS} | {link.target for link in LINKS}
    assert operations == linked


def test_a_link_passes_its_sources_slug_unless_it_says_otherwise(served: dict[str, Any]) -> None:
    vote = served["paths"]["/api/v1/dialogues/{slug}/me/next"]["get"]["responses"]["200"]["links"]["CastVote"]
    assert vote == {
        "operationId": "cast_vote",
        "parameters": {"slug": "$request.path.slug"},
        "requestBody": {"statement_id": "$response.body#/statement/id"},
        "description": "Vote on it.",
    }
    joined = served["paths"]["/api/v1/dialogues/{slug}/participants"]["post"]["responses"]["201"]["links"]
    assert joined["RevokeParticipantToken"]["parameters"] == {
        "slug": "$response.body#/participant/dialogue",
        "participant_id": "$response.body#/participant/id",
    }


@pytest.mark.parametrize(
    ("link", "problem"),
    [
        (
            Link("join_dialogue", 201, "get_own_profile", {"slug": "$response.body#/participant/slug"}),
            "nothing",
        ),
        (
            Link("join_dialogue", 201, "get_own_profile", {"slug": PARTICIPANT_SLUG, "id": "1"}),
            "no parameter",
        ),
        (
            Link("sign_in", 201, "revoke_invitation", {"slug": "$response.body#/facilitator/dialogues/0"}),
            "passes",
        ),
        (Link("sign_in", 201, "cast_vote", {"slug": "x"}, body={"statement": "1"}), "no field 'statement'"),
        (Link("sign_in", 201, "get_own_profile", {"slug": "$request.path.slug"}), "no such path parameter"),
        (Link("sign_in", 201, "get_own_profile", {"slug": "$request.body#/name"}), "nothing in the request"),
        (Link("sign_in", 201, "get_facilitator_self", body={"x": "1"}), "takes no JSON body"),
    ],
)
def test_a_broken_link_is_found(served: dict[str, Any], link: Link, problem: str) -> None:
    schema = copy.deepcopy(served)
    for item in schema["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                response.pop("links", None)
    add_links(schema, (link,))
    found = link_problems(schema)
    assert len(found) == 1, found
    assert problem in found[0], found


def test_a_link_to_an_unknown_operation_is_found(served: dict[str, Any]) -> None:
    schema = copy.deepcopy(served)
    join = schema["paths"]["/api/v1/dialogues/{slug}/participants"]["post"]["responses"]["201"]
    join["links"]["Nowhere"] = {"operationId": "no_such_operation"}
    assert link_problems(schema) == ["join_dialogue 201 → Nowhere: no operation 'no_such_operation'"]
