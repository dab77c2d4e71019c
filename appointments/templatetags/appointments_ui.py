"""`{% todays_appointments %}` for the dashboard, `{% customer_number lead %}` for the quick call,
`{{ moment|clock:zone }}` ("10:00 AM" where the dealership is) and `{% may_claim_leads %}` for the menu."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils import timezone
from django.utils.dateformat import format as format_date

from accounts.models import Membership, User
from appointments.queries import today_for
from leads.models import Lead

register = template.Library()


@register.inclusion_tag("appointments/_today.html", takes_context=True)
def todays_appointments(context: template.Context) -> dict[str, Any]:
    request = context["request"]
    user = request.user
    rows = today_for(user) if isinstance(user, User) else []
    return {"appointments": rows, "now": timezone.now(), "here": request.get_full_path(), "request": request}


@register.simple_tag
def customer_number(lead: Lead) -> str:
    """The customer's number to ring: a mobile first (the phones are prefetched on dashboard rows)."""
    phones = sorted((p for p in lead.customer.phones.all() if p.number), key=lambda p: p.type != "cellphone")
    return phones[0].number or "" if phones else ""


@register.filter
def clock(moment: datetime | None, zone_name: str = "") -> str:
    if not isinstance(moment, datetime):
        return ""
    zone = ZoneInfo(zone_name) if zone_name else timezone.get_current_timezone()
    return format_date(moment.astimezone(zone), "g:i A")


def _memberships(context: template.Context) -> list[Membership]:
    # Read once per request by accounts' context processor for the menu: no query of our own.
    rows = context.get("my_memberships")
    return list(rows) if rows else []


@register.simple_tag(takes_context=True)
def may_claim_leads(context: template.Context) -> bool:
    """Whether the signed-in user may claim leads anywhere (offered or pooled): they can be assigned leads."""
    return any(m.can_be_assigned for m in _memberships(context))


@register.simple_tag(takes_context=True)
def may_allocate_lead(context: template.Context, lead: Lead) -> bool:
    """Admins and managers of the lead's dealership allocate it (as `distribution.queries.may_allocate`)."""
    return any(
        m.dealership_id == lead.dealership_id and m.role in Membership.MANAGING_ROLES for m in _memberships(context)
    )


@register.inclusion_tag("appointments/_lead_panel.html", takes_context=True)
def lead_appointments(context: template.Context, lead: Lead) -> dict[str, Any]:
    """The lead page's appointments card: what is booked, how the past ones went, and Book."""
    from appointments.queries import appointments_visible_to, with_details

    request = context["request"]
    user = request.user
    rows = (
        list(with_details(appointments_visible_to(user).filter(lead=lead)).order_by("-starts_at", "-pk")[:20])
        if isinstance(user, User)
        else []
    )
    return {"lead": lead, "appointments": rows, "now": timezone.now(), "here": request.get_full_path()}
