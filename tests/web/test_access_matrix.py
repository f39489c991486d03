"""Access control, proven cell by cell: every route of the app × every kind of visitor.

The routes are read from the app itself, so a route added without a row here fails
`test_every_route_is_in_the_matrix`. Each cell declares what one visitor gets from one route of the Working Up
dialogue ("this dialogue"), with real ids in the path and valid bodies, and a valid CSRF value on every form, so a
refusal can only come from the authorisation layer. Every answer is also searched for text that visitor may not
see: the other dialogue's private items always, and this dialogue's private items unless the visitor facilitates
it.

The world is built once per module. Reading cells share it; a cell that may change something runs on its own copy
of the database file, so cells never depend on each other or on their order.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.agenda import adopt
from tests.web.conftest import GENEROUS, PASSWORD
from tests.web.test_security_headers import assert_security_headers
from workingup.dialogues import load_definition
from workingup.domain import AdoptionRule, Horizon, Leaning, Moderation, RecommendationType, Role
from workingup.runtime.analyses import Analyses
from workingup.runtime.database import Database
from workingup.services import (
    accounts,
    endorsements,
    listening,
    participation,
    recommendations,
    roster,
    team,
    tracking,
)
from workingup.services.analysis import analyze_dialogue
from workingup.services.analysis_runs import run_analysis
from workingup.services.demo import populate_demo
from workingup.services.dialogues import install_definition
from workingup.services.stored_analysis import parse
from workingup.store import models
from workingup.web.api import listening as listening_api
from workingup.web.app import create_app
from workingup.web.pages import listening as listening_pages
from workingup.web.security import CSRF_COOKIE, CSRF_FIELD, SESSION_COOKIE, participant_cookie

ANON, PART, OTHER_PART, OTHER_FAC, FAC = (
    "anonymous",
    "participant",
    "other-dialogue-participant",
    "other-dialogue-facilitator",
    "facilitator",
)
ROLES = (ANON, PART, OTHER_PART, OTHER_FAC, FAC)
SLUG, OTHER_SLUG = "working-up", "bravo-dialogue"
CSRF = "c" * 43

# Text only this dialogue's facilitators may see, and text of the other dialogue nobody here may see.
PRIVATE = (
    "ALPHA-PRIVATE-PENDING",
    "ALPHA-PRIVATE-UNMODERATED",
    "ALPHA-PRIVATE-PLACE",
    "alpha-co@example.org",  # a co-facilitator's address: the team is the facilitators' business
)
OTHER_PRIVATE = (
    "BRAVO-PRIVATE-PENDING",
    "BRAVO-PRIVATE-UNMODERATED",
    "BRAVO-PRIVATE-PLACE",
    "BRAVO-PRIVATE-ACCEPTED",
)

SKIPPED = {
    "/static": "static files: the same bytes for everyone, no data",
}
"""Routes left out of the matrix, each with its reason. HEAD is left out everywhere: it runs the GET handler."""


# --- expectations ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    location: str | None = None
    """For a redirect: where it must point (path and query, compared as a prefix)."""

    def __str__(self) -> str:
        return f"{self.status}" + (f" → {self.location}" if self.location else "")


LOGIN = Expect(303, "/login?next=")
JOIN = Expect(303, f"/d/{SLUG}/join")


def public(expect: Expect) -> dict[str, Expect]:
    return dict.fromkeys(ROLES, expect)


def facilitator_api(expect: Expect) -> dict[str, Expect]:
    """Facilitator API: 401 without a session, 403 for participants and for other dialogues' facilitators."""
    return {
        ANON: Expect(401),
        PART: Expect(403),
        OTHER_PART: Expect(403),
        OTHER_FAC: Expect(403),
        FAC: expect,
    }


def participant_api(expect: Expect) -> dict[str, Expect]:
    """Participant API: 401 without a token, 403 for another dialogue's participant and for facilitators."""
    return {
        ANON: Expect(401),
        PART: expect,
        OTHER_PART: Expect(403),
        OTHER_FAC: Expect(403),
        FAC: Expect(403),
    }


def facilitator_page(expect: Expect) -> dict[str, Expect]:
    """Facilitator pages: to the sign-in page without a session, 403 for another dialogue's facilitator."""
    return {ANON: LOGIN, PART: LOGIN, OTHER_PART: LOGIN, OTHER_FAC: Expect(403), FAC: expect}


def participant_page(expect: Expect) -> dict[str, Expect]:
    """Participant pages: anyone who has not joined this dialogue is sent to its join page, and sees nothing."""
    return {ANON: JOIN, PART: expect, OTHER_PART: JOIN, OTHER_FAC: JOIN, FAC: JOIN}


def stakeholder_page(expect: Expect) -> dict[str, Expect]:
    return {
        ANON: Expect(403),
        PART: expect,
        OTHER_PART: Expect(403),
        OTHER_FAC: Expect(403),
        FAC: Expect(403),
    }


def back_to(path: str) -> Expect:
    return Expect(303, path)


# --- the world ---------------------------------------------------------------------------------------------------


@dataclass
class World:
    pristine: Path
    """The built database file, never opened again: each changing cell runs on a copy of it."""
    client: TestClient
    """Over a copy shared by the reading cells."""
    changing: TestClient
    """An app whose database is swapped for a fresh copy before each changing cell (building an app's routes
    takes longer than the request, so the app is built once)."""
    dialogue_id: int
    other_dialogue_id: int
    tokens: dict[str, str]
    ids: dict[str, Any] = field(default_factory=dict)
    scratch: Path = Path()


