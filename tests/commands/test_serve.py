"""`workingup serve` behind a reverse proxy: the real server, as an operator starts it.

What a trusted proxy forwards is believed — the client's address, which the join limit counts, and https, which
marks cookies Secure — and what anyone else sends in the same headers is not: otherwise any script could dodge
the join limit by inventing an X-Forwarded-For per request."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest
from benchmarks.load.server import Prepared, Server, free_port, prepare

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prepared() -> Iterator[Prepared]:
    ready = prepare("sqlite")
    try:
        yield ready
    finally:
        ready.cleanup()


def _serve(prepared: Prepared, trusted: str) -> Server:
    server = Server(
        prepared.url,
        free_port(),
        prepared.workdir / f"server-{trusted.replace('/', '_')}.log",
        env={"WORKINGUP_JOIN_LIMIT": "1/2", "WORKINGUP_TRUSTED_PROXIES": trusted},
    )
    server.start()
    return server


def _join(server: Server, slug: str, forwarded_for: str) -> int:
    response = httpx.post(
        f"{server.base_url}/api/v1/dialogues/{slug}/participants",
        json={"consent": True},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def _csrf_cookie(server: Server, proto: str | None) -> str:
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    response = httpx.get(f"{server.base_url}/login", headers=headers)
    assert response.status_code == 200
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("wu_csrf=")
    return cookie


def test_a_trusted_proxy_is_believed(prepared: Prepared) -> None:
    server = _serve(prepared, "127.0.0.1")  # the test is the proxy, on the loopback
    try:
        venue = [_join(server, prepared.slug, "203.0.113.7") for _ in range(3)]
        assert venue == [201, 201, 429]  # one address's burst of two, then refused
        assert _join(server, prepared.slug, "198.51.100.9") == 201  # another client behind the same proxy
        assert "secure" in _csrf_cookie(server, "https").lower()
        assert "secure" not in _csrf_cookie(server, None).lower()
    finally:
        server.stop()


def test_anyone_else_is_not(prepared: Prepared) -> None:
    server = _serve(prepared, "192.0.2.1")  # some other machine is the proxy; the test is not
    try:
        invented = [_join(server, prepared.slug, f"203.0.113.{i}") for i in range(3)]
        assert invented == [201, 201, 429]  # all counted as 127.0.0.1, whatever they claim
        assert "secure" not in _csrf_cookie(server, "https").lower()
    finally:
        server.stop()
