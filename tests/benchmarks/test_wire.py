"""The load harness's lean HTTP client (`benchmarks/load/wire.py`) against real local servers.

A scripted asyncio server sends exactly the bytes each test needs (bodies split across writes, chunked with an
extension and a trailer, a connection closed mid-response, `Connection: close`, a silent server), and uvicorn
serving the echo peer checks the client against the server the harness really drives. What matters to the
harness: a connection is reused while it lives, every failure is a `wire.TransportError`, and the next request
after a failure or a server restart opens a new connection.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
import uvicorn
from benchmarks.load import echo, wire

T = TypeVar("T")


def run(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own: a browser test earlier in this worker may have left an event loop
    running in the main thread (as in test_load_harness.py)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


Handler = Callable[[str, bytes, asyncio.StreamWriter], Awaitable[bool]]
"""Answers one request (path, body, writer); returns False to stop serving the connection."""


class Scripted:
    """An HTTP/1.1 server on 127.0.0.1 whose answers are written by hand, byte for byte."""

    def __init__(self, handler: Handler, port: int = 0) -> None:
        self.handler = handler
        self.port = port
        self.connections = 0
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> Scripted:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening and close every open connection (a server going away)."""
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                lines = head.decode("latin-1").split("\r\n")
                method, path, _ = lines[0].split(" ")
                headers = {}
                for line in lines[1:]:
                    if line:
                        name, _, value = line.partition(":")
                        headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.requests.append((method, path, headers, body))
                if not await self.handler(path, body, writer):
                    return
        finally:
            writer.close()


def _length(body: bytes, *extra: str) -> bytes:
    head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + "".join(f"{e}\r\n" for e in extra)
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


async def _answers(path: str, body: bytes, writer: asyncio.StreamWriter) -> bool:
    if path == "/length":
        writer.write(_length(b'{"ok":true,"n":1}'))
    elif path == "/split":
        # The head and the body in several small writes: the parser must wait for the whole body.
        data = _length(b'{"split":"' + b"x" * 3000 + b'"}')
        for start in range(0, len(data), 700):
            writer.write(data[start : start + 700])
            await writer.drain()
            await asyncio.sleep(0.005)
    elif path == "/chunked":
        parts = [
            b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n",
            b"7;ext=1\r\n" + b'{"a":"b',
            b"\r\n",
            b"3\r\n" + b'cd"' + b"\r\n1\r\n}\r\n",
            b"0\r\nX-Trailer: yes\r\n\r\n",
        ]
        for part in parts:
            writer.write(part)
            await writer.drain()
            await asyncio.sleep(0.005)
    elif path == "/echo":
        writer.write(_length(body))
    elif path == "/extra":
        # A second, unasked-for response in the same write: it must never be read as the next answer.
        writer.write(_length(b"{}") + _length(b'{"stale":1}'))
    elif path == "/no-content":
        writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
    elif path == "/interim":
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n" + _length(b"{}"))
    elif path == "/close-after":
        writer.write(_length(b"{}", "Connection: close"))
        await writer.drain()
        return False
    elif path == "/eof":
        # No length, no chunks: the body ends with the connection.
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
        await writer.drain()
        return False
    elif path == "/close-mid":
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"x" * 10)
        await writer.drain()
        return False
    elif path == "/close-before":
        return False
    elif path == "/garbage":
        writer.write(b"SMTP ready\r\n\r\n")
    elif path == "/silent":
        await asyncio.sleep(5)
        return False
    await writer.drain()
    return True