def _build(path: Path) -> tuple[int, int, dict[str, str], dict[str, Any]]:
    database = Database.open(f"sqlite:///{path}")
    ids: dict[str, Any] = {}
    tokens: dict[str, str] = {}
    definition = load_definition()
    other = dataclasses.replace(definition, slug=OTHER_SLUG, title="Bravo dialogue")
    try:
        with database.transaction() as s:
            a = install_definition(s, definition)
            a.open_join, a.published = True, True
            populate_demo(s, a, public=30, seed=3)
            b = install_definition(s, other)
            b.open_join = True

            fac = accounts.create_facilitator(s, "alpha-fac@example.org", PASSWORD, "Alpha facilitator")
            accounts.grant_dialogue(s, fac, a)
            other_fac = accounts.create_facilitator(s, "bravo-fac@example.org", PASSWORD, "Bravo facilitator")
            accounts.grant_dialogue(s, other_fac, b)
            co_fac = accounts.create_facilitator(s, "alpha-co@example.org", PASSWORD, "Alpha co-facilitator")
            accounts.grant_dialogue(s, co_fac, a)
            accounts.create_facilitator(s, "spare@example.org", PASSWORD, "Facilitator of nothing yet")
            ids["co_facilitator_id"], ids["other_facilitator_id"] = co_fac.id, other_fac.id
            invited = team.invite(s, a, "newcomer-a@example.org", fac)
            ids["colleague_invitation_id"], ids["colleague_token"] = invited.invitation.id, invited.token
            ids["other_colleague_invitation_id"] = team.invite(
                s, b, "newcomer-b@example.org", other_fac
            ).invitation.id
            tokens[FAC] = accounts.sign_in(s, fac.email, PASSWORD, allow_demo=False).token
            tokens[OTHER_FAC] = accounts.sign_in(s, other_fac.email, PASSWORD, allow_demo=False).token

            sector = a.sectors[0].key
            mine = roster.create_invitation(s, a, "Ana Stakeholder", Role.STAKEHOLDER, sector)
            joined = participation.accept_invitation(
                s, mine.token, participation.Profile(leaning=Leaning.CENTER, consent=True)
            )
            tokens[PART] = joined.token
            pending = roster.create_invitation(s, a, "ALPHA-PRIVATE-PENDING invitee", Role.STAKEHOLDER, None)
            ids["invitation_id"], ids["token"] = pending.invitation.id, pending.token
            someone = participation.join_open(s, a, participation.Profile(consent=True)).participant
            ids["participant_id"] = someone.id
            unmoderated = participation.submit_statement(
                s, a, someone, "ALPHA-PRIVATE-UNMODERATED: evening child care at every library", None
            ).statement
            assert unmoderated is not None
            assert unmoderated.moderation is Moderation.UNMODERATED
            ids["unmoderated_id"] = unmoderated.id
            accepted = list(
                s.scalars(
                    select(models.Statement.id)
                    .where(models.Statement.dialogue_id == a.id, models.Statement.moderation == "accepted")
                    .order_by(models.Statement.id)
                )
            )
            ids["statement_id"] = accepted[0]
            for statement_id in accepted[:3]:
                participation.cast_vote(s, a, joined.participant, statement_id, 1)
                participation.cast_vote(s, a, someone, statement_id, -1)
            ids["focus_key"] = a.focus_areas[0].key

            other_joined = participation.join_open(s, b, participation.Profile(consent=True))
            tokens[OTHER_PART] = other_joined.token
            ids["other_participant_id"] = other_joined.participant.id
            ids["other_invitation_id"] = roster.create_invitation(
                s, b, "BRAVO-PRIVATE-PENDING invitee", Role.STAKEHOLDER, None
            ).invitation.id
            other_statement = participation.submit_statement(
                s, b, other_joined.participant, "BRAVO-PRIVATE-UNMODERATED: a bus line to the plant", None
            ).statement
            assert other_statement is not None
            ids["other_statement_id"] = other_statement.id
            from workingup.services import moderation

            seed = moderation.add_seed_statement(
                s, b, "BRAVO-PRIVATE-ACCEPTED: paid training hours for everyone", focus_area=None
            )
            seated = roster.create_invitation(s, b, "Bravo stakeholder", Role.STAKEHOLDER, None).token
            bravo = participation.accept_invitation(s, seated, participation.Profile(consent=True))
            participation.cast_vote(s, b, bravo.participant, seed.id, 1)
            ids["other_session_id"] = listening.create_session(
                s, b, held_on=_day(), place="BRAVO-PRIVATE-PLACE", facilitator="Bea", consent_recorded=True
            ).id
            recommendations.draft(
                s,
                b,
                statement_ids=[seed.id],
                kind=RecommendationType.POLICY,
                horizon=Horizon.NEAR_TERM,
                actors=["Transit board"],
                focus_area=b.focus_areas[0].key,
            )
            adopt(s, b, 1)
            other_commitment = tracking.commit(s, b, "R1", actor="Transit board", description="Run it")
            ids["other_commitment_id"] = other_commitment.id
            ids["other_milestone_id"] = tracking.add_milestone(s, b, other_commitment.id, "Route plan").id

            listening.load_sample(s, a)
            place = listening.create_session(
                s, a, held_on=_day(), place="ALPHA-PRIVATE-PLACE", facilitator="Al", consent_recorded=True
            )
            ids["session_id"] = place.id
            run = listening.run_themes(s, a, method="tfidf")
            ids["run_id"], ids["theme_id"] = run.id, run.result.themes[0].id

            stored = run_analysis(s, a)
            assert stored is not None
            verdict = parse(stored[0])["convergence"]
            converged = [
                sid
                for sid, v in zip(verdict["statement_ids"], verdict["verdict"], strict=True)
                if v == "convergence"
            ]
            assert len(converged) >= 3
            ids["converged"] = converged[1:3]
            recommendations.draft(
                s,
                a,
                statement_ids=converged[:1],
                kind=RecommendationType.POLICY,
                horizon=Horizon.NEAR_TERM,
                actors=["City council"],
                analysis=analyze_dialogue(s, a),
            )
            endorsements.open_round(s, a, AdoptionRule.UNANIMITY)
            adopt(s, a, 1)
            commitment = tracking.commit(s, a, "R1", actor="City council", description="Fund it")
            ids["commitment_id"] = commitment.id
            ids["milestone_id"] = tracking.add_milestone(s, a, commitment.id, "Budget line").id
            return a.id, b.id, tokens, ids
    finally:
        database.close()  # the last connection checkpoints the WAL: the file alone is the whole database


