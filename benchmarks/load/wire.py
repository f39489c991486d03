"""A lean HTTP/1.1 client for the load harness: one persistent keep-alive connection per simulated client.

Why not httpx: on this 2-core machine the httpx clients burned ~2.5 ms of CPU per request, on the same cores as
the server they measure, so the load generator capped the measurement (the do-nothing echo peer reached only
550–740 requests/s). The harness needs far less than a general client: one host, one request at a time per
connection, small JSON bodies. So a request here is one formatted bytes write on an `asyncio.Protocol`
transport (uvloop's when the harness installed it), and the response is parsed from the received bytes in
place — the status line, the headers, a Content-Length or chunked body, or a body up to EOF — with no
streams, no tasks and no per-request objects beyond the `Response`.

Every way the connection can fail — refused, reset, closed before or in the middle of a response, a malformed
response, the per-request timeout — raises a `TransportError` subclass (the harness retries those exactly as
it retried httpx's `TransportError`), and the next request on that `Connection` opens a new connection. After
a failure the request may or may not have reached the server: callers that care (votes) must treat it as
unanswered.
"""

from __future__ import annotations

import asyncio
import json as _json
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import urlsplit

DEFAULT_TIMEOUT = 60.0
"""Seconds one request may take, connecting included (as the harness's httpx clients had)."""

_MAX_HEAD = 64 * 1024
"""A status line and headers longer than this are a broken server, not a response to wait for."""


class TransportError(Exception):
    """The request got no (complete) HTTP response; it may or may not have reached the server."""


class ConnectError(TransportError):
    """The connection could not be opened (refused: the server is down or restarting)."""


class ClosedError(TransportError):
    """The connection was closed or reset before the response was complete (the server was killed)."""


class ProtocolError(TransportError):
    """The bytes received are not a valid HTTP/1.1 response; the connection is dropped."""


class RequestTimeout(TransportError):
    """No complete response within the request's timeout; the connection is dropped."""


class Response:
    """A complete response: the status, the headers (names lower-cased; a repeated header keeps its last
    value, which is all the harness needs) and the whole body."""

    __slots__ = ("body", "headers", "status_code")

    def __init__(self, status_code: int, headers: dict[str, str], body: bytes) -> None:
        self.status_code = status_code
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return _json.loads(self.body)

    def __repr__(self) -> str:
        return f"<Response {self.status_code}, {len(self.body)} bytes>"


