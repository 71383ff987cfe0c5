"""One error body for the whole API: RFC 9457 ``application/problem+json``."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from healthycity.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    RecordError,
    UserError,
)

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_BASE = "https://healthycity.fr/problems/"


def problem_body(
    status: int, detail: str, *, problem_type: str | None = None, **extensions: Any
) -> dict[str, Any]:
    """The problem object: ``type`` names the HTTP status unless given, ``title`` its phrase.

    Responses embed it too (NGSI-LD batch results list one per refused entity).
    """
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": problem_type
        or PROBLEM_TYPE_BASE + phrase.lower().replace(" ", "-").replace("'", ""),
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    body.update(extensions)
    return body


def problem_response(
    status: int,
    detail: str,
    *,
    request: Request | None = None,
    problem_type: str | None = None,
    **extensions: Any,
) -> JSONResponse:
    """Build a problem+json response (see :func:`problem_body`)."""
    body = problem_body(status, detail, problem_type=problem_type)
    if request is not None:
        body["instance"] = request.url.path
    body.update(extensions)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _status_of(exc: UserError) -> int:
    status = getattr(exc, "http_status", None)  # a protocol's own status (NGSI-LD: 400, 409)
    if isinstance(status, int):
        return status
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    return 422


async def _user_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UserError)  # registered for UserError only  # noqa: S101
    extensions: dict[str, Any] = {}
    if isinstance(exc, RecordError):
        extensions["errors"] = [
            {
                "location": exc.location,
                "field": exc.field,
                "value": exc.value,
                "expected": exc.expected,
                "source": exc.source,
            }
        ]
    # A protocol with its own problem types (NGSI-LD) sets ``problem_type`` on its errors.
    problem_type = getattr(exc, "problem_type", None)
    return problem_response(
        _status_of(exc),
        str(exc),
        request=request,
        problem_type=problem_type if isinstance(problem_type, str) else None,
        **extensions,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for it only  # noqa: S101
    errors = [
        {
            "location": ".".join(str(p) for p in error.get("loc", ())),
            "message": error.get("msg"),
            "value": error.get("input"),
        }
        for error in exc.errors()
    ]
    detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
    return problem_response(422, detail, request=request, errors=jsonable(errors))


def jsonable(value: Any) -> Any:
    """Values fit for JSON (inputs of validation errors may be bytes or objects)."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


async def http_problem(request: Request, exc: Exception) -> JSONResponse:
    """An HTTP error (404 of an unknown route, 405…) as problem+json."""
    assert isinstance(exc, StarletteHTTPException)  # registered for it only  # noqa: S101
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    response = problem_response(exc.status_code, detail, request=request)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged with its stack; the answer says nothing of it (no text, no trace)."""
    logger.error("api unexpected error method=%s path=%s error=%s", request.method,
                 request.url.path, type(exc).__name__, exc_info=exc)  # fmt: skip
    detail = "The server failed to answer this request; the error is logged for its operators."
    return problem_response(500, detail, request=request)


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the API can raise through the problem+json builder.

    Starlette's ``ServerErrorMiddleware`` answers with the ``Exception`` handler, then raises
    the exception again for the server (and tests' ``TestClient``) to see.
    """
    app.add_exception_handler(UserError, _user_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, http_problem)
    app.add_exception_handler(Exception, _internal_error)