def _day() -> Any:
    from datetime import date

    return date(2017, 3, 2)


def _app(path: Path) -> FastAPI:
    database = Database.open(f"sqlite:///{path}")
    return create_app(database, rate_limits=GENEROUS, analysis_delay=3600, analyse_on_start=False)


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("access")
    pristine = folder / "world.db"
    shutil.copy(sqlite_template, pristine)
    dialogue_id, other_id, tokens, ids = _build(pristine)
    shared = folder / "shared.db"
    shutil.copy(pristine, shared)
    with pytest.MonkeyPatch.context() as patch:
        # Which theme method runs is not what this test is about; TF-IDF spares loading a language model.
        patch.setattr(listening_pages, "preferred_method", lambda: "tfidf")
        patch.setattr(listening_api, "preferred_method", lambda: "tfidf")
        with TestClient(_app(shared)) as client, TestClient(_app(shared)) as changing:
            yield World(pristine, client, changing, dialogue_id, other_id, tokens, ids, scratch=folder)


# --- the matrix --------------------------------------------------------------------------------------------------

Params = Callable[[World], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    expect: Mapping[str, Expect]
    params: Params = lambda w: {}
    json: Callable[[World], Any] | None = None
    form: Callable[[World], dict[str, Any]] | None = None
    prepare: Callable[[Session], None] | None = None
    """Run on the cell's own copy before the request (e.g. close the round so it can be opened)."""


def _ids(*names: str) -> Params:
    return lambda w: {n: w.ids[n] for n in names}


def _close_round(s: Session) -> None:
    endorsements.close_round(s, s.scalars(select(models.Dialogue).where(models.Dialogue.slug == SLUG)).one())


M = "/api/v1/manage/{slug}"
F = "/f/{slug}"
D = "/d/{slug}"
TO_VOTE = back_to(f"/d/{SLUG}/vote")

MATRIX: dict[tuple[str, str], Row] = {
    # documentation and health
    ("GET", "/api/v1/openapi.json"): Row(public(Expect(200))),
    ("GET", "/api/docs"): Row(public(Expect(200))),
    ("GET", "/docs/oauth2-redirect"): Row(public(Expect(200))),
    ("GET", "/healthz"): Row(public(Expect(200))),
    # public API
    ("GET", "/api/v1/dialogues/{slug}"): Row(public(Expect(200))),
    ("GET", "/api/v1/dialogues/{slug}/results"): Row(public(Expect(200))),
    ("POST", "/api/v1/dialogues/{slug}/participants"): Row(
        public(Expect(201)), json=lambda w: {"consent": True}
    ),
    ("POST", "/api/v1/invitations/{token}/accept"): Row(
        public(Expect(201)), _ids("token"), json=lambda w: {"consent": True, "leaning": "left"}
    ),
    # participant API
    ("GET", "/api/v1/dialogues/{slug}/me"): Row(participant_api(Expect(200))),
    ("PUT", "/api/v1/dialogues/{slug}/me"): Row(
        participant_api(Expect(200)), json=lambda w: {"consent": True, "leaning": "right"}
    ),
    ("GET", "/api/v1/dialogues/{slug}/me/next"): Row(participant_api(Expect(200))),
    ("POST", "/api/v1/dialogues/{slug}/votes"): Row(
        participant_api(Expect(200)), json=lambda w: {"statement_id": w.ids["statement_id"], "value": -1}
    ),
    ("GET", "/api/v1/dialogues/{slug}/me/votes"): Row(participant_api(Expect(200))),
    ("POST", "/api/v1/dialogues/{slug}/statements"): Row(
        participant_api(Expect(201)),
        json=lambda w: {"text": "Night buses to the industrial park, every hour"},
    ),
    ("DELETE", "/api/v1/dialogues/{slug}/me/token"): Row(participant_api(Expect(204))),
    # facilitator API
    ("POST", "/api/v1/sessions"): Row(
        public(Expect(201)), json=lambda w: {"email": "alpha-fac@example.org", "password": PASSWORD}
    ),
    ("DELETE", "/api/v1/sessions/current"): Row(
        {
            ANON: Expect(401),
            PART: Expect(403),
            OTHER_PART: Expect(403),
            OTHER_FAC: Expect(204),
            FAC: Expect(204),
        }
    ),
    ("GET", "/api/v1/facilitator"): Row(
        {
            ANON: Expect(401),
            PART: Expect(403),
            OTHER_PART: Expect(403),
            OTHER_FAC: Expect(200),
            FAC: Expect(200),
        }
    ),
    ("GET", M): Row(facilitator_api(Expect(200))),
    ("PATCH", f"{M}/settings"): Row(facilitator_api(Expect(200)), json=lambda w: {"open_join": False}),
    ("POST", f"{M}/phase"): Row(facilitator_api(Expect(200)), json=lambda w: {"expected": "assessment"}),
    ("POST", f"{M}/focus-areas"): Row(facilitator_api(Expect(201)), json=lambda w: {"title": "Transport"}),
    ("POST", f"{M}/focus-areas/{{key}}/inquiry-areas"): Row(
        facilitator_api(Expect(201)),
        lambda w: {"key": w.ids["focus_key"]},
        json=lambda w: {"title": "Night shifts"},
    ),
    ("GET", f"{M}/balance"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/participants"): Row(facilitator_api(Expect(200))),
    ("DELETE", f"{M}/participants/{{participant_id}}/token"): Row(
        facilitator_api(Expect(204)), _ids("participant_id")
    ),
    ("GET", f"{M}/invitations"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/invitations"): Row(facilitator_api(Expect(201)), json=lambda w: {"label": "Bo Builder"}),
    ("POST", f"{M}/invitations/{{invitation_id}}/revoke"): Row(
        facilitator_api(Expect(200)), _ids("invitation_id")
    ),
    ("POST", f"{M}/invitations/{{invitation_id}}/reissue"): Row(
        facilitator_api(Expect(200)), _ids("invitation_id")
    ),
    ("GET", f"{M}/facilitators"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/facilitators"): Row(
        facilitator_api(Expect(201)), json=lambda w: {"email": "spare@example.org"}
    ),
    ("DELETE", f"{M}/facilitators/{{facilitator_id}}"): Row(
        facilitator_api(Expect(204)), lambda w: {"facilitator_id": w.ids["co_facilitator_id"]}
    ),
    ("GET", f"{M}/colleague-invitations"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/colleague-invitations"): Row(
        facilitator_api(Expect(201)), json=lambda w: {"email": "newcomer-c@example.org"}
    ),
    ("POST", f"{M}/colleague-invitations/{{invitation_id}}/withdraw"): Row(
        facilitator_api(Expect(200)), lambda w: {"invitation_id": w.ids["colleague_invitation_id"]}
    ),
    ("POST", "/api/v1/colleague-invitations/{token}/accept"): Row(
        public(Expect(201)),
        lambda w: {"token": w.ids["colleague_token"]},
        json=lambda w: {"display_name": "New colleague", "password": "a long enough password"},
    ),
    ("GET", f"{M}/statements"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/statements/moderation"): Row(
        facilitator_api(Expect(200)), json=lambda w: {"ids": [w.ids["unmoderated_id"]], "action": "accept"}
    ),
    ("POST", f"{M}/statements"): Row(
        facilitator_api(Expect(201)), json=lambda w: {"text": "Apprenticeships paid from the first day"}
    ),
    ("GET", f"{M}/exports/polis.zip"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/exports/{{table}}.csv"): Row(facilitator_api(Expect(200)), lambda w: {"table": "people"}),
    ("GET", f"{M}/analysis"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/analysis"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/analysis/map.svg"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/alerts"): Row(facilitator_api(Expect(200))),
    # agenda API
    ("GET", f"{M}/agenda/candidates"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/recommendations"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/recommendations/{{number}}"): Row(facilitator_api(Expect(200)), lambda w: {"number": 1}),
    ("POST", f"{M}/recommendations"): Row(
        facilitator_api(Expect(201)),
        json=lambda w: {
            "statement_ids": w.ids["converged"],
            "kind": "policy",
            "horizon": "near_term",
            "actors": ["Employers"],
        },
    ),
    ("POST", f"{M}/recommendations/{{number}}/versions"): Row(
        facilitator_api(Expect(201)),
        lambda w: {"number": 1},
        json=lambda w: {"text": "Fund evening child care in every library.", "note": "wording"},
    ),
    ("GET", f"{M}/round"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/round"): Row(
        facilitator_api(Expect(201)), json=lambda w: {"rule": "unanimity"}, prepare=_close_round
    ),
    ("POST", f"{M}/round/close"): Row(facilitator_api(Expect(200))),
    ("GET", f"{M}/report.{{fmt}}"): Row(facilitator_api(Expect(200)), lambda w: {"fmt": "md"}),
    ("GET", f"{M}/tracker"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/commitments"): Row(
        facilitator_api(Expect(201)),
        json=lambda w: {"recommendation": 1, "actor": "Employers", "description": "Pilot it"},
    ),
    ("POST", f"{M}/commitments/{{commitment_id}}/status"): Row(
        facilitator_api(Expect(200)),
        _ids("commitment_id"),
        json=lambda w: {"status": "in_progress", "note": "started"},
    ),
    ("POST", f"{M}/commitments/{{commitment_id}}/milestones"): Row(
        facilitator_api(Expect(201)), _ids("commitment_id"), json=lambda w: {"title": "Council vote"}
    ),
    ("PUT", f"{M}/milestones/{{milestone_id}}/progress"): Row(
        facilitator_api(Expect(200)), _ids("milestone_id"), json=lambda w: {"progress": 50}
    ),
    ("POST", f"{M}/commitments/{{commitment_id}}/evidence"): Row(
        facilitator_api(Expect(201)),
        _ids("commitment_id"),
        json=lambda w: {"note": "Minutes of the council", "url": "https://example.org/minutes"},
    ),
    # listening API
    ("GET", f"{M}/listening/sessions"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/listening/sessions"): Row(
        facilitator_api(Expect(201)),
        json=lambda w: {
            "held_on": "2017-03-03",
            "place": "Union hall",
            "facilitator": "Al",
            "consent_recorded": True,
        },
    ),
    ("GET", f"{M}/listening/sessions/{{session_id}}/contributions"): Row(
        facilitator_api(Expect(200)), _ids("session_id")
    ),
    ("POST", f"{M}/listening/sessions/{{session_id}}/contributions"): Row(
        facilitator_api(Expect(201)),
        _ids("session_id"),
        json=lambda w: [{"text": "The late bus never comes.", "speaker": "P1"}],
    ),
    ("GET", f"{M}/listening/themes"): Row(facilitator_api(Expect(200))),
    ("POST", f"{M}/listening/themes"): Row(facilitator_api(Expect(201))),
    ("POST", f"{M}/listening/adoptions"): Row(
        facilitator_api(Expect(201)),
        json=lambda w: {"run_id": w.ids["run_id"], "theme_id": w.ids["theme_id"], "candidate": 0},
    ),
    ("GET", f"{M}/listening/origins"): Row(facilitator_api(Expect(200))),
    # participant API of the agenda, and the public tracker
    ("GET", "/api/v1/dialogues/{slug}/me/agenda"): Row(participant_api(Expect(200))),
    ("POST", "/api/v1/dialogues/{slug}/endorsements"): Row(
        participant_api(Expect(201)), json=lambda w: {"recommendation": 1, "stance": "endorse"}
    ),
    ("PUT", "/api/v1/dialogues/{slug}/me/name-consent"): Row(
        participant_api(Expect(200)), json=lambda w: {"named": True}
    ),
    ("GET", "/api/v1/dialogues/{slug}/tracker"): Row(public(Expect(200))),
    ("GET", "/api/v1/dialogues/{slug}/tracker.csv"): Row(public(Expect(200))),
    # public pages
    ("GET", "/"): Row(public(Expect(200))),
    ("GET", D): Row(public(Expect(200))),
    ("GET", f"{D}/tracker"): Row(public(Expect(200))),
    ("GET", f"{D}/tracker.csv"): Row(public(Expect(200))),
    ("GET", f"{D}/results"): Row(public(Expect(200))),
    ("GET", f"{D}/stakeholders"): Row(public(Expect(200))),
    ("GET", f"{D}/headline.png"): Row(public(Expect(200))),
    # the participation widget: joining and voting as on the participant pages, answered back to the widget
    ("GET", f"{D}/widget"): Row(public(Expect(200))),
    ("POST", f"{D}/widget/join"): Row(
        public(back_to(f"/d/{SLUG}/widget")), form=lambda w: {"consent": "yes"}
    ),
    ("POST", f"{D}/widget/vote"): Row(
        {**public(back_to(f"/d/{SLUG}/widget")), PART: back_to(f"/d/{SLUG}/widget?voted=0")},
        form=lambda w: {"statement_id": w.ids["statement_id"], "value": 0},
    ),
    ("GET", "/login"): Row(public(Expect(200))),
    ("GET", "/glossary"): Row(public(Expect(200))),
    ("POST", "/login"): Row(
        public(back_to("/f")), form=lambda w: {"email": "alpha-fac@example.org", "password": PASSWORD}
    ),
    ("POST", "/logout"): Row(public(back_to("/"))),
    # joining
    ("GET", f"{D}/join"): Row({**public(Expect(200)), PART: TO_VOTE}),
    ("POST", f"{D}/join"): Row(public(TO_VOTE), form=lambda w: {"consent": "yes"}),
    ("GET", "/join/{token}"): Row(public(Expect(200)), _ids("token")),
    ("POST", "/join/{token}"): Row(public(TO_VOTE), _ids("token"), form=lambda w: {"consent": "yes"}),
    # participant pages
    ("GET", f"{D}/profile"): Row(participant_page(Expect(200))),
    ("POST", f"{D}/profile"): Row(
        participant_page(back_to(f"/d/{SLUG}/profile?saved=1")),
        form=lambda w: {"consent": "yes", "leaning": "left"},
    ),
    ("POST", f"{D}/profile/end-access"): Row(participant_page(back_to(f"/d/{SLUG}?left=1"))),
    ("GET", f"{D}/vote"): Row(participant_page(Expect(200))),
    ("POST", f"{D}/vote"): Row(
        participant_page(back_to(f"/d/{SLUG}/vote?voted=0")),
        form=lambda w: {"statement_id": w.ids["statement_id"], "value": 0},
    ),
    ("GET", f"{D}/statements/new"): Row(participant_page(Expect(200))),
    ("POST", f"{D}/statements/new"): Row(
        participant_page(back_to(f"/d/{SLUG}/statements/new?sent=1")),
        form=lambda w: {"text": "A bus stop at the hospital's night entrance"},
    ),
    ("GET", f"{D}/my-votes"): Row(participant_page(Expect(200))),
    ("POST", f"{D}/my-votes"): Row(
        participant_page(back_to(f"/d/{SLUG}/my-votes?changed=-1")),
        form=lambda w: {"statement_id": w.ids["statement_id"], "value": -1},
    ),
    ("GET", f"{D}/agenda"): Row(stakeholder_page(Expect(200))),
    ("POST", f"{D}/agenda"): Row(
        stakeholder_page(back_to(f"/d/{SLUG}/agenda?notice=stance_recorded")),
        form=lambda w: {"recommendation": "R1", "stance": "endorse"},
    ),
    # facilitator pages
    ("GET", "/f"): Row(
        {
            ANON: LOGIN,
            PART: LOGIN,
            OTHER_PART: LOGIN,
            OTHER_FAC: back_to(f"/f/{OTHER_SLUG}/dashboard"),
            FAC: back_to(f"/f/{SLUG}/dashboard"),
        }
    ),
    ("GET", F): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/phase"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=advanced")), form=lambda w: {"expected": "assessment"}
    ),
    ("GET", f"{F}/story"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/story"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/story?notice=saved")), form=lambda w: {"challenge": "Mobility."}
    ),
    ("POST", f"{F}/settings"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=saved")), form=lambda w: {"open_join": "yes"}
    ),
    # Only the closing phase (the last one, as it was): closing voting here would refuse the later cells' votes.
    ("POST", f"{F}/voting"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=saved")), form=lambda w: {"closes_in": "action"}
    ),
    ("POST", f"{F}/focus-areas"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=added")), form=lambda w: {"title": "Transport"}
    ),
    ("POST", f"{F}/focus-areas/{{key}}/inquiry-areas"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=added")),
        lambda w: {"key": w.ids["focus_key"]},
        form=lambda w: {"title": "Night shifts"},
    ),
    ("GET", f"{F}/roster"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/invitations"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/roster")), form=lambda w: {"label": "Bo Builder"}
    ),
    ("POST", f"{F}/invitations/{{invitation_id}}/revoke"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/roster?notice=revoked")), _ids("invitation_id")
    ),
    ("POST", f"{F}/invitations/{{invitation_id}}/reissue"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/roster")), _ids("invitation_id")
    ),
    ("POST", f"{F}/facilitators"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=facilitator_added")),
        form=lambda w: {"email": "spare@example.org"},
    ),
    ("POST", f"{F}/facilitators/{{facilitator_id}}/remove"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=facilitator_removed")),
        lambda w: {"facilitator_id": w.ids["co_facilitator_id"]},
    ),
    ("POST", f"{F}/colleague-invitations/{{invitation_id}}/withdraw"): Row(
        facilitator_page(back_to(f"/f/{SLUG}?notice=colleague_withdrawn")),
        lambda w: {"invitation_id": w.ids["colleague_invitation_id"]},
    ),
    ("GET", "/team/join/{token}"): Row(public(Expect(200)), lambda w: {"token": w.ids["colleague_token"]}),
    ("POST", "/team/join/{token}"): Row(
        public(back_to(f"/f/{SLUG}/dashboard")),
        lambda w: {"token": w.ids["colleague_token"]},
        form=lambda w: {
            "display_name": "New colleague",
            "password": "a long enough password",
            "password_again": "a long enough password",
        },
    ),
    ("POST", f"{F}/participants/{{participant_id}}/revoke"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/roster?notice=access_ended")), _ids("participant_id")
    ),
    ("GET", f"{F}/moderation"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/moderation"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/moderation?changed=1&notice=moderated")),
        form=lambda w: {"ids": [w.ids["unmoderated_id"]], "action": "accept"},
    ),
    ("POST", f"{F}/statements"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/moderation?")),
        form=lambda w: {"text": "Apprenticeships paid from the first day"},
    ),
    ("GET", f"{F}/dashboard"): Row(facilitator_page(Expect(200))),
    ("GET", f"{F}/alerts.json"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/analysis"): Row(facilitator_page(back_to(f"/f/{SLUG}/dashboard?notice=analysed"))),
    ("GET", f"{F}/export/polis.zip"): Row(facilitator_page(Expect(200))),
    ("GET", f"{F}/export/{{table}}.csv"): Row(
        facilitator_page(Expect(200)), lambda w: {"table": "invitations"}
    ),
    ("GET", f"{F}/listening"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/listening/sessions"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/listening?notice=session_added")),
        form=lambda w: {
            "held_on": "2017-03-03",
            "place": "Union hall",
            "facilitator": "Al",
            "consent": "yes",
        },
    ),
    ("POST", f"{F}/listening/sessions/{{session_id}}/contributions"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/listening?notice=contributions_added")),
        _ids("session_id"),
        form=lambda w: {"text": "The late bus never comes.", "speaker": "P1"},
    ),
    ("POST", f"{F}/listening/themes"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/listening?notice=themes_found"))
    ),
    ("POST", f"{F}/listening/adopt"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/listening?notice=adopted")),
        form=lambda w: {"run_id": w.ids["run_id"], "theme_id": w.ids["theme_id"], "candidate": 0},
    ),
    ("GET", f"{F}/agenda"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/agenda/recommendations"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/agenda?notice=drafted")),
        form=lambda w: {
            "statements": w.ids["converged"],
            "kind": "policy",
            "horizon": "near_term",
            "actors": "Employers",
        },
    ),
    ("POST", f"{F}/agenda/recommendations/{{number}}/revise"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/agenda?notice=revised")),
        lambda w: {"number": 1},
        form=lambda w: {"text": "Fund evening child care in every library.", "note": "wording"},
    ),
    ("POST", f"{F}/agenda/round"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/agenda?notice=round_opened")),
        form=lambda w: {"rule": "unanimity"},
        prepare=_close_round,
    ),
    ("POST", f"{F}/agenda/round/close"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/agenda?notice=round_closed"))
    ),
    ("GET", f"{F}/report"): Row(facilitator_page(Expect(200))),
    ("GET", f"{F}/report.{{fmt}}"): Row(facilitator_page(Expect(200)), lambda w: {"fmt": "md"}),
    ("GET", f"{F}/tracker"): Row(facilitator_page(Expect(200))),
    ("POST", f"{F}/tracker/commitments"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/tracker?notice=committed")),
        form=lambda w: {"recommendation": "R1", "actor": "Employers", "description": "Pilot it"},
    ),
    ("POST", f"{F}/tracker/commitments/{{commitment_id}}/status"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/tracker?notice=status_changed")),
        _ids("commitment_id"),
        form=lambda w: {"status": "in_progress", "note": "started"},
    ),
    ("POST", f"{F}/tracker/commitments/{{commitment_id}}/milestones"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/tracker?notice=milestone_added")),
        _ids("commitment_id"),
        form=lambda w: {"title": "Council vote"},
    ),
    ("POST", f"{F}/tracker/milestones/{{milestone_id}}"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/tracker?notice=progress_saved")),
        _ids("milestone_id"),
        form=lambda w: {"progress": "50"},
    ),
    ("POST", f"{F}/tracker/commitments/{{commitment_id}}/evidence"): Row(
        facilitator_page(back_to(f"/f/{SLUG}/tracker?notice=evidence_added")),
        _ids("commitment_id"),
        form=lambda w: {"note": "Minutes of the council", "url": "https://example.org/minutes"},
    ),
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """(method, path) of every route the app answers, HEAD aside; mounts (static files) have no methods."""
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path in SKIPPED:
            continue
        methods = route.methods
        assert methods, f"{path} answers every method: give it a matrix row or a reason in SKIPPED"
        found |= {(m, path) for m in methods if m != "HEAD"}
    return found