class _Protocol(asyncio.Protocol):
    """Receives bytes and completes the pending request's future when a whole response has arrived.

    Parse state is kept between `data_received` calls, so a response split over many reads is scanned once,
    not re-parsed from the start at every read.
    """

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[Response] | None = None
        self.closed = False
        self.no_body = False
        """The pending request is a HEAD: its response has headers only."""
        self._reset_response()

    def _reset_response(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.mode = ""
        """"" before the head is parsed; then "length", "chunked" or "eof" (body up to the connection's end)."""
        self.length = 0
        self.body = bytearray()
        self.chunk_left = -1
        """Chunked: bytes left in the current chunk (+2 for its CRLF); -1 when a chunk-size line is next."""
        self.keep_alive = True

    # asyncio callbacks --------------------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transport is not an asyncio.Transport subclass, but has the same methods.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is None or self.waiter.done():
            if self.buffer.strip():
                # Bytes nobody asked for: the connection's state is unknown, so it is not reused.
                self._fail(ProtocolError("unexpected bytes between responses"))
            else:
                self.buffer.clear()
            return
        try:
            response = self._parse()
        except ProtocolError as error:
            self._fail(error)
            return
        if response is not None:
            self.waiter.set_result(response)

    def eof_received(self) -> bool | None:
        self._ended(None)
        return None  # close the transport

    def connection_lost(self, exc: Exception | None) -> None:
        self._ended(exc)

    # parsing ------------------------------------------------------------------------------------------------

    def _ended(self, exc: Exception | None) -> None:
        self.closed = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            return
        if self.mode == "eof":
            # A body delimited by the end of the connection is complete now (HTTP/1.1 §6.3, rule 7).
            self.body += self.buffer
            self.buffer.clear()
            waiter.set_result(Response(self.status, self.headers, bytes(self.body)))
            return
        where = "in the middle of the response" if self.mode or self.buffer else "before any response"
        error = ClosedError(f"connection closed {where}" + (f": {exc!r}" if exc else ""))
        waiter.set_exception(error)

    def _fail(self, error: TransportError) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(error)

    def _parse(self) -> Response | None:
        """The complete response at the start of the buffer, or None while more bytes are needed."""
        buffer = self.buffer
        while not self.mode:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > _MAX_HEAD:
                    raise ProtocolError("response head too long")
                return None
            head = bytes(buffer[:end]).decode("latin-1")
            del buffer[: end + 4]
            self._head(head)
            if self.status < 200:
                # An interim response (100 Continue): its head is all there is; the real one follows.
                self._reset_response()
        if self.mode == "length":
            if len(buffer) < self.length:
                return None
            body = bytes(buffer[: self.length])
            del buffer[: self.length]
            return self._done(body)
        if self.mode == "chunked":
            return self._chunks()
        return None  # "eof": completed by _ended

    def _head(self, head: str) -> None:
        lines = head.split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not parts[1].isdigit():
            raise ProtocolError(f"bad status line {lines[0][:80]!r}")
        self.status = int(parts[1])
        headers = self.headers
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise ProtocolError(f"bad header line {line[:80]!r}")
            headers[name.lower()] = value.strip()
        connection = headers.get("connection", "").lower()
        if parts[0] == "HTTP/1.0":
            self.keep_alive = "keep-alive" in connection
        elif "close" in connection:
            self.keep_alive = False
        if self.status < 200 or self.status in (204, 304) or self.no_body:
            self.mode, self.length = "length", 0
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            self.mode, self.chunk_left = "chunked", -1
        elif "content-length" in headers:
            value = headers["content-length"]
            if not value.isdigit():
                raise ProtocolError(f"bad Content-Length {value[:40]!r}")
            self.mode, self.length = "length", int(value)
        else:
            self.mode, self.keep_alive = "eof", False

    def _chunks(self) -> Response | None:
        buffer = self.buffer
        while True:
            if self.chunk_left < 0:
                end = buffer.find(b"\r\n")
                if end < 0:
                    if len(buffer) > _MAX_HEAD:
                        raise ProtocolError("chunk-size line too long")
                    return None
                size_text = bytes(buffer[:end]).split(b";", 1)[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise ProtocolError(f"bad chunk size {size_text[:20]!r}") from None
                if size == 0:
                    # The last chunk: then optional trailer fields, then an empty line.
                    trailer_end = buffer.find(b"\r\n\r\n", end)
                    if buffer[end : end + 4] == b"\r\n\r\n":
                        trailer_end = end
                    if trailer_end < 0:
                        return None
                    del buffer[: trailer_end + 4]
                    return self._done(bytes(self.body))
                del buffer[: end + 2]
                self.chunk_left = size + 2
            if len(buffer) < self.chunk_left:
                return None
            if buffer[self.chunk_left - 2 : self.chunk_left] != b"\r\n":
                raise ProtocolError("chunk not followed by CRLF")
            self.body += buffer[: self.chunk_left - 2]
            del buffer[: self.chunk_left]
            self.chunk_left = -1

    def _done(self, body: bytes) -> Response:
        response = Response(self.status, self.headers, body)
        if not self.keep_alive or self.buffer:
            # Closed by the server's wish, or bytes beyond the response (nothing is pipelined here): either way
            # the next request must not read from this connection.
            self.closed = True
            if self.transport is not None:
                self.transport.close()
        self._reset_response()
        return response


class Connection:
    """One keep-alive HTTP/1.1 connection to one server, used for one request at a time.

    Opened on the first request and reopened on the next request after it failed or the server closed it, so
    a client survives server restarts by simply retrying.
    """

    def __init__(self, base_url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        parts = urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"only plain http://host:port URLs are supported, not {base_url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.timeout = timeout
        self.connects = 0
        """Connections opened so far (the tests check keep-alive reuse with it)."""
        self._protocol: _Protocol | None = None
        self._busy = False
        host_header = self.host if self.port == 80 else f"{self.host}:{self.port}"
        self._host_line = f"Host: {host_header}\r\n"

    async def _connect(self, deadline: float) -> _Protocol:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout_at(deadline):
                _, protocol = await loop.create_connection(_Protocol, self.host, self.port)
        except TimeoutError:
            raise RequestTimeout(f"connecting to {self.host}:{self.port} timed out") from None
        except OSError as error:
            raise ConnectError(f"{self.host}:{self.port}: {error!r}") from error
        self.connects += 1
        return protocol

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """Send one request and wait for its whole response. `json` is serialized as the body (or `content` is
        sent as is); `headers` are added to Host, Content-Type and Content-Length."""
        if self._busy:
            raise RuntimeError("a Connection carries one request at a time; use a Pool for concurrent ones")
        self._busy = True
        try:
            return await self._request(method, path, json, content, headers)
        finally:
            self._busy = False

    async def _request(
        self,
        method: str,
        path: str,
        json: Any,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> Response:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        protocol = self._protocol
        if protocol is None or protocol.closed:
            self._protocol = None
            protocol = self._protocol = await self._connect(deadline)
        if json is not None:
            content = _json.dumps(json, separators=(",", ":")).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self._host_line}"
        if content is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(content)}\r\n"
        elif method in ("POST", "PUT", "PATCH"):
            head += "Content-Length: 0\r\n"
        if headers:
            for name, value in headers.items():
                head += f"{name}: {value}\r\n"
        data = (head + "\r\n").encode("latin-1")
        if content:
            data += content
        waiter: asyncio.Future[Response] = loop.create_future()
        protocol.waiter = waiter
        protocol.no_body = method == "HEAD"
        assert protocol.transport is not None
        protocol.transport.write(data)
        timer = loop.call_at(deadline, _expire, protocol, waiter)
        try:
            return await waiter
        except BaseException:
            # Failed, timed out or cancelled mid-request: what is left on this connection is unknown.
            self._drop()
            raise
        finally:
            timer.cancel()
            protocol.waiter = None

    def _drop(self) -> None:
        protocol, self._protocol = self._protocol, None
        if protocol is not None:
            protocol.closed = True
            if protocol.transport is not None:
                protocol.transport.abort()

    async def close(self) -> None:
        """Close the connection (a later request would open a new one)."""
        protocol, self._protocol = self._protocol, None
        if protocol is not None and protocol.transport is not None:
            protocol.closed = True
            protocol.transport.close()
        await asyncio.sleep(0)  # let the transport's close callbacks run


def _expire(protocol: _Protocol, waiter: asyncio.Future[Response]) -> None:
    if not waiter.done():
        protocol._fail(RequestTimeout("no complete response within the request timeout"))


class Pool:
    """Connections to one server for concurrent requests (the abusive client's streams): each request takes
    an idle connection or opens a new one, at most `size` at a time, and gives it back afterwards."""

    def __init__(self, base_url: str, size: int, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self._idle: list[Connection] = []
        self._all: list[Connection] = []
        self._slots = asyncio.Semaphore(size)

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        async with self._slots:
            if self._idle:
                connection = self._idle.pop()
            else:
                connection = Connection(self.base_url, timeout=self.timeout)
                self._all.append(connection)
            try:
                return await connection.request(method, path, json=json, content=content, headers=headers)
            finally:
                self._idle.append(connection)

    @property
    def connects(self) -> int:
        return sum(c.connects for c in self._all)

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()
