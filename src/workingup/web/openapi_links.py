"""OpenAPI links between the API's operations: which value of one answer a client can pass to which next call.

Declared here in one table, keyed by operation id, and added to the generated schema (`install`), so the routers
stay as they are. A link names the operation whose answer carries the value, the status of that answer, the
operation it leads to, and runtime expressions for the target's parameters and body fields
(https://spec.openapis.org/oas/v3.1.0#link-object). A link to a route with a `{slug}` passes the source's own slug
when the source has one, unless it says otherwise. Links carry values, never credentials: the token a call needs
is the client's to send (see the API description).

Besides documenting the chains (join → next statement → vote, submit → moderate, draft → endorse → commit →
milestone → progress, listening session → contributions → themes → adoption), they are what schemathesis'
stateful tests follow (tests/web/test_openapi_conformance.py). `link_problems` checks every link against the
schema: the operations, statuses, parameters, body fields and response fields it names must exist.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

SLUG = "$request.path.slug"


@dataclass(frozen=True)
class Link:
    source: str
    status: int
    target: str
    parameters: Mapping[str, str] = field(default_factory=dict)
    body: Mapping[str, Any] | None = None
    description: str = ""

    @property
    def name(self) -> str:
        return "".join(part.capitalize() for part in self.target.split("_"))


def _fan_out(source: str, status: int, slug: str, targets: tuple[str, ...]) -> Iterator[Link]:
    for target in targets:
        yield Link(source, status, target, {"slug": slug}, description="The same dialogue.")


PARTICIPANT_ROUTES = (
    "get_own_profile",
    "update_own_profile",
    "get_next_statement",
    "list_own_votes",
    "submit_statement",
    "get_own_agenda",
    "set_name_consent",
    "end_own_token",
    "get_dialogue",
)
"""Where a new participant can go with the token they were given, in the dialogue they joined."""

MANAGE_ROUTES = (
    "get_dialogue_setup",
    "list_participants",
    "list_invitations",
    "create_invitation",
    "list_facilitators",
    "add_facilitator",
    "list_colleague_invitations",
    "invite_colleague",
    "list_statements_for_moderation",
    "add_seed_statement",
    "run_analysis",
    "list_recommendations",
    "open_endorsement_round",
    "get_tracker_admin",
    "list_listening_sessions",
    "create_listening_session",
    "run_listening_themes",
)
"""Where a facilitator can start work in a dialogue they manage; the pages that only show what the work produced
(audit, alerts, exports, report, origins) follow from the steps that produce it."""

PARTICIPANT = "$response.body#/participant/dialogue"
STATEMENT = "$response.body#/statement/id"


def _links() -> Iterator[Link]:
    # --- the public dialogue and joining -------------------------------------------------------------------------
    for target in ("join_dialogue", "get_results", "get_public_tracker", "get_public_tracker_csv"):
        yield Link(
            "get_dialogue", 200, target, {"slug": "$response.body#/slug"}, description="This dialogue."
        )
    for source in ("join_dialogue", "accept_invitation"):
        yield from _fan_out(source, 201, PARTICIPANT, PARTICIPANT_ROUTES)
        yield Link(
            source,
            201,
            "revoke_participant_token",
            {"slug": PARTICIPANT, "participant_id": "$response.body#/participant/id"},
            description="A facilitator ends the new participant's token.",
        )
    yield Link("get_own_profile", 200, "update_own_profile", {"slug": "$response.body#/dialogue"})
    # --- voting --------------------------------------------------------------------------------------------------
    yield Link(
        "get_next_statement", 200, "cast_vote", body={"statement_id": STATEMENT}, description="Vote on it."
    )
    yield Link(
        "cast_vote",
        200,
        "cast_vote",
        body={"statement_id": "$response.body#/statement_id"},
        description="Change the vote just cast.",
    )
    yield Link("cast_vote", 200, "list_own_votes")
    yield Link("cast_vote", 200, "get_next_statement")
    yield Link(
        "list_own_votes",
        200,
        "cast_vote",
        body={"statement_id": "$response.body#/0/statement_id"},
        description="Change a vote.",
    )
    # --- statements and moderation -------------------------------------------------------------------------------
    yield Link(
        "submit_statement",
        201,
        "moderate_statements",
        body={"ids": [STATEMENT]},
        description="A facilitator moderates the new statement.",
    )
    yield Link(
        "submit_statement",
        409,
        "submit_statement",
        body={"text": "$request.body#/text", "confirm_duplicate": True},
        description="Submit it anyway, as the answer suggests.",
    )
    yield Link(
        "submit_statement",
        409,
        "cast_vote",
        body={"statement_id": "$response.body#/duplicate/id"},
        description="Vote on the existing statement instead.",
    )
    yield Link("add_seed_statement", 201, "moderate_statements", body={"ids": ["$response.body#/id"]})
    yield Link(
        "add_seed_statement", 201, "draft_recommendation", body={"statement_ids": ["$response.body#/id"]}
    )
    yield Link(
        "add_seed_statement",
        201,
        "cast_vote",
        body={"statement_id": "$response.body#/id"},
        description="A participant votes on the new statement.",
    )
    first_item = "$response.body#/items/0/id"
    yield Link("list_statements_for_moderation", 200, "moderate_statements", body={"ids": [first_item]})
    yield Link(
        "list_statements_for_moderation", 200, "draft_recommendation", body={"statement_ids": [first_item]}
    )
    yield Link("moderate_statements", 200, "list_statements_for_moderation")
    # --- the facilitator's dialogues -----------------------------------------------------------------------------
    yield Link("sign_in", 201, "get_facilitator_self", description="Who signed in, and their dialogues.")
    yield Link("sign_in", 201, "sign_out", description="End this session.")
    yield Link("sign_in", 201, "get_dialogue_setup", {"slug": "$response.body#/facilitator/dialogues/0"})
    yield from _fan_out("get_facilitator_self", 200, "$response.body#/dialogues/0", MANAGE_ROUTES)
    for target in ("change_dialogue_settings", "add_focus_area", "list_participants", "get_balance_audit"):
        yield Link("get_dialogue_setup", 200, target, {"slug": "$response.body#/slug"})
    yield Link(
        "get_dialogue_setup",
        200,
        "advance_phase",
        {"slug": "$response.body#/slug"},
        body={"expected": "$response.body#/phase"},
        description="Advance from the phase it is in.",
    )
    yield Link(
        "advance_phase",
        200,
        "advance_phase",
        {"slug": "$response.body#/slug"},
        body={"expected": "$response.body#/phase"},
        description="Advance again.",
    )
    for source, status in (("get_dialogue_setup", 200), ("add_focus_area", 201)):
        yield Link(
            source,
            status,
            "add_inquiry_area",
            {"slug": "$response.body#/slug", "key": "$response.body#/focus_areas/0/key"},
        )
    yield Link(
        "list_participants",
        200,
        "revoke_participant_token",
        {"participant_id": "$response.body#/0/id"},
    )
    # --- invitations ---------------------------------------------------------------------------------------------
    yield Link(
        "create_invitation",
        201,
        "accept_invitation",
        {"token": "$response.body#/token"},
        description="The invited person accepts.",
    )
    yield Link(
        "create_invitation", 201, "revoke_invitation", {"invitation_id": "$response.body#/invitation/id"}
    )
    yield Link("list_invitations", 200, "revoke_invitation", {"invitation_id": "$response.body#/0/id"})
    yield Link(
        "add_facilitator",
        201,
        "remove_facilitator",
        {"facilitator_id": "$response.body#/id"},
        description="Take the colleague off the team again.",
    )
    yield Link("list_facilitators", 200, "remove_facilitator", {"facilitator_id": "$response.body#/0/id"})
    yield Link(
        "invite_colleague",
        201,
        "accept_colleague_invitation",
        {"token": "$response.body#/token"},
        description="The colleague accepts, choosing their own password.",
    )
    yield Link(
        "invite_colleague",
        201,
        "withdraw_colleague_invitation",
        {"invitation_id": "$response.body#/invitation/id"},
    )
    yield Link(
        "list_colleague_invitations",
        200,
        "withdraw_colleague_invitation",
        {"invitation_id": "$response.body#/0/id"},
    )
    yield Link(
        "accept_colleague_invitation",
        201,
        "get_dialogue_setup",
        {"slug": "$response.body#/facilitator/dialogues/0"},
        description="The new facilitator opens the dialogue.",
    )
    yield Link(
        "create_invitation",
        201,
        "reissue_invitation",
        {"invitation_id": "$response.body#/invitation/id"},
        description="The link was lost: a new one, the old one stops working.",
    )
    yield Link(
        "reissue_invitation",
        200,
        "accept_invitation",
        {"token": "$response.body#/token"},
        description="The invited person accepts through the new link.",
    )
    # --- analysis ------------------------------------------------------------------------------------------------
    for target in ("get_analysis", "get_opinion_map", "list_convergence_candidates", "export_polis"):
        yield Link("run_analysis", 200, target)
    yield Link("run_analysis", 200, "export_table_csv", description="Any of its tables (`table`).")
    yield Link(
        "cast_vote", 200, "get_live_alerts", description="A facilitator watches for coordinated voting."
    )
    yield Link(
        "list_convergence_candidates",
        200,
        "draft_recommendation",
        body={"statement_ids": ["$response.body#/0/statement_id"]},
        description="Draft from the first candidate.",
    )
    # --- recommendations and the endorsement round ---------------------------------------------------------------
    number = {"number": "$response.body#/number"}
    for source, status in (("draft_recommendation", 201), ("revise_recommendation", 201)):
        yield Link(source, status, "get_recommendation_history", number)
        yield Link(source, status, "revise_recommendation", number)
        yield Link(source, status, "record_commitment", body={"recommendation": "$response.body#/number"})
    yield Link("draft_recommendation", 201, "open_endorsement_round")
    yield Link("get_recommendation_history", 200, "revise_recommendation", number)
    first = {"number": "$response.body#/0/number"}
    yield Link("list_recommendations", 200, "get_recommendation_history", first)
    yield Link("list_recommendations", 200, "revise_recommendation", first)
    yield Link(
        "list_recommendations", 200, "record_commitment", body={"recommendation": "$response.body#/0/number"}
    )
    for target in ("get_endorsement_round", "close_endorsement_round", "create_invitation"):
        yield Link("open_endorsement_round", 201, target)
    yield Link(
        "close_endorsement_round", 200, "get_report", description="The final report, in any format (`fmt`)."
    )
    yield Link("get_tracker_admin", 200, "get_report", description="The final report, in any format (`fmt`).")
    yield Link(
        "record_stance", 201, "get_endorsement_round", description="A facilitator sees the round so far."
    )
    yield Link(
        "get_own_agenda",
        200,
        "record_stance",
        body={"recommendation": "$response.body#/recommendations/0/number"},
        description="Give a stance on the first recommendation.",
    )
    yield Link("record_stance", 201, "get_own_agenda")
    # --- the tracker ---------------------------------------------------------------------------------------------
    for target in ("change_commitment_status", "add_milestone", "add_commitment_evidence"):
        yield Link("record_commitment", 201, target, {"commitment_id": "$response.body#/id"})
        yield Link(
            "get_tracker_admin",
            200,
            target,
            {"commitment_id": "$response.body#/recommendations/0/commitments/0/id"},
        )
    yield Link("record_commitment", 201, "get_tracker_admin")
    # each change answers with the whole commitment, so any of them leads to the next change
    changes = {
        "change_commitment_status": 200,
        "add_milestone": 201,
        "set_milestone_progress": 200,
        "add_commitment_evidence": 201,
    }
    for source, status in changes.items():
        for target in changes:
            if target == "set_milestone_progress":
                yield Link(source, status, target, {"milestone_id": "$response.body#/milestones/0/id"})
            elif target != source:
                yield Link(source, status, target, {"commitment_id": "$response.body#/id"})
    # --- listening sessions and themes ---------------------------------------------------------------------------
    for target in ("add_contributions", "list_contributions"):
        yield Link("create_listening_session", 201, target, {"session_id": "$response.body#/id"})
        yield Link("list_listening_sessions", 200, target, {"session_id": "$response.body#/0/id"})
    yield Link("add_contributions", 201, "list_contributions", {"session_id": "$request.path.session_id"})
    yield Link("add_contributions", 201, "run_listening_themes")
    adopt = {
        "run_id": "$response.body#/run_id",
        "theme_id": "$response.body#/themes/0/id",
        "candidate": "$response.body#/themes/0/candidates/0/index",
    }
    yield Link("run_listening_themes", 201, "adopt_candidate_statement", body=adopt)
    yield Link("run_listening_themes", 201, "get_listening_themes")
    yield Link("get_listening_themes", 200, "adopt_candidate_statement", body=adopt)
    yield Link("adopt_candidate_statement", 201, "list_statement_origins")
    yield Link(
        "adopt_candidate_statement",
        201,
        "moderate_statements",
        body={"ids": ["$response.body#/statement_id"]},
    )


LINKS: tuple[Link, ...] = tuple(_links())


def _operations(schema: Mapping[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """operation id → (path, operation object)."""
    found = {}
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            if isinstance(operation, dict) and "operationId" in operation:
                found[operation["operationId"]] = (path, operation)
    return found


def _path_parameters(path: str) -> set[str]:
    return set(re.findall(r"{([^}]+)}", path))


def _definition(link: Link, source_path: str, target_path: str) -> dict[str, Any]:
    parameters = dict(link.parameters)
    if (
        "slug" in _path_parameters(target_path)
        and "slug" not in parameters
        and "slug" in _path_parameters(source_path)
    ):
        parameters["slug"] = SLUG
    definition: dict[str, Any] = {"operationId": link.target}
    if parameters:
        definition["parameters"] = parameters
    if link.body is not None:
        definition["requestBody"] = dict(link.body)
    if link.description:
        definition["description"] = link.description
    return definition


def add_links(schema: dict[str, Any], links: tuple[Link, ...] = LINKS) -> dict[str, Any]:
    """Put each link on its source's response, in place; returns the schema."""
    operations = _operations(schema)
    for link in links:
        source_path, source = operations[link.source]
        target_path, _ = operations[link.target]
        on_response = source["responses"][str(link.status)].setdefault("links", {})
        if link.name in on_response:
            raise ValueError(f"two links from {link.source} {link.status} to {link.target}")
        on_response[link.name] = _definition(link, source_path, target_path)
    return schema


