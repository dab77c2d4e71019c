"""While the database is away (restarting, failing over), requests are answered 503 with
Retry-After instead of 500: lead providers and integrations try again later, and people see a
short "back in a moment" page rather than an error. Nothing is lost: nothing was written.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.templatetags.static import static
from django.utils.html import escape

from forecourt.lib.database import DATABASE_AWAY

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 10
MESSAGE = "Forecourt is reconnecting to its data and will be back in a few seconds. Please try again shortly."
# No inline styles (the Content-Security-Policy refuses them) and no template: the template
# context reads the database, which is what is missing.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Back in a moment · Forecourt</title><link rel="stylesheet" href="{stylesheet}"></head>
<body><main id="main"><div class="card"><h1>Back in a moment</h1><p>{message}</p>
<p>If you were saving something, send it again once this page loads normally.</p></div></main></body></html>
"""


def database_away_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: in the API's error shape under /api/, as a short page elsewhere."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"error": {"code": "unavailable", "message": MESSAGE}}, status=503)
    else:
        page = PAGE.format(stylesheet=escape(static("css/forecourt.css")), message=MESSAGE)
        response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseAwayMiddleware:
    """Answers 503 for a request that failed because the database could not be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # The database may fail in another middleware (the session is read by the login check),
        # where Django turns the exception into a 500 before we could see it: `_note` marks it.
        if response.status_code == 500 and getattr(request, "_forecourt_database_away", False):
            return database_away_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_AWAY):
            log.warning(
                "%s %s: the database is unavailable (%s); answered 503", request.method, request.path, exception
            )
            return database_away_response(request)
        return None


@receiver(got_request_exception)
def _note(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """Sent by Django with the exception being handled; remember whether the database was away."""
    if request is not None and isinstance(sys.exc_info()[1], DATABASE_AWAY):
        request._forecourt_database_away = True  # type: ignore[attr-defined]
