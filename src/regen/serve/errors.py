"""Errors as OpenAI's API writes them: `{"error": {"message", "type", "param", "code"}}`, one readable
message, never a traceback or a file path of the server."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from regen.core.errors import RegenError

log = logging.getLogger("regen.serve")

TYPES = {400: "invalid_request_error", 404: "not_found_error", 405: "invalid_request_error",
         413: "invalid_request_error", 415: "invalid_request_error", 422: "invalid_request_error",
         429: "rate_limit_error", 500: "server_error", 503: "server_error", 504: "server_error"}
# an absolute path of this machine in a library's message (not an endpoint's path)
PATH = re.compile(r"(?:[A-Za-z]:\\|/(?:home|root|tmp|work|usr|var|etc|opt|mnt|srv|proc|Users|private)/)[^\s'\",;:)]*")


class ApiError(Exception):
    """A request the server refuses or cannot finish: HTTP `status` and a one-line `message`."""

    def __init__(self, status: int, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.param = status, message, param


def clean(message: str) -> str:
    """One line, with any absolute path of this machine replaced by '<file>'."""
    line = " ".join(str(message).split())
    return PATH.sub("<file>", line)[:500]


def error_response(status: int, message: str, param: str | None = None) -> JSONResponse:
    body = {"error": {"message": clean(message), "type": TYPES.get(status, "invalid_request_error"),
                      "param": param, "code": None}}
    return JSONResponse(body, status_code=status)


def _validation_message(exc: RequestValidationError) -> tuple[str, str | None]:
    first = exc.errors()[0] if exc.errors() else {}
    where = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "form")]
    field = ".".join(where) or None
    what = first.get("msg", "invalid request")
    if first.get("type") == "missing":
        if field is None:
            return "the request body is empty; send a JSON object with the fields in /docs", None
        return f"'{field}' is required", field
    if first.get("type") == "extra_forbidden":
        return f"unknown field '{field}'; see /docs for the fields this endpoint takes", field
    if first.get("type") in ("json_invalid", "model_attributes_type") or field is None:
        return f"the request body is not valid JSON for this endpoint ({what}); see /docs", None
    return f"'{field}': {what}", field


def install(app: FastAPI) -> None:
    """Register the JSON error handlers on `app`."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.param)

    @app.exception_handler(RegenError)
    async def regen_error(_: Request, exc: RegenError) -> JSONResponse:
        return error_response(400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, field = _validation_message(exc)
        return error_response(400, message, field)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 404:
            return error_response(404, f"no endpoint {request.method} {request.url.path}; see /docs")
        if exc.status_code == 405:
            return error_response(405, f"{request.url.path} does not take {request.method}; see /docs")
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request %s %s failed", request.method, request.url.path)
        return error_response(500, f"the server failed on this request ({type(exc).__name__}); it keeps serving, "
                                   "and the error is in its log")
