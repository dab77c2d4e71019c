"""Allocation links from the new-lead alert email: signed, expiring, dead once one of the alert's
links was used or the lead's owner changed.

Opening a link shows what it would do; only pressing the button allocates (mail scanners
open every link in an email, and must not allocate anything). No login is needed: the
signature names the recipient, who must still manage the lead's dealership.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from distribution import actions
from distribution.alerts import AllocationLink, LinkError, dead_link_reason, read_token, vehicle_text
from distribution.queries import may_allocate
from leads.models import Lead


def _resolve(token: str) -> tuple[AllocationLink, Lead, User, User]:
    link = read_token(token)
    lead = Lead.objects.select_related("dealership", "customer", "assigned_to").filter(pk=link.lead_id).first()
    by = User.objects.filter(pk=link.by_id, is_active=True).first()
    to = User.objects.filter(pk=link.to_id).first()
    if lead is None or by is None or to is None:
        raise LinkError("This allocation link no longer works: the lead or a person on it is gone.")
    if not may_allocate(actor=by, dealership=lead.dealership):
        raise LinkError(f"{by.name} no longer allocates leads at {lead.dealership.name}.")
    return link, lead, by, to


@login_not_required
@require_http_methods(["GET", "HEAD", "POST"])
def allocation_link(request: HttpRequest, token: str) -> HttpResponse:
    try:
        link, lead, by, to = _resolve(token)
    except LinkError as error:
        return render(request, "distribution/link.html", {"error": str(error)}, status=410)
    dead = dead_link_reason(nonce=link.nonce, lead=lead)
    if dead is not None:
        return render(request, "distribution/link.html", {"error": dead, "lead": lead}, status=410)
    context = {"lead": lead, "by": by, "to": to, "vehicle": vehicle_text(lead), "done": False}
    if request.method != "POST":
        return render(request, "distribution/link.html", context)
    try:
        actions.allocate_from_link(link=link, lead=lead, by=by, to=to, note=request.POST.get("note", ""))
    except LinkError as error:
        return render(request, "distribution/link.html", {"error": str(error), "lead": lead}, status=410)
    except actions.DistributionError as error:
        return render(request, "distribution/link.html", {**context, "error": str(error)}, status=409)
    return render(request, "distribution/link.html", {**context, "done": True})