# --- running a cell ----------------------------------------------------------------------------------------------


def _credentials(world: World, role: str, api: bool) -> dict[str, str]:
    """Headers a visitor sends: a bearer token to the API, cookies (with the CSRF value) to pages."""
    token = world.tokens.get(role)
    if api:
        return {"Authorization": f"Bearer {token}"} if token else {}
    cookies = {CSRF_COOKIE: CSRF}
    if role == PART:
        cookies[participant_cookie(world.dialogue_id)] = world.tokens[PART]
    elif role == OTHER_PART:
        cookies[participant_cookie(world.other_dialogue_id)] = world.tokens[OTHER_PART]
    elif role in (FAC, OTHER_FAC):
        cookies[SESSION_COOKIE] = world.tokens[role]
    return {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}


def send(client: TestClient, world: World, method: str, path: str, role: str, row: Row) -> Response:
    url = path.format(slug=SLUG, **row.params(world))
    api = path.startswith("/api/")
    kwargs: dict[str, Any] = {"headers": _credentials(world, role, api), "follow_redirects": False}
    if row.json is not None:
        kwargs["json"] = row.json(world)
    elif method != "GET" and not api:
        kwargs["data"] = {CSRF_FIELD: CSRF, **(row.form(world) if row.form else {})}
    client.cookies.clear()  # only the cookies of this visitor, never some earlier answer's
    try:
        return client.request(method, url, **kwargs)
    finally:
        client.cookies.clear()