def install(app: FastAPI) -> None:
    """Serve the app's OpenAPI schema with the links added."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_links(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


# --- checking the links against the schema ----------------------------------------------------------------------


def _resolve(schema: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = schema
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _alternatives(schema: Mapping[str, Any], node: Any) -> list[Any]:
    node = _resolve(schema, node)
    if not isinstance(node, dict):
        return []
    for key in ("anyOf", "oneOf", "allOf"):
        if key in node:
            return [alt for sub in node[key] for alt in _alternatives(schema, sub)]
    return [node]


def _pointer_exists(schema: Mapping[str, Any], node: Any, pointer: str) -> bool:
    """Whether a JSON pointer can resolve in a document that `node` (a JSON schema) describes."""
    if pointer in ("", "/"):
        return True
    head, _, rest = pointer.removeprefix("/").partition("/")
    rest = f"/{rest}" if rest else ""
    for alt in _alternatives(schema, node):
        if head.isdigit() and "items" in alt and _pointer_exists(schema, alt["items"], rest):
            return True
        if head in alt.get("properties", {}) and _pointer_exists(schema, alt["properties"][head], rest):
            return True
    return False


def _expressions(value: Any) -> Iterator[str]:
    if isinstance(value, str) and value.startswith("$"):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _expressions(item)
    elif isinstance(value, list):
        for item in value:
            yield from _expressions(item)


def _request_schema(operation: Mapping[str, Any]) -> Any:
    return operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")


FREE_PATH_PARAMETERS = {"table"}
"""Path parameters a link may leave to the client: `table` names one of the tables export_table_csv lists."""


def _unbound(target_path: str, target: Mapping[str, Any], passed: Mapping[str, str]) -> list[str]:
    """The target's path parameters that a link leaves unset, other than enums and free ones."""
    enums = {p["name"] for p in target.get("parameters", []) if "enum" in p.get("schema", {})}
    return sorted(_path_parameters(target_path) - set(passed) - enums - FREE_PATH_PARAMETERS)


