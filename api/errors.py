"""Every API error has one shape: `{"error": {"code": "…", "message": "…"}}` with a 4xx status.

Ninja answers some errors itself (validation, unparsable bodies, unknown methods) in its own
shapes; the handlers installed here turn each of them into ours, so an integrator writes one
error path. Anything unexpected is logged and answered as a 500 in the same shape.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from forecourt.lib.database import DATABASE_AWAY
from forecourt.middleware import database_away_response

logger = logging.getLogger(__name__)

CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
}

UNAUTHORIZED_MESSAGE = "Send a valid API token in the header 'Authorization: Bearer <token>'."


class ApiError(Exception):
    """An error the caller can fix; raised anywhere below a route and answered in our shape."""

    def __init__(self, status: int, code: str, message: str, *, fields: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or []


def not_found(message: str = "Not found.") -> ApiError:
    return ApiError(404, "not_found", message)


def invalid(field: str, message: str) -> ApiError:
    """A 422 about one field of the request body, named by its dotted path."""
    return ApiError(422, "invalid", f"{field}: {message}", fields=[{"field": field, "message": message}])


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def error_response(status: int, code: str, message: str, fields: list[dict[str, str]] | None = None) -> HttpResponse:
    response = JsonResponse(error_body(code, message, fields), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="forecourt"'
    return response


def describe_validation_errors(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Pydantic's errors as `{"field": "customer.emails.0", "message": "…"}`, in plain words."""
    described: list[dict[str, str]] = []
    for error in errors:
        # Unions add the name of each alternative to the path ("function-wrap[…]"); callers
        # know fields and list positions only.
        loc = [str(part) for part in error.get("loc", ()) if isinstance(part, int) or str(part).isidentifier()]
        # loc starts with where the value came from ("body", "query", "path"); a JSON body
        # is read into one parameter whose name means nothing to the caller.
        if loc and loc[0] == "body":
            loc = loc[2:]
        elif loc:
            loc = loc[1:]
        kind = error.get("type", "")
        if not loc and kind in ("missing", "model_attributes_type", "model_type", "dict_type"):
            message = "The request body must be a JSON object."
        elif kind == "missing":
            message = "This field is required."
        elif kind == "extra_forbidden":
            message = "Unknown field."
        else:
            message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        entry = {"field": ".".join(loc) or "body", "message": message}
        if entry not in described:
            described.append(entry)
    return described


def _on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = describe_validation_errors(exc.errors)
    message = " ".join(f"{f['field']}: {f['message'].rstrip('.')}." for f in fields) or "The request is not valid."
    return error_response(422, "invalid", message, fields)


def _on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.fields)


def _on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # Ninja wraps whatever the body parser raises in a 400; our parser's own refusals say more.
    if isinstance(exc.__cause__, ApiError):
        return _on_api_error(request, exc.__cause__)
    if isinstance(exc, AuthenticationError):
        return error_response(401, "unauthorized", UNAUTHORIZED_MESSAGE)
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        return error_response(400, "malformed_json", "The request body is not valid JSON.")
    return error_response(exc.status_code, CODES_BY_STATUS.get(exc.status_code, "error"), str(exc))


def _on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return error_response(404, "not_found", "Not found.")


def _on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, "too_large", "The request body is too large.")
    return error_response(400, "bad_request", "The request was refused.")


def _on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "server_error", "Something went wrong on our side; it has been logged.")


def _on_database_away(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.warning("API %s %s: the database is unavailable (%s); answered 503", request.method, request.path, exc)
    return database_away_response(request)


def install_error_handlers(api: NinjaAPI) -> None:
    handlers: dict[type[Exception], Callable[[HttpRequest, Any], HttpResponse]] = {
        **dict.fromkeys(DATABASE_AWAY, _on_database_away),
        ApiError: _on_api_error,
        ValidationError: _on_validation_error,
        HttpError: _on_http_error,
        Http404: _on_not_found,
        ObjectDoesNotExist: _on_not_found,
        SuspiciousOperation: _on_suspicious,
        Exception: _on_unexpected,
    }
    for exc_class, handler in handlers.items():
        api.add_exception_handler(exc_class, handler)


def api_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Wrap one of ninja's URL callbacks: no login redirect, and our shape for what ninja
    answers outside its exception handlers (405 for an unknown method, 404 from its root view)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return error_response(404, "not_found", f"No API route {request.path}.")
        if response.status_code == 405 and not _is_json(response):
            allowed = response.get("Allow", "")
            answer = error_response(
                405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed or 'another method'}."
            )
            answer["Allow"] = allowed
            return answer
        return response

    # Tokens, not sessions, authenticate API calls, so neither the login redirect nor the
    # CSRF check (which guards cookie sessions) applies.
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return login_not_required(wrapper)


def _is_json(response: HttpResponseBase) -> bool:
    return str(response.get("Content-Type", "")).startswith("application/json")


@csrf_exempt
@login_not_required
def unknown_route(request: HttpRequest, rest: str = "") -> HttpResponse:
    return error_response(404, "not_found", f"No API route {request.method} {request.path}.")


def parse_json(body: bytes) -> Any:
    """JSON without NaN or Infinity (neither is JSON, and neither is a price or a year), and
    without NUL characters, which PostgreSQL cannot store: refused here once for every route."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not valid JSON")

    data = json.loads(body, parse_constant=refuse)
    if contains_nul(data):
        raise ApiError(422, "invalid", "Text in the request body may not contain NUL characters (\\u0000).")
    return data


def contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(k) or contains_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(contains_nul(v) for v in value)
    return False
