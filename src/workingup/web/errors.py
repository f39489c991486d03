"""Service errors become HTTP answers: JSON `{"detail": …}` under /api, a readable page everywhere else."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from workingup.services.errors import Conflict, Forbidden, NotFound, ServiceError, Unauthenticated
from workingup.web.schemas import ErrorOut
from workingup.web.security import LoginRequired

STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (LoginRequired, 401),
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (ServiceError, 400),
)


class RateLimited(ServiceError):
    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def status_of(error: ServiceError) -> int:
    if isinstance(error, RateLimited):
        return 429
    return next(code for kind, code in STATUS if isinstance(error, kind))


AUTH = (400, 401, 403, 404)
"""What any route behind a token may answer besides success: bad input, no or unknown token, not allowed, not found."""


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    descriptions = {
        400: "The request cannot be carried out (the reason is in `detail`).",
        401: "No valid participant token or facilitator session.",
        403: "Authenticated, but not allowed to do this.",
        404: "No such dialogue or item.",
        409: "Conflicts with the current state.",
        429: "Too many requests; retry after the number of seconds in the Retry-After header.",
    }
    return {code: {"model": ErrorOut, "description": descriptions[code]} for code in codes}


def encodable(value: Any) -> Any:
    """`value` with every string made writable as UTF-8 (a lone surrogate becomes its `\\udxxx` escape).

    Why: FastAPI's 422 echoes the input it refused, and a string holding half a surrogate pair cannot be encoded,
    so the answer itself failed with a 500. The request guard refuses such JSON first; this keeps any other way
    in (a future parser, a header) from turning a refusal into a crash."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {encodable(k): encodable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [encodable(v) for v in value]
    return value


def install_error_handlers(app: FastAPI, render_error: Any) -> None:
    def is_api(request: Request) -> bool:
        return request.url.path.startswith("/api/")

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> Response:
        if isinstance(error, LoginRequired) and not is_api(request):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        status = status_of(error)
        headers = {"Retry-After": str(error.retry_after)} if isinstance(error, RateLimited) else None
        if is_api(request):
            return JSONResponse({"detail": encodable(str(error))}, status_code=status, headers=headers)
        response: Response = render_error(request, status, str(error))
        if headers:
            response.headers.update(headers)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if is_api(request) or request.url.path.startswith("/static/"):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        result: Response = render_error(request, error.status_code, str(error.detail))
        return result

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        """The API keeps FastAPI's located 422; a page gets the site's error page, not JSON echoing the input."""
        if is_api(request):
            return JSONResponse({"detail": encodable(jsonable_encoder(error.errors()))}, status_code=422)
        fields = sorted({str(e["loc"][-1]) for e in error.errors() if e.get("loc")})
        message = (
            f"the form could not be read (check: {', '.join(fields)})"
            if fields
            else "the form could not be read"
        )
        result: Response = render_error(request, 422, message)
        return result