def link_problems(schema: Mapping[str, Any]) -> list[str]:
    """Everything wrong with the links in a schema: unknown operations or statuses, parameters the target does not
    take, body fields its JSON body does not have, expressions that point at nothing in the source's request or
    answer. Empty when every link can be followed."""
    problems: list[str] = []
    operations = _operations(schema)
    for source_id, (source_path, source) in operations.items():
        for status, response in source.get("responses", {}).items():
            for name, definition in response.get("links", {}).items():
                where = f"{source_id} {status} → {name}"
                target_id = definition.get("operationId")
                if target_id not in operations:
                    problems.append(f"{where}: no operation {target_id!r}")
                    continue
                target_path, target = operations[target_id]
                declared = {p["name"] for p in target.get("parameters", [])}
                for parameter in definition.get("parameters", {}):
                    if parameter.split(".")[-1] not in declared:
                        problems.append(f"{where}: {target_id} has no parameter {parameter!r}")
                missing = _unbound(target_path, target, definition.get("parameters", {}))
                if missing:
                    problems.append(f"{where}: nothing passes {missing}")
                body = definition.get("requestBody")
                if body is not None:
                    target_body = _request_schema(target)
                    if target_body is None:
                        problems.append(f"{where}: {target_id} takes no JSON body")
                    else:
                        for key in body:
                            if not _pointer_exists(schema, target_body, f"/{key}"):
                                problems.append(f"{where}: {target_id}'s body has no field {key!r}")
                answer = response.get("content", {}).get("application/json", {}).get("schema")
                for expression in _expressions([definition.get("parameters", {}), body]):
                    problems.extend(
                        f"{where}: {problem}"
                        for problem in _expression_problems(schema, expression, source_path, source, answer)
                    )
    return problems


def _expression_problems(
    schema: Mapping[str, Any],
    expression: str,
    source_path: str,
    source: Mapping[str, Any],
    answer: Any,
) -> Iterator[str]:
    if expression.startswith("$response.body#"):
        if answer is None or not _pointer_exists(schema, answer, expression.removeprefix("$response.body#")):
            yield f"{expression} points at nothing in the answer"
    elif expression.startswith("$request.path."):
        if expression.removeprefix("$request.path.") not in _path_parameters(source_path):
            yield f"{expression}: the source has no such path parameter"
    elif expression.startswith("$request.body#"):
        request = _request_schema(source)
        if request is None or not _pointer_exists(schema, request, expression.removeprefix("$request.body#")):
            yield f"{expression} points at nothing in the request"
    else:
        yield f"{expression}: not an expression these links use"