def test_keep_alive_reuses_one_connection() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            for n in range(5):
                response = await http.request("GET", "/length", headers={"X-N": str(n)})
                assert response.status_code == 200
                assert response.json() == {"ok": True, "n": 1}
            assert (await http.request("GET", "/no-content")).status_code == 204
            assert (await http.request("GET", "/interim")).json() == {}
            assert http.connects == 1
            assert server.connections == 1
            assert [r[2]["x-n"] for r in server.requests[:5]] == ["0", "1", "2", "3", "4"]
            assert server.requests[0][2]["host"] == f"127.0.0.1:{server.port}"
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_content_length_body_split_over_many_reads() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            response = await http.request("GET", "/split")
            assert response.json() == {"split": "x" * 3000}
            assert response.headers["content-type"] == "application/json"
            # The connection is still usable afterwards: the body was consumed exactly.
            assert (await http.request("GET", "/length")).status_code == 200
            assert http.connects == 1
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_chunked_body_with_extension_and_trailer() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            response = await http.request("POST", "/chunked", json={"x": 1})
            assert response.status_code == 201
            assert response.json() == {"a": "bcd"}
            assert (await http.request("GET", "/length")).status_code == 200
            assert http.connects == 1
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_json_request_body_and_headers_are_sent() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            sent = {"statement_id": 7, "value": -1, "text": "é"}
            response = await http.request(
                "POST", "/echo", json=sent, headers={"Idempotency-Key": "k-1", "Authorization": "Bearer t"}
            )
            assert response.json() == sent
            _, _, headers, _ = server.requests[-1]
            assert headers["idempotency-key"] == "k-1"
            assert headers["authorization"] == "Bearer t"
            assert headers["content-type"] == "application/json"
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_connection_close_and_read_to_eof_then_reconnect() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            assert (await http.request("GET", "/close-after")).json() == {}
            assert (await http.request("GET", "/eof")).text == "until the end"
            assert (await http.request("GET", "/length")).status_code == 200
            assert http.connects == 3
            assert server.connections == 3
        finally:
            await http.close()
            await server.stop()

    run(main)


@pytest.mark.parametrize(
    ("path", "error"),
    [("/close-mid", wire.ClosedError), ("/close-before", wire.ClosedError), ("/garbage", wire.ProtocolError)],
)
def test_broken_response_is_a_transport_error_and_the_next_request_reconnects(
    path: str, error: type[wire.TransportError]
) -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            assert (await http.request("GET", "/length")).status_code == 200
            with pytest.raises(error):
                await http.request("POST", path, json={"statement_id": 1, "value": 1})
            assert (await http.request("GET", "/length")).status_code == 200
            assert http.connects == 2
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_bytes_beyond_a_response_are_never_read_as_the_next_one() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            assert (await http.request("GET", "/extra")).json() == {}
            assert (await http.request("GET", "/length")).json() == {"ok": True, "n": 1}
            assert http.connects == 2
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_timeout_is_a_transport_error() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url, timeout=0.2)
        try:
            with pytest.raises(wire.RequestTimeout):
                await http.request("GET", "/silent")
            assert (await http.request("GET", "/length")).status_code == 200
            assert http.connects == 2
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_server_restart_refused_then_reconnects() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        port = server.port
        http = wire.Connection(server.url)
        try:
            assert (await http.request("GET", "/length")).status_code == 200
            await server.stop()
            await asyncio.sleep(0.05)
            with pytest.raises(wire.TransportError):  # the old connection is gone, and nobody listens
                await http.request("GET", "/length")
            with pytest.raises(wire.ConnectError):
                await http.request("GET", "/length")
            server = await Scripted(_answers, port).start()
            assert (await http.request("GET", "/length")).status_code == 200
            assert (await http.request("GET", "/length")).status_code == 200
            assert server.connections == 1
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_pool_carries_concurrent_requests_and_reuses_connections() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        pool = wire.Pool(server.url, 4)
        try:
            responses = await asyncio.gather(*(pool.request("GET", "/split") for _ in range(12)))
            assert all(r.status_code == 200 for r in responses)
            assert pool.connects == 4
            assert server.connections == 4
        finally:
            await pool.close()
            await server.stop()

    run(main)


def test_one_connection_refuses_concurrent_requests() -> None:
    async def main() -> None:
        server = await Scripted(_answers).start()
        http = wire.Connection(server.url)
        try:
            first = asyncio.create_task(http.request("GET", "/split"))
            await asyncio.sleep(0)
            with pytest.raises(RuntimeError):
                await http.request("GET", "/length")
            assert (await first).status_code == 200
        finally:
            await http.close()
            await server.stop()

    run(main)


def test_against_uvicorn_serving_the_echo_peer() -> None:
    """The server the harness drives: uvicorn (with httptools when installed), keep-alive across requests."""

    async def main() -> None:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(echo.app, log_level="warning", lifespan="off")
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        http = wire.Connection(f"http://127.0.0.1:{port}")
        try:
            for _ in range(20):
                response = await http.request(
                    "POST", "/api/v1/dialogues/x/votes", json={"statement_id": 1, "value": 1}
                )
                assert response.status_code == 200
                assert response.json()["vote_id"] == 1
            assert http.connects == 1
        finally:
            await http.close()
            server.should_exit = True
            await serving
            sock.close()

    run(main)
