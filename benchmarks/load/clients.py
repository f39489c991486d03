"""Simulated participants: each joins through the API, submits a statement or two, then votes and changes votes.

Honest clients send one request at a time at most `max_rate` votes a second (a scripted, fast voter — no person
votes 40 times a second, but the load must be high); the abusive client sends as fast as it can from several
connections at once and must be stopped by the rate limit. Every vote carries an Idempotency-Key; a request
that gets no answer (the server was killed) or a 5xx is retried with the same key until answered, so it can be
acknowledged but never counted twice.

Requests go through `wire.py`'s lean keep-alive client (one connection per honest client, a pool for the
abusive client's concurrent streams), not httpx: the load generator shares the two cores with the server it
measures, so its own CPU per request must be small.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass

from benchmarks.load import wire
from benchmarks.load.ledger import Ledger, Sent

LEANINGS = ("left", "center_left", "center", "center_right", "right", "undisclosed")
WORDS = [
    "apprenticeships",
    "childcare",
    "transit",
    "wages",
    "credentials",
    "employers",
    "mentors",
    "housing",
    "broadband",
    "training",
    "scholarships",
    "internships",
    "libraries",
    "counselling",
    "unions",
    "loans",
    "savings",
    "daycare",
    "buses",
    "clinics",
]


@dataclass(frozen=True)
class Plan:
    base_url: str
    slug: str
    statement_ids: list[int]
    sectors: list[str]
    votes: int
    statements: int
    max_rate: float
    """Votes a second per honest client at most; 0 (or less): no pacing, as fast as the answers come."""
    deadline: float
    """time.monotonic() after which no new request is started."""


class Stopped(Exception):
    pass


Requester = wire.Connection | wire.Pool


async def _request(
    http: Requester,
    ledger: Ledger,
    endpoint: str,
    method: str,
    path: str,
    plan: Plan,
    *,
    retry_statuses: tuple[int, ...] = (),
    key: str | None = None,
    json: object = None,
    headers: dict[str, str] | None = None,
) -> wire.Response:
    """One logical request, retried (same body, same headers) while the server is down or answers 5xx."""
    delay = 0.02
    while True:
        if time.monotonic() > plan.deadline + 60:
            raise Stopped
        started = time.perf_counter()
        try:
            response = await http.request(method, path, json=json, headers=headers)
        except wire.TransportError as error:
            ledger.transport_errors[type(error).__name__] += 1
            if key is not None:
                ledger.unanswered.add(key)
            ledger.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
            continue
        ledger.answered(endpoint, response.status_code, time.perf_counter() - started)
        if response.status_code == 429 and 429 in retry_statuses:
            # Only honest clients retry a 429, and each one counts against the run: it is retried here, so the
            # caller never sees it (counting it there, as before, could never find one).
            ledger.honest_429 += 1
        if response.status_code >= 500 or response.status_code in retry_statuses:
            ledger.retries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.5)
            continue
        return response


async def join(http: Requester, ledger: Ledger, plan: Plan, rng: random.Random) -> tuple[str, int]:
    body = {"consent": True, "sector": rng.choice(plan.sectors), "leaning": rng.choice(LEANINGS)}
    # Joining is not idempotent: a join lost in a kill leaves an unused participant, which is harmless.
    response = await _request(
        http, ledger, "join", "POST", f"/api/v1/dialogues/{plan.slug}/participants", plan, json=body
    )
    if response.status_code != 201:
        raise RuntimeError(f"join failed: {response.status_code} {response.text}")
    data = response.json()
    return data["token"], int(data["participant"]["id"])


async def vote(
    http: Requester,
    ledger: Ledger,
    plan: Plan,
    token: str,
    participant_id: int,
    order: int,
    prefix: str,
    rng: random.Random,
    *,
    retry_429: bool,
) -> int:
    """One vote on a random statement with a random value, under a fresh Idempotency-Key `prefix-order-…`."""
    key = f"{prefix}-{order}-{rng.getrandbits(48):012x}"
    statement_id = rng.choice(plan.statement_ids)
    value = rng.choice((-1, 0, 1))
    ledger.send(key, Sent(participant_id, statement_id, value, order))
    response = await _request(
        http,
        ledger,
        "vote",
        "POST",
        f"/api/v1/dialogues/{plan.slug}/votes",
        plan,
        retry_statuses=(429,) if retry_429 else (),
        key=key,
        json={"statement_id": statement_id, "value": value},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    if response.status_code == 200:
        data = response.json()
        ledger.ack(key, int(data["vote_id"]), bool(data["replayed"]))
    else:
        ledger.refuse(key)
    return response.status_code


async def honest(client: int, ledger: Ledger, plan: Plan, seed: int) -> None:
    """One participant on its own keep-alive connection, sending one request at a time."""
    http = wire.Connection(plan.base_url)
    try:
        await _honest(client, http, ledger, plan, seed)
    finally:
        await http.close()


async def _honest(client: int, http: wire.Connection, ledger: Ledger, plan: Plan, seed: int) -> None:
    rng = random.Random(seed * 1_000_003 + client)
    token, participant_id = await join(http, ledger, plan, rng)
    auth = {"Authorization": f"Bearer {token}"}
    for n in range(plan.statements):
        text = f"Load client {client} proposal {n}: " + " ".join(rng.sample(WORDS, 6))
        response = await _request(
            http,
            ledger,
            "statement",
            "POST",
            f"/api/v1/dialogues/{plan.slug}/statements",
            plan,
            json={"text": text, "confirm_duplicate": True},
            headers=auth,
        )
        if response.status_code == 201:
            ledger.statements_acked[int(response.json()["statement"]["id"])] = text
    interval = 1.0 / plan.max_rate if plan.max_rate > 0 else 0.0
    next_at = time.monotonic()
    for order in range(plan.votes):
        if time.monotonic() > plan.deadline:
            return
        if order % 100 == 0:
            await _request(
                http, ledger, "next", "GET", f"/api/v1/dialogues/{plan.slug}/me/next", plan, headers=auth
            )
        if interval:
            wait = next_at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            next_at = max(next_at + interval, time.monotonic() - 1.0)
        await vote(
            http,
            ledger,
            plan,
            token,
            participant_id,
            order,
            f"c{client}",
            rng,
            retry_429=True,
        )


async def abusive(ledger: Ledger, plan: Plan, seed: int, requests: int, streams: int) -> None:
    """One participant voting as fast as several connections allow: the limit must answer it with 429s."""
    http = wire.Pool(plan.base_url, max(1, streams))  # at least one, for its join
    try:
        await _abusive(http, ledger, plan, seed, requests, streams)
    finally:
        await http.close()


async def _abusive(
    http: wire.Pool, ledger: Ledger, plan: Plan, seed: int, requests: int, streams: int
) -> None:
    rng = random.Random(seed * 7 + 13)
    token, participant_id = await join(http, ledger, plan, rng)
    counter = iter(range(requests))

    async def stream() -> None:
        for order in counter:
            if time.monotonic() > plan.deadline:
                return
            ledger.abusive_sent += 1
            status = await vote(
                http,
                ledger,
                plan,
                token,
                participant_id,
                order,
                "abuse",
                rng,
                retry_429=False,
            )
            if status == 429:
                ledger.abusive_429 += 1

    await asyncio.gather(*(stream() for _ in range(streams)))
