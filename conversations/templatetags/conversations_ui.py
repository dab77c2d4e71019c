"""`{% conversation_panel lead %}`: the lead's texts and the composer, for the lead page; and the
words the thread uses for who sent a message and where it is."""

from __future__ import annotations

from typing import Any

from django import template

from conversations.models import Message
from conversations.photos import shown_at as photo_shown_at
from conversations.views import panel_context, template_draft
from leads.models import Lead

register = template.Library()

STATES = {
    Message.Status.QUEUED: "Queued",
    Message.Status.HELD: "Held until quiet hours end",
    Message.Status.SENT: "Sent",
    Message.Status.DELIVERED: "Delivered",
    Message.Status.FAILED: "Failed",
    Message.Status.UNDELIVERED: "Not delivered",
}


@register.inclusion_tag("conversations/_panel.html", takes_context=True)
def conversation_panel(context: template.Context, lead: Lead) -> dict[str, Any]:
    """The panel; `?template=<id>` on the lead page (the composer's "Use" without JavaScript) fills the text."""
    request = context["request"]
    filled, template_id = template_draft(lead, request.user, request.GET.get("template"))
    composer: dict[str, Any] = {}
    if filled is not None:
        composer = {"body": filled.text, "problems": filled.problems, "template_id": template_id}
    return {
        **panel_context(lead, user=request.user, **composer),
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }


@register.simple_tag
def message_sender(message: Message, lead: Lead) -> str:
    """Who wrote it: the customer, the salesperson by name, or "Automatic" for Forecourt's own."""
    if message.direction == Message.Direction.IN:
        return lead.customer.display_name
    if message.sent_by is None and not message.automated and message.channel == "messenger":
        return f"{lead.dealership.name} page, in Messenger"  # sent outside Forecourt (an echo)
    if message.automated or message.sent_by is None:
        return "Automatic"
    return message.sent_by.name


@register.filter
def delivery_state(message: Message) -> str:
    return STATES.get(message.status, message.get_status_display())  # type: ignore[call-overload]


@register.filter
def failure(message: Message) -> str:
    """The provider's reason for a text that failed or was not delivered, or what is missing from
    one that came in (a photo that could not be fetched); "" otherwise."""
    if message.direction == Message.Direction.IN or message.status in (
        Message.Status.FAILED,
        Message.Status.UNDELIVERED,
    ):
        return message.last_error
    return ""


@register.filter
def shown_at(url: str) -> str:
    return photo_shown_at(url)
