"""The after-hours auto-reply (the dealership's `after_hours_sms`): a text that arrives while the
dealership is closed gets it, once per conversation per closed period.

A closed period runs from a closing to the next opening by the business calendar and is named
by that opening. The reply is Forecourt's own (automated: never the lead's human reply), never
goes to a customer who opted out, and waits for the end of the customer's quiet hours: a 2 a.m.
text gets it at 08:00, or not at all when the dealership opens first (then people answer).
A dealership without opening hours sends none: closed cannot be told from not set up.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from conversations.consent import OPTED_OUT, consent_now
from conversations.models import AfterHoursReply, Message
from conversations.quiet_hours import when_a_text_may_go
from dealerships.modes import is_tracking
from leads.models import Lead


def reply_after_hours(*, lead: Lead, message: Message) -> Message | None:
    """Queue (or hold) the after-hours reply to the customer's text `message`, if it is due."""
    dealership = lead.dealership
    body = dealership.after_hours_sms.strip()
    if not body or message.channel != "sms" or is_tracking(dealership):  # tracking: the other CRM answers
        return None
    now = timezone.now()
    calendar = dealership.calendar()
    if calendar.is_open(now):
        return None
    try:
        opens = calendar.next_opening(now)
    except ValueError:  # no opening hours at all
        return None
    if consent_now(lead.customer, "sms")[0] == OPTED_OUT:
        return None
    if when_a_text_may_go(now, number=message.from_address, dealership_zone=dealership.timezone) >= opens:
        return None
    conversation = message.conversation
    if AfterHoursReply.objects.filter(conversation=conversation, closed_until=opens).exists():
        return None
    from conversations.actions import send_message

    try:
        with transaction.atomic():
            reply = send_message(lead=lead, channel="sms", body=body, actor=None, automated=True, answering=message)
            AfterHoursReply.objects.create(conversation=conversation, closed_until=opens, message=reply)
    except IntegrityError:  # another text of this period got there first
        return None
    return reply
