"""Listening API: sessions, what people said, themes with their verbatim quotes, and adopting a candidate statement.

The same work as pages/listening.py over JSON, for the dialogue's facilitators only. Contributions arrive the
ways the page takes them: typed ones as JSON, or a whole file as the request body (`text/csv` with a `text`
column, or `text/plain` with one contribution per line); either way all or nothing, so a bad line or a clashing id
leaves the session as it was. The work is in services/listening.py and workingup.themes.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, status
from pydantic import TypeAdapter, ValidationError
from sqlalchemy.orm import Session

from workingup.domain import MAX_ID, StatementKind
from workingup.services import listening, records
from workingup.services.errors import Conflict, NotFound, ServiceError
from workingup.themes import (
    ContributionFormatError,
    Method,
    available_methods,
    parse_contributions,
    preferred_method,
)
from workingup.themes.statements import CandidateStatement
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import AUTH, error_responses
from workingup.web.pages.listening import MAX_UPLOAD_BYTES
from workingup.web.schemas import out
from workingup.web.schemas_agenda import (
    AdoptIn,
    CandidateStatementOut,
    ContributionIn,
    ContributionOut,
    ListeningSessionIn,
    ListeningSessionOut,
    OriginOut,
    SimilarOut,
    ThemeOut,
    ThemeRunOut,
)
from workingup.web.security import ApiDialogueFacilitator

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]

router = APIRouter(prefix="/api/v1", tags=["listening", "facilitator"], route_class=UnitOfWorkRoute)
MAX_TYPED = 1000
"""Typed contributions in one JSON request; a longer list is a file, which the CSV body takes."""

_typed = TypeAdapter(list[ContributionIn])


def _session_out(row: records.ListeningSessionRow) -> ListeningSessionOut:
    return out(ListeningSessionOut, row, contributions=len(row.contributions))


def _contribution_out(row: records.ContributionRow) -> ContributionOut:
    return ContributionOut.model_validate(row)


@router.get(
    "/manage/{slug}/listening/sessions",
    operation_id="list_listening_sessions",
    response_model=list[ListeningSessionOut],
    responses=error_responses(*AUTH),
)
def list_listening_sessions(ctx: ApiDialogueFacilitator, session: SessionDep) -> list[ListeningSessionOut]:
    return [_session_out(row) for row in listening.sessions_of(session, ctx.dialogue)]


@router.post(
    "/manage/{slug}/listening/sessions",
    operation_id="create_listening_session",
    status_code=status.HTTP_201_CREATED,
    response_model=ListeningSessionOut,
    responses=error_responses(*AUTH),
    summary="Record a listening session: when, where, who facilitated, and the participants' consent",
)
def create_listening_session(
    body: ListeningSessionIn, ctx: ApiDialogueFacilitator, session: SessionDep
) -> ListeningSessionOut:
    row = listening.create_session(
        session,
        ctx.dialogue,
        held_on=body.held_on,
        place=body.place,
        facilitator=body.facilitator,
        consent_recorded=body.consent_recorded,
        consent_to_name=body.consent_to_name,
        notes=body.notes,
    )
    return _session_out(row)


@router.get(
    "/manage/{slug}/listening/sessions/{session_id}/contributions",
    operation_id="list_contributions",
    response_model=list[ContributionOut],
    responses=error_responses(*AUTH),
)
def list_contributions(
    session_id: PathId, ctx: ApiDialogueFacilitator, session: SessionDep
) -> list[ContributionOut]:
    row = listening.get_session(session, ctx.dialogue, session_id)
    return [_contribution_out(c) for c in sorted(row.contributions, key=lambda c: c.id)]


CONTRIBUTIONS_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": (
            "Typed contributions as JSON, or a whole file: CSV with a `text` column (optional `id`, `speaker`; "
            "other columns are the speaker's demographics), or plain text with one contribution per line. "
            f"At most {MAX_UPLOAD_BYTES // 1_000_000} MB; all or nothing."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "minItems": 1,
                    "maxItems": MAX_TYPED,
                    "items": ContributionIn.model_json_schema(),
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    }
}


async def _body(request: Request) -> bytes:
    """The request body, refused past the upload limit without reading the rest."""
    data = bytearray()
    async for chunk in request.stream():
        data.extend(chunk)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ServiceError(f"the body is larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
    return bytes(data)


def _typed_items(data: bytes) -> list[ContributionIn]:
    try:
        items = _typed.validate_json(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ServiceError(
            f"typed contributions are a JSON list of {{speaker, text}}: {where}: {first['msg']}"
        ) from None
    if not 1 <= len(items) <= MAX_TYPED:
        raise ServiceError(f"send between 1 and {MAX_TYPED} typed contributions (a file for more)")
    if any(not item.text.strip() for item in items):
        raise ServiceError("a typed contribution needs what was said")
    return items


def _add_typed(
    session: Session, row: records.ListeningSessionRow, items: list[ContributionIn]
) -> list[records.ContributionRow]:
    added = []
    for item in items:
        added.append(
            listening.add_typed_contribution(session, row, item.text, (item.speaker or "").strip() or None)
        )
        session.expire(row, ["contributions"])  # the next typed id counts the one just added
    return added


@router.post(
    "/manage/{slug}/listening/sessions/{session_id}/contributions",
    operation_id="add_contributions",
    status_code=status.HTTP_201_CREATED,
    response_model=list[ContributionOut],
    responses=error_responses(*AUTH),
    openapi_extra=CONTRIBUTIONS_BODY,
    summary="Add typed contributions (JSON) or import a CSV or text body, all or nothing",
)
async def add_contributions(
    request: Request, session_id: PathId, ctx: ApiDialogueFacilitator, session: SessionDep
) -> list[ContributionOut]:
    row = listening.get_session(session, ctx.dialogue, session_id)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data = await _body(request)
    if media == "application/json":
        added = _add_typed(session, row, _typed_items(data))
    elif media in ("text/csv", "text/plain"):
        fmt: Literal["csv", "text"] = "csv" if media == "text/csv" else "text"
        try:
            contributions = parse_contributions(data, format=fmt, name=f"the {fmt} body")
        except ContributionFormatError as error:
            raise ServiceError(str(error)) from None
        added = listening.add_contributions(session, row, contributions)
    else:
        raise ServiceError("send application/json (typed contributions), text/csv or text/plain")
    return [_contribution_out(c) for c in added]


# --- themes -----------------------------------------------------------------------------------------------------


def _candidate_out(index: int, c: CandidateStatement) -> CandidateStatementOut:
    return out(
        CandidateStatementOut,
        c,
        index=index,
        similar_existing=[out(SimilarOut, m, statement_id=m.id) for m in c.similar_existing],
    )


def _run_out(session: Session, dialogue: records.Dialogue, run: listening.ThemeRun) -> ThemeRunOut:
    focus = {m["theme_id"]: m.get("focus_area") for m in run.focus}
    return out(
        ThemeRunOut,
        run,
        run_id=run.id,
        n_contributions=run.result.n_contributions,
        unthemed=len(run.result.other),
        themes=[
            out(
                ThemeOut,
                t,
                focus_area=focus.get(t.id),
                candidates=[
                    _candidate_out(i, c)
                    for i, c in enumerate(listening.candidates_for(session, dialogue, run, t.id))
                ],
            )
            for t in run.result.themes
        ],
    )


@router.post(
    "/manage/{slug}/listening/themes",
    operation_id="run_listening_themes",
    status_code=status.HTTP_201_CREATED,
    response_model=ThemeRunOut,
    responses=error_responses(*AUTH),
    summary="Find themes in every contribution with recorded consent (the result is kept as the latest run)",
)
def run_listening_themes(
    ctx: ApiDialogueFacilitator,
    session: SessionDep,
    method: Annotated[
        Method | None,
        Query(
            description="tfidf, or minilm (sentence embeddings) where installed; default: the best installed"
        ),
    ] = None,
) -> ThemeRunOut:
    if method is not None and method not in available_methods():
        raise ServiceError(
            f"the {method} method is not installed here; use one of {', '.join(available_methods())}"
        )
    run = listening.run_themes(session, ctx.dialogue, method=method or preferred_method())
    return _run_out(session, ctx.dialogue, run)


@router.get(
    "/manage/{slug}/listening/themes",
    operation_id="get_listening_themes",
    response_model=ThemeRunOut,
    responses=error_responses(*AUTH),
    summary="The latest themes with their verbatim quotes and candidate statements",
)
def get_listening_themes(ctx: ApiDialogueFacilitator, session: SessionDep) -> ThemeRunOut:
    run = listening.latest_themes(session, ctx.dialogue)
    if run is None:
        raise NotFound("no themes yet: add contributions and run the themes first")
    return _run_out(session, ctx.dialogue, run)


@router.post(
    "/manage/{slug}/listening/adoptions",
    operation_id="adopt_candidate_statement",
    status_code=status.HTTP_201_CREATED,
    response_model=OriginOut,
    responses=error_responses(*AUTH, 409),
    summary="Add a candidate (optionally edited) to the dialogue as a statement linked to the words it came from",
)
def adopt_candidate_statement(body: AdoptIn, ctx: ApiDialogueFacilitator, session: SessionDep) -> OriginOut:
    run = listening.latest_themes(session, ctx.dialogue)
    if run is None or run.id != body.run_id:
        raise Conflict("the themes changed since this run; fetch them again and choose again")
    options = listening.candidates_for(session, ctx.dialogue, run, body.theme_id)
    if not body.candidate < len(options):
        raise NotFound(f"theme {body.theme_id} has no candidate with index {body.candidate}")
    statement = listening.adopt_candidate(
        session,
        ctx.dialogue,
        run,
        options[body.candidate],
        text=body.text,
        focus_area=body.focus_area,
        kind=StatementKind(body.kind) if body.kind else None,
    )
    return next(o for o in _origins(session, ctx.dialogue) if o.statement_id == statement.id)


def _origins(session: Session, dialogue: records.Dialogue) -> list[OriginOut]:
    return [
        out(OriginOut, origin, text=statement.text)
        for statement, origin in listening.origins(session, dialogue)
    ]


@router.get(
    "/manage/{slug}/listening/origins",
    operation_id="list_statement_origins",
    response_model=list[OriginOut],
    responses=error_responses(*AUTH),
    summary="Statements drawn from listening sessions, each with the theme and the exact words it came from",
)
def list_statement_origins(ctx: ApiDialogueFacilitator, session: SessionDep) -> list[OriginOut]:
    return _origins(session, ctx.dialogue)
