"""Each rooftop's autoresponder: the email and text a new lead's customer gets at once, in the
dealership's own words (settings, autoresponder), filled with the merge fields of templates.

Who gets it: the customer of a lead that came from elsewhere (ADF by email, HTTP or a mailbox;
`POST /api/v1/leads` without `assigned_to`); the one door (`intake.door`) asks for it after
distribution, so a lead moved to the rooftop holding its vehicle gets that rooftop's words, and
`{salesperson}` (and the email's From) name the assignee when there is one. Nobody else: a lead
the customer made by texting, chatting, messaging or calling has its own replies, and a lead
typed in or imported by staff is known to them already. A resend or duplicate of a lead already
held never reaches the door, and `Autoresponse` holds one row per lead and channel besides.

It is Forecourt's own message (automated): it never stops the SLA clock, goes through
`send_message` (consent, quiet hours, the email channel's send_emails, from-name and bounced
addresses) and the one outbox. A text needs the customer's consent to texts on record. When a
channel cannot go, nothing is sent on it and the lead's timeline says why.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction

from conversations.channels import CannotSend
from conversations.consent import OPTED_IN, OPTED_OUT, check_may_send, consent_now
from conversations.models import Autoresponse, Message
from conversations.templates import TemplateError, draft_with, values_for
from dealerships.models import Dealership
from dealerships.modes import is_tracking
from forecourt.lib.batch import made_here, read_settled
from leads.actions import record_activity
from leads.models import Activity, Lead

# What a merge field says when this lead has no value for it, so an autoresponse still reads well.
FALLBACKS: dict[str, str] = {"first_name": "there", "vehicle": "vehicle you asked about", "salesperson": "our team"}
CHANNEL_WORDS = {"email": "email", "sms": "text"}


def autoresponse_values(lead: Lead) -> dict[str, str]:
    """The merge fields for `lead`'s autoresponse: the assignee as salesperson, fallbacks for what is missing."""
    values = values_for(lead, None)
    return {**values, **{name: values[name] or word for name, word in FALLBACKS.items()}}


def fill(text: str, values: Mapping[str, str], lead: Lead) -> str:
    """`text` with its merge fields filled; TemplateError when one has no value (a phone removed since)."""
    result = draft_with(text, lead, values)
    if result.problems:
        raise TemplateError(result.problems, result.missing)
    return result.text


def respond_to_new_lead(*, lead: Lead) -> list[Autoresponse]:
    """Queue the autoresponder's email and text for a lead just taken in and distributed; the rows made."""
    # The rooftop the lead ended at (distribution may have moved it) says whether it has one at all,
    # before the lead is read again with what the merge fields need.
    settings = read_settled(("autoresponder", lead.dealership_id), lambda: _settings_of(lead.dealership_id))
    if not any((settings.get(key) or "").strip() for key in ("email_body", "sms")):
        return []
    if not made_here(lead):  # one a batch of intake made is in its memory, its owner not yet written
        lead = Lead.objects.select_related("dealership", "assigned_to", "customer").get(pk=lead.pk)
    dealership = lead.dealership
    if is_tracking(dealership):  # it works its leads in another CRM: Forecourt says nothing to customers
        return []
    values = autoresponse_values(lead)
    made = []
    if (settings.get("email_body") or "").strip():
        made.append(
            _respond(lead, dealership, "email", settings["email_body"], settings.get("email_subject", ""), values)
        )
    if (settings.get("sms") or "").strip():
        made.append(_respond(lead, dealership, "sms", settings["sms"], "", values))
    return [row for row in made if row is not None]


def _settings_of(dealership_id: int) -> dict[str, str]:
    found = Dealership.objects.filter(pk=dealership_id).values_list("autoresponder", flat=True).first()
    return found or {}


def _respond(
    lead: Lead, dealership: Dealership, channel: str, body: str, subject: str, values: Mapping[str, str]
) -> Autoresponse | None:
    if Autoresponse.objects.filter(lead=lead, channel=channel).exists():
        return None
    word = CHANNEL_WORDS[channel]
    try:
        with transaction.atomic():
            try:
                message = _send(lead, channel, fill(body, values, lead), fill(subject, values, lead) if subject else "")
            except (CannotSend, ValueError) as refusal:
                row = Autoresponse.objects.create(
                    lead=lead, channel=channel, dealership=dealership, reason=str(refusal)[:300]
                )
                text = f"Autoresponder {word} of {dealership.name} not sent: {refusal}"
            else:
                note = f"Autoresponder of {dealership.name}"
                Message.objects.filter(pk=message.pk).update(note=note)
                row = Autoresponse.objects.create(lead=lead, channel=channel, dealership=dealership, message=message)
                held = message.status == Message.Status.HELD
                text = f"Autoresponder {word} of {dealership.name} to {message.to_address} " + (
                    "held until the customer's quiet hours end" if held else "queued"
                )
            record_activity(
                lead=lead,
                kind=Activity.Kind.NOTE,
                actor=None,
                text=text[:1000],
                data={"autoresponder": channel, "message": row.message_id, "reason": row.reason},
            )
    except IntegrityError:  # the same lead answered by another process a moment ago
        return None
    return row


def _send(lead: Lead, channel: str, body: str, subject: str) -> Message:
    from conversations.actions import send_message

    if channel == "sms":
        state = consent_now(lead.customer, "sms")[0]
        if state == OPTED_OUT:
            check_may_send(lead=lead, channel="sms")  # raises OptedOut, in words
        if state != OPTED_IN:
            raise CannotSend(
                f"{lead.customer.display_name} has not agreed to texts (no consent on record); "
                "automatic texts go only to customers who have."
            )
    return send_message(lead=lead, channel=channel, body=body, subject=subject, actor=None, automated=True)


def preview(dealership: Dealership, *, salesperson: str) -> dict[str, str]:
    """The autoresponder filled in for a made-up customer (Jordan, a 2016 RAM 2500) and `salesperson`
    (already shown the way customers see names), for the settings screen; "" for what is off."""
    from conversations.templates import LINKS, dealership_phone, merge

    values = {
        "first_name": "Jordan",
        "vehicle": "2016 RAM 2500",
        "salesperson": salesperson or FALLBACKS["salesperson"],
        "dealership": dealership.name,
        "dealership_phone": dealership_phone(dealership),
        **{name: str((dealership.links or {}).get(name) or "") for name in LINKS},
    }
    settings = dealership.autoresponder or {}
    return {key: merge(str(settings.get(key) or ""), values)[0] for key in ("email_subject", "email_body", "sms")}
