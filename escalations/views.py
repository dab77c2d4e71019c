"""The SLA badge (refreshed in place by htmx) and the needs-attention page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.models import User
from escalations.queries import badge, needs_attention
from leads.models import Lead
from leads.queries import lead_for


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # pragma: no cover - LoginRequiredMiddleware sends others away
        raise Http404
    return request.user


@require_GET
def lead_sla(request: HttpRequest, lead_id: int) -> HttpResponse:
    """The countdown or overdue badge of one lead, as a fragment (polled by the badge itself)."""
    try:
        lead = lead_for(_user(request), lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None
    return render(request, "escalations/_sla.html", {"sla": badge(lead)})


@require_GET
def attention(request: HttpRequest) -> HttpResponse:
    """Overdue and soon-due leads and due follow-ups; the fragment alone for htmx."""
    context = {"attention": needs_attention(_user(request))}
    if request.headers.get("HX-Request"):
        return render(request, "escalations/_attention.html", context)
    return render(request, "escalations/attention.html", context)
