"""Listening sessions through the JSON API only: a session, contributions typed and imported all or nothing,
themes with verbatim quotes, and a candidate adopted into the dialogue linked to its theme and its words."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.web.conftest import add_facilitator, join_api, sign_in_api
from workingup.runtime.database import Database
from workingup.store.listening import ContributionRow

EMAIL = "listening-api@example.org"
WORDS = [
    "I need child care in the evening when I work late shifts.",
    "Child care closes at six and my shift ends at eight.",
    "Evening child care would let me take the better shift.",
    "My schedule changes every week and I cannot plan.",
    "They post the schedule two days ahead, so I cannot plan anything.",
    "With a predictable schedule I could keep a second job.",
    "I owe more on my car loan than the car is worth.",
    "The payday loan fees ate half my paycheck.",
    "One unexpected bill and I am borrowing again.",
]


def _count(database: Database) -> int:
    with database.sessions() as session:
        return session.scalar(select(func.count()).select_from(ContributionRow)) or 0


def test_from_a_session_to_a_statement_linked_to_its_theme(
    database: Database, client: TestClient, dialogue: str
) -> None:
    add_facilitator(database, EMAIL, dialogue)
    add_facilitator(database, "not-this-one@example.org", None)
    me = sign_in_api(client, EMAIL)
    base = f"/api/v1/manage/{dialogue}/listening"

    stranger = sign_in_api(client, "not-this-one@example.org")
    member = join_api(client, dialogue)
    for headers, code in (({}, 401), (member.headers, 403), (stranger, 403)):
        assert client.get(f"{base}/sessions", headers=headers).status_code == code
        assert client.post(f"{base}/themes", headers=headers).status_code == code

    refused = client.post(
        f"{base}/sessions",
        headers=me,
        json={
            "held_on": "2017-03-02",
            "place": "Library",
            "facilitator": "Ana",
            "consent_recorded": False,
            "consent_to_name": True,
        },
    )
    assert refused.status_code == 400
    assert "recorded consent" in refused.json()["detail"]
    created = client.post(
        f"{base}/sessions",
        headers=me,
        json={
            "held_on": "2017-03-02",
            "place": "Library, Dayton",
            "facilitator": "Ana",
            "consent_recorded": True,
        },
    )
    assert created.status_code == 201, created.text
    session_id = created.json()["id"]
    contributions = f"{base}/sessions/{session_id}/contributions"

    typed = client.post(
        contributions,
        headers=me,
        json=[{"speaker": f"P{i}", "text": text} for i, text in enumerate(WORDS[:3])],
    )
    assert typed.status_code == 201, typed.text
    assert [c["external_id"] for c in typed.json()] == ["typed-1", "typed-2", "typed-3"]
    blank = client.post(contributions, headers=me, json=[{"text": "fine"}, {"text": "   "}])
    assert blank.status_code == 400
    assert _count(database) == 3
    broken = client.post(
        contributions, headers={**me, "Content-Type": "text/csv"}, content=b"speaker,text\nP1,fine\nP2\n"
    )
    assert broken.status_code == 400
    assert "line 3" in broken.json()["detail"]
    assert _count(database) == 3  # all or nothing
    rows = "speaker,text\n" + "".join(f'P{i},"{text}"\n' for i, text in enumerate(WORDS[3:], start=3))
    imported = client.post(contributions, headers={**me, "Content-Type": "text/csv"}, content=rows.encode())
    assert imported.status_code == 201, imported.text
    assert len(imported.json()) == 6
    assert [c["external_id"] for c in imported.json()] == ["1", "2", "3", "4", "5", "6"]
    # A second file without ids (another table's notes) is numbered on after the first, not from 1 again.
    more = client.post(
        contributions,
        headers={**me, "Content-Type": "text/plain"},
        content=b"The bus does not run on Sundays.\n",
    )
    assert more.status_code == 201, more.text
    assert [c["external_id"] for c in more.json()] == ["7"]
    # Ids a file gives itself must be new to the session: a clash is refused, writing nothing.
    clash = client.post(
        contributions,
        headers={**me, "Content-Type": "text/csv"},
        content=b"id,text\n8,A new line of notes.\n3,Another line of notes.\n",
    )
    assert clash.status_code == 400
    assert "already has contributions with id 3" in clash.json()["detail"]
    assert _count(database) == 10
    second = client.post(
        f"{base}/sessions",
        headers=me,
        json={"held_on": "2017-03-09", "place": "By phone", "facilitator": "Bo", "consent_recorded": True},
    ).json()["id"]
    plain = client.post(
        f"{base}/sessions/{second}/contributions",
        headers={**me, "Content-Type": "text/plain"},
        content=b"The bus does not run on Sundays.\n",
    )
    assert plain.status_code == 201, plain.text
    listed = client.get(contributions, headers=me).json()
    assert len(listed) == 10
    said = {c["id"]: c["text"] for c in listed + plain.json()}
    assert [s["contributions"] for s in client.get(f"{base}/sessions", headers=me).json()] == [10, 1]

    assert client.get(f"{base}/themes", headers=me).status_code == 404
    ran = client.post(f"{base}/themes?method=tfidf", headers=me)  # minilm takes seconds; the page's default
    assert ran.status_code == 201, ran.text
    run = client.get(f"{base}/themes", headers=me).json()
    assert run["run_id"] == ran.json()["run_id"]
    assert run["method"] == "tfidf"
    assert run["n_contributions"] == 11
    assert run["themes"]
    for theme in run["themes"]:
        for quote in theme["quotes"]:
            assert quote["text"] == said[quote["contribution_id"]][quote["start"] : quote["end"]]
            assert quote["text"] == said[quote["contribution_id"]]
    theme = next(t for t in run["themes"] if t["candidates"])
    candidate = theme["candidates"][0]
    assert candidate["text"] in said[candidate["contribution_id"]]

    stale = client.post(
        f"{base}/adoptions",
        headers=me,
        json={"run_id": run["run_id"] + 1, "theme_id": theme["id"], "candidate": 0},
    )
    assert stale.status_code == 409
    adopted = client.post(
        f"{base}/adoptions",
        headers=me,
        json={
            "run_id": run["run_id"],
            "theme_id": theme["id"],
            "candidate": 0,
            "text": "Child care should be open in the evening for shift workers.",
            "focus_area": "quality-work",
            "kind": "proposal",
        },
    )
    assert adopted.status_code == 201, adopted.text
    origin = adopted.json()
    assert origin["theme_id"] == theme["id"]
    assert origin["theme_run_id"] == run["run_id"]
    assert origin["quote"] == candidate["text"]
    assert origin["contribution_id"] == candidate["contribution_id"]
    assert client.get(f"{base}/origins", headers=me).json() == [origin]
    statements = client.get(
        f"/api/v1/manage/{dialogue}/statements?status=accepted&q=open in the evening for shift workers",
        headers=me,
    )
    assert [s["id"] for s in statements.json()["items"]] == [origin["statement_id"]]
