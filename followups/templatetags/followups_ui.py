"""`{% followups_panel lead %}`: the lead's follow-up tasks, for the lead page."""

from __future__ import annotations

from typing import Any

from django import template

from followups.views import panel_context
from leads.models import Lead

register = template.Library()


@register.inclusion_tag("followups/_panel.html", takes_context=True)
def followups_panel(context: template.Context, lead: Lead) -> dict[str, Any]:
    return {**panel_context(lead), "csrf_token": context.get("csrf_token"), "request": context.get("request")}