def body_text(response: Response) -> str:
    """What a visitor could read in the answer, archives unpacked."""
    if response.headers.get("content-type", "").startswith("application/zip"):
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return "\n".join(archive.read(n).decode("utf-8", "replace") for n in archive.namelist())
    return response.text


def where(response: Response) -> str:
    parts = urlsplit(response.headers.get("location", ""))
    return parts.path + (f"?{parts.query}" if parts.query else "")


CELLS = [(method, path, role) for (method, path) in MATRIX for role in ROLES]


def test_every_route_is_in_the_matrix(world: World) -> None:
    routes = app_routes(world.client.app)  # type: ignore[arg-type]
    missing = sorted(routes - MATRIX.keys())
    stale = sorted(MATRIX.keys() - routes)
    assert not missing, f"routes without a row in the access matrix: {missing}"
    assert not stale, f"matrix rows for routes the app no longer has: {stale}"


@pytest.mark.parametrize(("method", "path", "role"), CELLS, ids=[f"{m} {p} as {r}" for m, p, r in CELLS])
def test_access(world: World, method: str, path: str, role: str) -> None:
    row = MATRIX[(method, path)]
    expected = row.expect[role]
    if method == "GET" and row.prepare is None:
        response = send(world.client, world, method, path, role, row)
    else:
        response = _on_a_copy(world, method, path, role, row)
    got = Expect(response.status_code, where(response) if response.is_redirect else None)
    detail = f"{method} {path} as {role}: expected {expected}, got {got}\n{response.text[:500]}"
    assert response.status_code == expected.status, detail
    if expected.location is not None:
        assert where(response).startswith(expected.location), detail
    assert_security_headers(response, path)
    text = body_text(response)
    leaked = [m for m in OTHER_PRIVATE if m in text]
    if role != FAC:
        leaked += [m for m in PRIVATE if m in text]
    assert not leaked, f"{method} {path} as {role} shows {leaked}"


