"""How the lead page, its thread and the dashboard show calls and the Call button."""

from __future__ import annotations

from django import template

from calls import words
from calls.models import Call

register = template.Library()


@register.filter
def call_summary(call: Call) -> str:
    """ "Carol Seller called Jordan Sample: answered, 2 min 05 s"."""
    return words.summary(call)
