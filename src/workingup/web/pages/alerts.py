"""The live-alert feed the facilitator pages poll (static/live-alerts.js), authenticated by the page session."""

from __future__ import annotations

from fastapi import APIRouter, Request

from workingup.web.api.alerts import alerts_out, watchman
from workingup.web.deps import SessionDep, UnitOfWorkRoute
from workingup.web.schemas import LiveAlertsOut
from workingup.web.security import PageFacilitator

router = APIRouter(include_in_schema=False, route_class=UnitOfWorkRoute)


@router.get("/f/{slug}/alerts.json", name="live_alerts_json", response_model=LiveAlertsOut)
def live_alerts_json(request: Request, slug: str, session: SessionDep, ctx: PageFacilitator) -> LiveAlertsOut:
    return alerts_out(watchman(request).alerts(session, ctx.dialogue.id))
