"""Refuse requests carrying a NUL character in their query or form fields.

No text in Forecourt can hold one (PostgreSQL refuses it in any text value, even in a search),
so a NUL pasted into a search box or sent by a script would otherwise reach the database and
answer 500. Checking once, at the door, covers every screen and API route, present and future.
(JSON bodies are the API's own: its schemas refuse a NUL with a 422 naming the field.)
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

MESSAGE = (
    "What you sent holds an invisible character (NUL) that cannot be used. "
    "Remove it (type the text again rather than pasting it) and try again."
)
TOO_LARGE = "The form sent is too large."
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def holds_nul(request: HttpRequest) -> bool:
    query = request.META.get("QUERY_STRING", "")
    if "\x00" in request.path_info or "%00" in query or "\x00" in query:
        return True
    if request.method != "POST":
        return False
    if request.content_type in _FORM_TYPES:
        return any("\x00" in key or any("\x00" in value for value in values) for key, values in request.POST.lists())
    return False


class RefuseNulBytesMiddleware:
    """Answers 400, in the API's error shape under /api/, to any request holding a NUL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            nul = holds_nul(request)
        except RequestDataTooBig:
            # Refused from its Content-Length before it is read: 413, not the generic 400.
            if request.path_info.startswith("/api/"):
                return JsonResponse({"error": {"code": "too_large", "message": TOO_LARGE}}, status=413)
            return HttpResponse(TOO_LARGE, status=413, content_type="text/plain; charset=utf-8")
        if nul:
            if request.path_info.startswith("/api/"):
                return JsonResponse({"error": {"code": "bad_request", "message": MESSAGE}}, status=400)
            return HttpResponseBadRequest(
                f"<!doctype html><title>Cannot be used</title>"
                f'<meta name="viewport" content="width=device-width, initial-scale=1">'
                f'<p>{escape(MESSAGE)}</p><p><a href="{escape(request.path)}">Back to the page</a></p>'
            )
        return self.get_response(request)
