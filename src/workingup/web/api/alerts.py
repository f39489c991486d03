"""Live coordinated-voting alerts for a dialogue's facilitators (issue 8: coordination at the door)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from workingup.services.coordination_watch import LiveAlerts, Watchman
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.errors import error_responses
from workingup.web.schemas import LiveAlertsOut
from workingup.web.security import ApiDialogueFacilitator
from workingup.web.state import app_state

router = APIRouter(prefix="/api/v1", tags=["facilitator"], route_class=UnitOfWorkRoute)


def alerts_out(alerts: LiveAlerts) -> LiveAlertsOut:
    return LiveAlertsOut.model_validate(alerts)


def watchman(request: Request) -> Watchman:
    found: Watchman = app_state(request).watchman
    return found


@router.get(
    "/manage/{slug}/alerts",
    operation_id="get_live_alerts",
    response_model=LiveAlertsOut,
    responses=error_responses(400, 401, 403, 404),
    summary="Coordinated voting among the people who voted in the last 30 minutes, checked now",
)
def get_live_alerts(request: Request, ctx: ApiDialogueFacilitator, session: SessionDep) -> LiveAlertsOut:
    return alerts_out(watchman(request).alerts(session, ctx.dialogue.id))
