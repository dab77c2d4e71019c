"""`{% lead_sla lead %}` (countdown / overdue badge) and `{% needs_attention %}` for any page."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import User
from escalations.queries import badge
from escalations.queries import needs_attention as attention_of
from leads.models import Lead

register = template.Library()


@register.inclusion_tag("escalations/_sla.html")
def lead_sla(lead: Lead) -> dict[str, Any]:
    return {"sla": badge(lead)}


@register.inclusion_tag("escalations/_attention.html", takes_context=True)
def needs_attention(context: template.Context) -> dict[str, Any]:
    user = context["request"].user
    return {"attention": attention_of(user) if isinstance(user, User) else None}
