"""The Call button (lead page, dashboard): a plain form POST that starts a click-to-call and goes
back where it came from, saying that the salesperson's phone will ring, or why it cannot."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import User
from calls.actions import phone_to_ring, start_call
from conversations.channels import CannotSend
from forecourt.lib.phone import display
from leads.models import Lead
from leads.queries import lead_for


@require_POST
def call_lead(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):  # pragma: no cover - LoginRequiredMiddleware sends them to log in
        raise Http404
    try:
        lead = lead_for(user, lead_id)
    except Lead.DoesNotExist:
        raise Http404("No such lead.") from None
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = ""
    back = back or reverse("lead-detail", args=[lead.pk])
    try:
        start_call(lead=lead, user=user, actor=user)
    except CannotSend as exc:
        messages.error(request, str(exc))
        return HttpResponseRedirect(back)
    ring = phone_to_ring(user).split(",")[0]
    messages.success(
        request,
        f"Your phone ({display(ring)}) rings now: answer and press any key to be connected to "
        f"{lead.customer.display_name}.",
    )
    return HttpResponseRedirect(back)
