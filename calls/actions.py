"""Every write to calls: starting a click-to-call, and ending a call with its outcome (the lead's
timeline, the first human reply, a missed call's notification). Views, the API and the webhooks
come here; the worker places queued calls (calls.tasks)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from calls.models import Call
from calls.phones import read_outbound_phone
from calls.words import customer_name, summary
from conversations.channels import CannotSend, NoAddress
from conversations.channels.base import TrackingMode
from conversations.channels.sms import dealership_number, mobile_of
from dealerships.modes import is_tracking, refusal
from forecourt.lib.phone import display
from forecourt.lib.wake import enqueue_on_commit
from leads import actions as lead_actions
from leads.models import Activity, Lead
from notifications.actions import notify
from notifications.models import Kind

# A connected outbound call this long is a conversation: the lead's first human reply.
HUMAN_REPLY_SECONDS = 30


class NoPhone(CannotSend):
    """The salesperson has no phone for click-to-call to ring first."""

    code = "no_phone"


def phone_to_ring(user: User) -> str:
    """The phone click-to-call rings first: the user's outbound phone, else their mobile."""
    return (user.outbound_phone or user.mobile).strip()


def start_call(*, lead: Lead, user: User, actor: User) -> Call:
    """Queue a click-to-call: `user`'s phone rings first, the customer is dialled once they press a key.

    Raises NoPhone when `user` has no phone to ring, NoAddress when the dealership has no number
    to call from or the customer no number; nothing is stored or dialled then.
    """
    if is_tracking(lead.dealership):
        raise TrackingMode(refusal(lead.dealership, "call customers"))
    staff = phone_to_ring(user)
    if not staff:
        raise NoPhone(f"{user.name} has no outbound phone or mobile to ring first (Settings, Calls).")
    try:
        read_outbound_phone(staff, lead.dealership.country)
    except ValueError as exc:
        raise NoPhone(f"{user.name}'s outbound phone cannot be dialled: {exc}") from None
    dealership_phone = dealership_number(lead.dealership)
    if not dealership_phone:
        raise NoAddress(f"{lead.dealership.name} has no phone number to call from (dealership settings, phones).")
    customer_phone = mobile_of(lead)
    if not customer_phone:
        raise NoAddress(f"{lead.customer.display_name} has no phone number to call.")
    from calls.tasks import place_call_task

    with transaction.atomic():
        call = Call.objects.create(
            dealership=lead.dealership,
            lead=lead,
            customer=lead.customer,
            user=user,
            direction=Call.Direction.OUT,
            status=Call.Status.QUEUED,
            from_number=dealership_phone,
            to_number=customer_phone,
            staff_phone=staff,
        )
        enqueue_on_commit(place_call_task, call.pk)
    return call


def record_failed_call(call_id: int) -> None:
    """The provider would not place the call: on the lead's timeline with the reason."""
    with transaction.atomic():
        done = Call.objects.filter(pk=call_id, status=Call.Status.FAILED, ended_at__isnull=True).update(
            outcome=Call.Outcome.FAILED, ended_at=timezone.now()
        )
        if done:
            call = Call.objects.select_related("lead", "user", "customer", "dealership").get(pk=call_id)
            _log(call)


def end_call(call: Call, *, outcome: str, duration: int | None = None, failed: bool = False) -> bool:
    """The call is over: its outcome and length are kept, it goes on the lead's timeline, a
    connected outbound call of 30 s or more is the lead's human reply, and a missed inbound call
    tells the assignee. Once per call (a conditional UPDATE): False when it had already ended."""
    now = timezone.now()
    with transaction.atomic():
        done = (
            Call.objects.filter(pk=call.pk)
            .exclude(status__in=[Call.Status.ENDED, Call.Status.FAILED])
            .update(
                status=Call.Status.FAILED if failed else Call.Status.ENDED,
                outcome=outcome,
                duration_seconds=duration,
                ended_at=now,
                bridge_token=None,
            )
        )
        if not done:
            return False
        call.refresh_from_db()
        _log(call)
        lead = call.lead
        talked = outcome == Call.Outcome.ANSWERED and (duration or 0) >= HUMAN_REPLY_SECONDS
        if lead is not None and call.direction == Call.Direction.OUT and talked:
            at = call.answered_at or now - timedelta(seconds=duration or 0)
            lead_actions.record_human_reply(lead=lead, at=at, actor=call.user, channel="call")
    return True


def _log(call: Call) -> None:
    if call.lead is None:
        return
    data = {"call": call.pk, "outcome": call.outcome, "duration_seconds": call.duration_seconds}
    actor = call.user if call.direction == Call.Direction.OUT else None
    lead_actions.record_activity(lead=call.lead, kind=Activity.Kind.CALL, actor=actor, text=summary(call), data=data)


def tell_of_missed_call(call: Call, *, taken_by_store: bool) -> None:
    """The lead's assignee hears of a call from their customer they did not take."""
    lead = call.lead
    if lead is None or lead.assigned_to is None:
        return
    who = customer_name(call)
    number = display(call.from_number) if call.from_number else ""
    text = f"Missed call from {who}" + (f" ({number})" if number and number != who else "")
    text += "; the store took it." if taken_by_store else "; nobody answered."
    notify(user=lead.assigned_to, kind=Kind.MISSED_CALL, lead=lead, text=text)


def set_call_settings(
    *, user: User, actor: User | None, outbound_phone: str | None = None, forward_calls: bool | None = None
) -> list[str]:
    """Change a user's call settings (values already validated; None leaves one as it is);
    returns the names of those that changed."""
    values = {"outbound_phone": outbound_phone, "forward_calls": forward_calls}
    changed = [key for key, value in values.items() if value is not None and getattr(user, key) != value]
    for key in changed:
        setattr(user, key, values[key])
    if changed:
        user.save(update_fields=changed)
    return changed
