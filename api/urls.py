"""The JSON API under /api/v1/: django-ninja, bearer tokens, one error shape (see docs/api.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, path, re_path
from ninja import NinjaAPI
from ninja.parser import Parser

from api.auth import full_access
from api.errors import api_view, install_error_handlers, parse_json, unknown_route
from api.leads import router as leads_router
from appointments.api import router as appointments_router
from calls.api import router as calls_router
from conversations.api import router as conversations_router
from conversations.consent_api import router as consent_router
from customers.api import router as customers_router
from distribution.api import router as distribution_router
from intake.api import router as intake_router
from reports.api import router as reports_router
from worksheets.api import router as worksheets_router


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        return parse_json(request.body)


api = NinjaAPI(
    title="Forecourt API",
    version="1",
    description="Leads of the dealerships you work at, and the conversations with their customers. Authenticate with `Authorization: Bearer <token>` "
    '(`manage.py create_api_token EMAIL`). Errors: `{"error": {"code", "message"}}`.',
    urls_namespace="api-v1",
    auth=full_access,
    parser=StrictJsonParser(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)
install_error_handlers(api)
api.add_router("", leads_router)
api.add_router("/dealerships/", intake_router)
api.add_router("", distribution_router)
api.add_router("", consent_router)
api.add_router("", customers_router)
api.add_router("", conversations_router)
api.add_router("", worksheets_router)
api.add_router("", calls_router)
api.add_router("", appointments_router)
api.add_router("", reports_router)


def _patterns() -> list[URLPattern | URLResolver]:
    ninja_patterns, app_name, namespace = api.urls
    wrapped = [
        URLPattern(p.pattern, api_view(p.callback), p.default_args, p.name) if isinstance(p, URLPattern) else p
        for p in ninja_patterns
    ]
    # Anything else under /api/v1/ answers in the API's error shape, not with an HTML page.
    wrapped.append(re_path(r"^(?P<rest>.*)$", unknown_route))
    return [path("", (wrapped, app_name, namespace))]


urlpatterns: list[URLPattern | URLResolver] = _patterns()
