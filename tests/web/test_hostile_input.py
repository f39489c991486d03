"""Hostile input through the real app: oversized and malformed bodies, path traversal, and markup or SQL in text.

The guard tests run on SQLite and PostgreSQL (PostgreSQL is the one that refuses NUL in text, so a NUL reaching
it would be a 500). The metacharacter test builds one world through the app's own forms and reads every page
that shows the hostile text: it must be there as characters, never as a tag, and the tables must still exist.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import shutil
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, inspect, select

from tests.agenda import demo_table
from tests.web.conftest import GENEROUS, add_facilitator, csrf, join_api, join_page, sign_in_page
from workingup.runtime.database import Database
from workingup.services import endorsements, listening
from workingup.store import models
from workingup.store.listening import ListeningSessionRow
from workingup.themes.sample import sample_contributions
from workingup.web.app import create_app
from workingup.web.guard import BODY_LIMIT, MAX_JSON_DEPTH, UPLOAD_LIMIT, json_depth

SCRIPT = "<script>alert(1)</script>"
SQL = "'; DROP TABLE votes;--"
HOSTILE = f"Apprenticeships {SCRIPT} for everyone {SQL} & more"

SQLITE_ONLY = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
"""For checks that stop before the database: PostgreSQL would only add time. NUL, which PostgreSQL refuses
in text, is tested on both."""


# --- the request guard ----------------------------------------------------------------------------------------


def _join_url(slug: str) -> str:
    return f"/api/v1/dialogues/{slug}/participants"


@SQLITE_ONLY
def test_an_oversized_json_body_is_refused_with_413(client: TestClient, dialogue: str) -> None:
    body = b'{"consent": true, "x": "' + b"a" * BODY_LIMIT + b'"}'
    response = client.post(_join_url(dialogue), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert response.json() == {"detail": f"the request body is larger than {BODY_LIMIT // 1024} KiB"}


def _asgi_post(app: Any, path: str, headers: list[tuple[bytes, bytes]], chunks: int) -> tuple[int, int]:
    """POST `chunks` chunks of 64 KiB straight into the ASGI app; returns (status, chunks the app pulled)."""
    pulled = 0

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"a" * 65536, "more_body": pulled < chunks}

    status: list[int] = []

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    # In a thread of its own: Playwright's tests may leave an event loop running in this one.
    worker = threading.Thread(target=asyncio.run, args=(app(scope, receive, send),))
    worker.start()
    worker.join()
    return status[0], pulled


@SQLITE_ONLY
def test_a_streamed_body_is_cut_off_at_the_limit_not_read_whole(database: Database, dialogue: str) -> None:
    app = create_app(database, rate_limits=GENEROUS)
    headers = [(b"content-type", b"application/json")]
    status, pulled = _asgi_post(app, _join_url(dialogue), headers, chunks=1000)  # 64 MB, no Content-Length
    assert status == 413
    assert pulled == BODY_LIMIT // 65536 + 1  # one chunk past the limit, then nothing more
    # A Content-Length that already says too much is refused before a single byte is read.
    status, pulled = _asgi_post(app, _join_url(dialogue), [*headers, (b"content-length", b"99999999")], 1000)
    assert (status, pulled) == (413, 0)


@SQLITE_ONLY
def test_an_upload_may_be_larger_but_not_unbounded(client: TestClient, dialogue: str) -> None:
    add_facilitator_and_sign_in(client, dialogue)
    url = f"/f/{dialogue}/listening/sessions/1/contributions"
    files = {"file": ("notes.txt", b"x" * (UPLOAD_LIMIT + 1), "text/plain")}
    response = client.post(url, data={"csrf_token": csrf(client)}, files=files)
    assert response.status_code == 413
    assert "larger than" in response.text
    # 300 KiB, over the form limit but within the upload limit, reaches the route (no such session: 404).
    files = {"file": ("notes.txt", b"x" * 300_000, "text/plain")}
    assert client.post(url, data={"csrf_token": csrf(client)}, files=files).status_code == 404


def add_facilitator_and_sign_in(client: TestClient, slug: str) -> None:
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    add_facilitator(database, "hostile@example.org", slug)
    sign_in_page(client, "hostile@example.org")


@SQLITE_ONLY
@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 100_000])
def test_deeply_nested_json_is_refused_not_recursed_into(
    client: TestClient, dialogue: str, depth: int
) -> None:
    body = b'{"consent": ' + b"[" * depth + b"]" * depth + b"}"
    response = client.post(_join_url(dialogue), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert (
        response.json()["detail"][0]["msg"]
        == f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep"
    )


def test_json_depth_skips_brackets_inside_strings() -> None:
    assert json_depth(b'{"a": "[[[[[[\\"[[["}') == 1
    assert json_depth(b"[[1], [[2]]]") == 3


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"consent": true, "display_name": "a\\u0000b"}', "NUL"),
        (b'{"consent": true, "display_name": "a\x00b"}', "NUL"),
        (b'{"consent": true, "display_name": "\xff\xfe"}', "not valid UTF-8"),
    ],
)
def test_nul_and_invalid_utf8_in_json_are_422(
    client: TestClient, dialogue: str, body: bytes, problem: str
) -> None:
    response = client.post(_join_url(dialogue), content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert problem in response.json()["detail"][0]["msg"]


@SQLITE_ONLY
def test_an_escaped_backslash_before_u0000_is_not_a_nul(client: TestClient, dialogue: str) -> None:
    participant = join_api(client, dialogue)
    text = "A backslash then u0000: \\u0000 is just text in a statement about apprenticeships"
    response = client.post(
        f"/api/v1/dialogues/{dialogue}/statements", json={"text": text}, headers=participant.headers
    )
    assert response.status_code == 201, response.text


def test_a_nul_in_a_statement_never_reaches_the_database(client: TestClient, dialogue: str) -> None:
    participant = join_api(client, dialogue)
    url = f"/api/v1/dialogues/{dialogue}/statements"
    response = client.post(url, json={"text": "Apprenticeships\x00 for all"}, headers=participant.headers)
    assert response.status_code == 422
    join_page(client, dialogue)
    response = client.post(
        f"/d/{dialogue}/statements/new",
        content=f"csrf_token={csrf(client)}&text=Apprenticeships%00+for+all".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 422
    assert "contains a NUL character" in response.text
    assert "<!doctype html>" in response.text  # a page, in the site's own error layout


def test_nul_and_invalid_utf8_in_the_address_are_422(client: TestClient) -> None:
    for path in ("/api/v1/dialogues/%00", "/d/%00", "/d/a%00b/vote", "/api/v1/dialogues/%ff%fe", "/d/%c0%af"):
        assert client.get(path).status_code == 422, path


@SQLITE_ONLY
def test_nul_in_a_query_string_is_422(client: TestClient, dialogue: str) -> None:
    add_facilitator_and_sign_in(client, dialogue)
    assert client.get(f"/f/{dialogue}/moderation?q=a%00b").status_code == 422
    assert client.get(f"/f/{dialogue}/moderation?q=%3Cscript%3E").status_code == 200


# --- path traversal in export names ---------------------------------------------------------------------------

TRAVERSALS = [
    "../../../../etc/passwd",
    "..%2f..%2f..%2fetc%2fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%2e%2e/%2e%2e/etc/passwd",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "..\\..\\etc\\passwd",
    "statements%00",
    "statements%00.csv",
]


@SQLITE_ONLY
def test_export_names_cannot_reach_outside(client: TestClient, dialogue: str, tmp_path: Path) -> None:
    add_facilitator_and_sign_in(client, dialogue)
    database: Database = client.app.state.database  # type: ignore[attr-defined]
    from tests.web.conftest import sign_in_api

    api = sign_in_api(client, "hostile@example.org")
    for name in TRAVERSALS:
        for url, headers in (
            (f"/f/{dialogue}/export/{name}.csv", {}),
            (f"/api/v1/manage/{dialogue}/exports/{name}.csv", api),
            (f"/f/{dialogue}/report.{name}", {}),
            (f"/static/{name}", {}),
            (f"/static/..%2f..%2f{name}", {}),
        ):
            response = client.get(url, headers=headers)
            assert response.status_code in (400, 404, 405, 422), (url, response.status_code)
            assert "root:" not in response.text, url
    assert database is not None
    # The one real export of a dialogue: its zip entries stay inside one folder named by the (safe) slug.
    response = client.get(f"/f/{dialogue}/export/polis.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert names
    assert all(n.startswith(f"{dialogue}/") and ".." not in n and not n.startswith("/") for n in names)


@SQLITE_ONLY
def test_an_unsafe_slug_is_refused_on_import(tmp_path: Path, database: Database) -> None:
    from workingup.services.errors import ServiceError
    from workingup.services.polis_io import import_polis

    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "comments.csv").write_text(
        "timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
        "1,x,0,0,0,0,1,Hello there\n"
    )
    for slug in ("../../evil", "a/b", "evil\x00", "Evil", '"x"', "-x", "x" * 101):
        with pytest.raises(ServiceError, match="slug"), database.transaction() as session:
            import_polis(session, folder, slug=slug)
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Dialogue)) == 0


# --- markup and SQL in every text field, through the real app -------------------------------------------------


def _post(client: TestClient, url: str, expect: int = 200, **fields: Any) -> str:
    response = client.post(url, data={"csrf_token": csrf(client), **fields})
    message = re.search(r"<main.*?</main>", response.text, re.S)
    assert response.status_code == expect, (url, response.status_code, message and message.group(0)[:800])
    return response.text


def _assert_text_not_markup(page: str, where: str, *texts: str) -> None:
    assert SCRIPT not in page, f"{where}: a raw <script> tag"
    assert "<b>bold</b>" not in page, f"{where}: a raw <b> tag"
    for text in texts:
        assert str(escape(text)) in page, f"{where}: {text!r} not shown escaped"


@pytest.fixture(scope="module")
def hostile_world(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    path = tmp_path_factory.mktemp("hostile") / "hostile.db"
    shutil.copy(sqlite_template, path)
    database = Database.open(f"sqlite:///{path}")
    table, _analysis = demo_table(database, public=20, seed=5)
    with database.transaction() as session:
        d = session.get_one(models.Dialogue, table.dialogue_id)
        d.open_join = True
        d.published = True
        slug = d.slug
        area = d.focus_areas[0].key
    add_facilitator(database, "hostile@example.org", slug)
    app = create_app(database, rate_limits=GENEROUS, analyse_on_start=False)
    with TestClient(app) as facilitator, TestClient(app) as author, TestClient(app) as voter:
        sign_in_page(facilitator, "hostile@example.org")
        # A participant writes it; the facilitator accepts it.
        join_page(author, slug)
        _post(author, f"/d/{slug}/statements/new", text=HOSTILE, focus_area=area)
        with database.sessions() as session:
            statement = session.scalars(
                select(models.Statement).where(models.Statement.text == HOSTILE)
            ).one()
        _post(facilitator, f"/f/{slug}/moderation", ids=[str(statement.id)], action="accept")
        # Someone votes on it, so it appears under "my votes" (and a recommendation may rest on it).
        join_page(voter, slug)
        _post(voter, f"/d/{slug}/my-votes", statement_id=str(statement.id), value="1")
        # A seed statement, a recommendation resting on the hostile statement, a commitment, a milestone.
        _post(facilitator, f"/f/{slug}/statements", text=f"Seed {HOSTILE} <b>bold</b>", focus_area=area)
        _post(
            facilitator,
            f"/f/{slug}/agenda/recommendations",
            statements=[str(table.converged[0]), str(statement.id)],
            kind="policy",
            horizon="near_term",
            actors=f"Congress, {SQL}",
            title=f"Title {SCRIPT}",
            text=HOSTILE,
            focus_area=area,
            evidence_text=HOSTILE,
            evidence_url="https://example.org/study",
        )
        page = _post(
            facilitator,
            f"/f/{slug}/agenda/recommendations",
            expect=400,
            statements=[str(table.converged[1])],
            kind="policy",
            horizon="near_term",
            actors="Congress",
            evidence_text="a link that would run script",
            evidence_url="javascript:alert(1)",
        )
        assert 'href="javascript:' not in page  # refused; the refusal quotes it as text
        _post(facilitator, f"/f/{slug}/agenda/round", rule="unanimity")
        # A stakeholder's reservation (the stakeholders are simulated: recorded through the service).
        with database.transaction() as session:
            d = session.get_one(models.Dialogue, table.dialogue_id)
            endorsements.record(session, d, table.stakeholders[0], "R1", "reservations", HOSTILE)
            for pid in table.stakeholders[1:]:
                endorsements.record(session, d, pid, "R1", "endorse", "")
        # Adopted, so a commitment can be recorded against it.
        _post(
            facilitator, f"/f/{slug}/tracker/commitments", recommendation="R1", actor=SQL, description=HOSTILE
        )
        # A listening session whose notes quote the hostile words, through the upload form.
        _post(
            facilitator,
            f"/f/{slug}/listening/sessions",
            held_on=date(2017, 3, 2).isoformat(),
            place=f"Hall {SCRIPT}",
            facilitator=SQL,
            consent="yes",
            named="yes",
            notes=HOSTILE,
        )
        with database.sessions() as session:
            session_id = session.scalars(select(ListeningSessionRow.id)).one()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "speaker", "text"])
        for c in sample_contributions()[:80]:  # real-sounding words, so themes form; each ends hostile
            writer.writerow([c.id, SCRIPT, f"{c.text} {SCRIPT} {SQL}"])
        rows = out.getvalue()
        response = facilitator.post(
            f"/f/{slug}/listening/sessions/{session_id}/contributions",
            data={"csrf_token": csrf(facilitator)},
            files={"file": ("notes.csv", rows.encode(), "text/csv")},
        )
        assert response.status_code == 200, response.text[:500]
        with database.transaction() as session:
            listening.run_themes(session, session.get_one(models.Dialogue, table.dialogue_id), method="tfidf")
        yield {
            "database": database,
            "slug": slug,
            "statement_id": statement.id,
            "facilitator": facilitator,
            "author": author,
            "voter": voter,
        }
    database.close()


def test_hostile_text_is_shown_as_text_on_every_page(hostile_world: dict[str, Any]) -> None:
    slug = hostile_world["slug"]
    facilitator: TestClient = hostile_world["facilitator"]
    voter: TestClient = hostile_world["voter"]
    pages = {
        "moderation": (facilitator, f"/f/{slug}/moderation?status=accepted&q=Apprenticeships", [HOSTILE]),
        "agenda (facilitator)": (facilitator, f"/f/{slug}/agenda", [HOSTILE, f"Title {SCRIPT}"]),
        "tracker (facilitator)": (facilitator, f"/f/{slug}/tracker", [HOSTILE, SQL]),
        "listening": (facilitator, f"/f/{slug}/listening", [f"Hall {SCRIPT}", f"{SCRIPT} {SQL}"]),
        "report page": (facilitator, f"/f/{slug}/report", []),
        "my votes": (voter, f"/d/{slug}/my-votes", [HOSTILE]),
        "endorse": (voter, f"/d/{slug}/agenda", [HOSTILE, f"Title {SCRIPT}"]),
        "public tracker": (voter, f"/d/{slug}/tracker", [HOSTILE, SQL]),
        "dialogue": (voter, f"/d/{slug}", []),
        "dashboard": (facilitator, f"/f/{slug}/dashboard", []),
    }
    for where, (client, url, texts) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, (where, response.status_code)
        _assert_text_not_markup(response.text, where, *texts)
    # The seed statement with <b> shows as text in the moderation queue.
    page = facilitator.get(f"/f/{slug}/moderation?status=accepted&q=Seed").text
    _assert_text_not_markup(page, "moderation (seed)", f"Seed {HOSTILE} <b>bold</b>")
    # The evidence link with a javascript: URL is never an active link.
    agenda = facilitator.get(f"/f/{slug}/agenda").text
    assert 'href="javascript:' not in agenda


def test_the_vote_card_shows_the_statement_as_text(hostile_world: dict[str, Any]) -> None:
    """A fresh participant passes on every card until the hostile one comes up."""
    slug, target = hostile_world["slug"], hostile_world["statement_id"]
    app = hostile_world["facilitator"].app
    with TestClient(app) as newcomer:
        join_page(newcomer, slug)
        for _ in range(200):
            page = newcomer.get(f"/d/{slug}/vote").text
            shown = re.search(r'name="statement_id" value="(\d+)"', page)
            assert shown is not None, "ran out of cards before the hostile statement"
            if int(shown.group(1)) == target:
                _assert_text_not_markup(page, "vote card", HOSTILE)
                return
            _post(newcomer, f"/d/{slug}/vote", statement_id=shown.group(1), value="0")
    pytest.fail("the hostile statement never came up")


def test_the_reports_keep_the_text_as_text(hostile_world: dict[str, Any]) -> None:
    slug = hostile_world["slug"]
    facilitator: TestClient = hostile_world["facilitator"]
    html = facilitator.get(f"/f/{slug}/report.html")
    assert html.status_code == 200
    _assert_text_not_markup(html.text, "report.html", HOSTILE, f"Title {SCRIPT}")
    markdown = facilitator.get(f"/f/{slug}/report.md").text
    assert SCRIPT not in markdown  # Markdown would pass raw HTML through to whoever renders it
    assert SQL in markdown or SQL.replace("-", "\\-") in markdown or "DROP TABLE votes" in markdown
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    pdf = facilitator.get(f"/f/{slug}/report.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    text = subprocess.run(
        [pdftotext, "-", "-"], input=pdf.content, capture_output=True, check=True
    ).stdout.decode()
    flat = " ".join(text.split())
    assert SCRIPT in flat  # printed as characters
    assert SQL in flat


def test_csv_exports_keep_text_and_defuse_formulas(hostile_world: dict[str, Any]) -> None:
    slug = hostile_world["slug"]
    facilitator: TestClient = hostile_world["facilitator"]
    author: TestClient = hostile_world["author"]
    formula = '=HYPERLINK("http://evil.example","click") apprenticeships for young workers'
    _post(author, f"/d/{slug}/statements/new", text=formula)
    response = facilitator.get(f"/f/{slug}/export/statements.csv?status=all")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.text)))
    cells = [c for row in rows for c in row]
    assert HOSTILE in cells  # the CSV module quotes it; no escaping needed, nothing lost
    assert "'" + formula in cells
    assert formula not in cells
    tracker = facilitator.get(f"/d/{slug}/tracker.csv").text
    assert f",{SQL}," in tracker  # starts with a quote, not a formula sign: left exactly as written
    assert HOSTILE in tracker


def test_the_tables_are_all_still_there(hostile_world: dict[str, Any]) -> None:
    database: Database = hostile_world["database"]
    names = set(inspect(database.engine).get_table_names())
    assert {table.name for table in models.Base.metadata.sorted_tables} <= names
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(models.Statement)) > 0
        assert session.scalar(select(func.count()).select_from(models.Vote)) > 0


# --- bidirectional-text controls -------------------------------------------------------------------------------

RLO, PDF = "\u202e", "\u202c"


@SQLITE_ONLY
def test_a_right_to_left_override_cannot_reorder_text_on_a_page(
    client: TestClient, database: Database, dialogue: str
) -> None:
    """Issue 19: "\u202elive" displays as "evil". Pages show the characters in their order; the moderation queue
    shows the text as submitted, with each control marked; the stored text is what was submitted."""
    join_page(client, dialogue)
    submitted = f"Landlords {RLO}live{PDF} in town should repair homes before winter."
    _post(client, f"/d/{dialogue}/statements/new", text=submitted, focus_area="")
    with database.sessions() as session:
        statement = session.scalars(select(models.Statement).where(models.Statement.text == submitted)).one()
    add_facilitator_and_sign_in(client, dialogue)
    queue = client.get(f"/f/{dialogue}/moderation?q=Landlords").text
    assert RLO not in queue
    assert PDF not in queue
    assert '<mark class="bidi-control" title="U+202E">⟨RLO⟩</mark>live' in queue
    _post(client, f"/f/{dialogue}/moderation", ids=[str(statement.id)], action="accept")
    _post(client, f"/d/{dialogue}/my-votes", statement_id=str(statement.id), value="1")
    page = client.get(f"/d/{dialogue}/my-votes").text
    assert "Landlords live in town" in page
    assert RLO not in page
    assert submitted in client.get(f"/f/{dialogue}/export/statements.csv?status=all").text  # the record
    # A facilitator's name is shown the same way.
    with database.transaction() as session:
        from workingup.services.accounts import create_facilitator, grant_dialogue
        from workingup.services.dialogues import get_dialogue

        grant_dialogue(
            session,
            create_facilitator(session, "rlo@example.org", "correct horse battery staple", f"Ana {RLO}ztiuR"),
            get_dialogue(session, dialogue),
        )
    team = client.get(f"/f/{dialogue}").text  # the setup page lists the team
    assert "Ana ztiuR" in team
    assert RLO not in team