def _on_a_copy(world: World, method: str, path: str, role: str, row: Row) -> Response:
    copy = world.scratch / "cell.db"
    shutil.copy(world.pristine, copy)
    database = Database.open(f"sqlite:///{copy}")
    try:
        if row.prepare is not None:
            with database.transaction() as session:
                row.prepare(session)
        state = world.changing.app.state  # type: ignore[attr-defined]
        state.database, state.analyses = database, Analyses(database, delay=3600)
        try:
            return send(world.changing, world, method, path, role, row)
        finally:
            state.analyses.close()
    finally:
        database.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)


# --- another dialogue's ids under this dialogue's address ---------------------------------------------------------

FOREIGN: list[tuple[str, str, str, Row]] = [
    (
        "POST",
        f"{M}/colleague-invitations/{{invitation_id}}/withdraw",
        FAC,
        Row({}, lambda w: {"invitation_id": w.ids["other_colleague_invitation_id"]}),
    ),
    (
        "POST",
        f"{F}/colleague-invitations/{{invitation_id}}/withdraw",
        FAC,
        Row({}, lambda w: {"invitation_id": w.ids["other_colleague_invitation_id"]}),
    ),
    (
        "DELETE",
        f"{M}/facilitators/{{facilitator_id}}",
        FAC,
        Row({}, lambda w: {"facilitator_id": w.ids["other_facilitator_id"]}),
    ),
    (
        "POST",
        f"{F}/facilitators/{{facilitator_id}}/remove",
        FAC,
        Row({}, lambda w: {"facilitator_id": w.ids["other_facilitator_id"]}),
    ),
    (
        "GET",
        f"{M}/listening/sessions/{{session_id}}/contributions",
        FAC,
        Row({}, lambda w: {"session_id": w.ids["other_session_id"]}),
    ),
    (
        "POST",
        f"{M}/listening/sessions/{{session_id}}/contributions",
        FAC,
        Row(
            {},
            lambda w: {"session_id": w.ids["other_session_id"]},
            json=lambda w: [{"text": "Planted words."}],
        ),
    ),
    (
        "POST",
        f"{M}/commitments/{{commitment_id}}/status",
        FAC,
        Row(
            {},
            lambda w: {"commitment_id": w.ids["other_commitment_id"]},
            json=lambda w: {"status": "in_progress"},
        ),
    ),
    (
        "POST",
        f"{M}/commitments/{{commitment_id}}/evidence",
        FAC,
        Row(
            {}, lambda w: {"commitment_id": w.ids["other_commitment_id"]}, json=lambda w: {"note": "Planted"}
        ),
    ),
    (
        "PUT",
        f"{M}/milestones/{{milestone_id}}/progress",
        FAC,
        Row({}, lambda w: {"milestone_id": w.ids["other_milestone_id"]}, json=lambda w: {"progress": 90}),
    ),
    (
        "POST",
        f"{M}/invitations/{{invitation_id}}/revoke",
        FAC,
        Row({}, lambda w: {"invitation_id": w.ids["other_invitation_id"]}),
    ),
    (
        "POST",
        f"{M}/invitations/{{invitation_id}}/reissue",
        FAC,
        Row({}, lambda w: {"invitation_id": w.ids["other_invitation_id"]}),
    ),
    (
        "DELETE",
        f"{M}/participants/{{participant_id}}/token",
        FAC,
        Row({}, lambda w: {"participant_id": w.ids["other_participant_id"]}),
    ),
    (
        "POST",
        f"{M}/statements/moderation",
        FAC,
        Row({}, json=lambda w: {"ids": [w.ids["other_statement_id"]], "action": "accept"}),
    ),
    (
        "POST",
        f"{F}/invitations/{{invitation_id}}/revoke",
        FAC,
        Row({}, lambda w: {"invitation_id": w.ids["other_invitation_id"]}),
    ),
    (
        "POST",
        f"{F}/invitations/{{invitation_id}}/reissue",
        FAC,
        Row({}, lambda w: {"invitation_id": w.ids["other_invitation_id"]}),
    ),
    (
        "POST",
        f"{F}/participants/{{participant_id}}/revoke",
        FAC,
        Row({}, lambda w: {"participant_id": w.ids["other_participant_id"]}),
    ),
    (
        "POST",
        f"{F}/moderation",
        FAC,
        Row({}, form=lambda w: {"ids": [w.ids["other_statement_id"]], "action": "accept"}),
    ),
    (
        "POST",
        f"{F}/listening/sessions/{{session_id}}/contributions",
        FAC,
        Row(
            {}, lambda w: {"session_id": w.ids["other_session_id"]}, form=lambda w: {"text": "Planted words."}
        ),
    ),
    (
        "POST",
        f"{F}/tracker/commitments/{{commitment_id}}/status",
        FAC,
        Row(
            {},
            lambda w: {"commitment_id": w.ids["other_commitment_id"]},
            form=lambda w: {"status": "in_progress"},
        ),
    ),
    (
        "POST",
        f"{F}/tracker/commitments/{{commitment_id}}/milestones",
        FAC,
        Row(
            {}, lambda w: {"commitment_id": w.ids["other_commitment_id"]}, form=lambda w: {"title": "Planted"}
        ),
    ),
    (
        "POST",
        f"{F}/tracker/commitments/{{commitment_id}}/evidence",
        FAC,
        Row(
            {}, lambda w: {"commitment_id": w.ids["other_commitment_id"]}, form=lambda w: {"note": "Planted"}
        ),
    ),
    (
        "POST",
        f"{F}/tracker/milestones/{{milestone_id}}",
        FAC,
        Row({}, lambda w: {"milestone_id": w.ids["other_milestone_id"]}, form=lambda w: {"progress": "90"}),
    ),
    (
        "POST",
        "/api/v1/dialogues/{slug}/votes",
        PART,
        Row({}, json=lambda w: {"statement_id": w.ids["other_statement_id"], "value": 1}),
    ),
    (
        "POST",
        f"{D}/vote",
        PART,
        Row({}, form=lambda w: {"statement_id": w.ids["other_statement_id"], "value": 1}),
    ),
    (
        "POST",
        f"{D}/my-votes",
        PART,
        Row({}, form=lambda w: {"statement_id": w.ids["other_statement_id"], "value": 1}),
    ),
]


@pytest.mark.parametrize(
    ("method", "path", "role", "row"), FOREIGN, ids=[f"{m} {p} as {r}" for m, p, r, _ in FOREIGN]
)
def test_another_dialogues_ids_are_unknown_here(
    world: World, method: str, path: str, role: str, row: Row
) -> None:
    """Allowed on this dialogue, but pointing at the other dialogue's item: refused, and the item unchanged."""
    response = _on_a_copy(world, method, path, role, row)
    assert response.status_code in (400, 404), (
        f"{method} {path} as {role}: {response.status_code}\n{response.text[:300]}"
    )
    assert not any(m in body_text(response) for m in OTHER_PRIVATE)
