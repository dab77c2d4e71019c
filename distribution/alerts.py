"""The new-lead alert email, and the signed allocation links it carries.

All links of one alert (every recipient's email) share a nonce and an `AllocationAlert` row:
the first link used spends it, and the others stop working. Any change of the lead's owner
after the alert went out (by hand, a claim, a handover) voids them too, so a link never undoes
a later decision; whoever follows a dead link is told who has had the lead since when.
Links are signed with the site's secret (`django.core.signing`) and expire LINK_LIFETIME after
the email is due to go out; they name the recipient, who must still be an admin or manager of
the lead's dealership when the link is used. Opening a link only shows a confirmation page
(mail scanners open links); the allocation happens when the recipient presses the button.

The email also carries, per recipient, a signed "reply with the default template" link when the
dealership has a default text template and the customer a number: it opens a confirmation page
(conversations) that texts the customer through Forecourt, recorded on the lead's thread.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Membership, User
from distribution.models import AllocationAlert
from distribution.store import memberships_of
from leads.models import Activity, Lead
from notifications.actions import hold_until, queue_email
from notifications.models import Kind

SALT = "forecourt.distribution.allocation-link"
LINK_LIFETIME = timedelta(hours=72)
REPLY_SALT = "forecourt.distribution.alert-reply"
REPLY_LIFETIME = timedelta(days=7)
MAX_LINKS = 40


class LinkError(Exception):
    """An allocation link that cannot be used; the message says why."""


@dataclass(frozen=True)
class AllocationLink:
    lead_id: int
    to_id: int
    by_id: int
    nonce: str
    expires_at: datetime


def vehicle_text(lead: Lead) -> str:
    vehicle = lead.preferred_vehicle
    if vehicle is None:
        return "no vehicle named"
    text = str(vehicle)
    return f"{text} (stock #{vehicle.stock})" if vehicle.stock else text


def lead_summary(lead: Lead) -> str:
    return f"{lead.customer.display_name}, {vehicle_text(lead)}, from {lead.source_name}"


def make_token(link: AllocationLink) -> str:
    payload = {
        "l": link.lead_id,
        "t": link.to_id,
        "b": link.by_id,
        "n": link.nonce,
        "e": int(link.expires_at.timestamp()),
    }
    return signing.dumps(payload, salt=SALT, compress=True)


def read_token(token: str, *, now: datetime | None = None) -> AllocationLink:
    """The link a token stands for; LinkError if it was tampered with or has expired."""
    try:
        payload = signing.loads(token, salt=SALT)
        link = AllocationLink(
            lead_id=int(payload["l"]),
            to_id=int(payload["t"]),
            by_id=int(payload["b"]),
            nonce=str(payload["n"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), tz=timezone.get_current_timezone()),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkError("This allocation link is not valid.") from None
    if (now or timezone.now()) >= link.expires_at:
        raise LinkError("This allocation link has expired; allocate the lead in Forecourt instead.")
    return link


def link_url(token: str) -> str:
    return f"{settings.BASE_URL}{reverse('distribution-link', args=[token])}"


def link_targets(lead: Lead, memberships: list[Membership] | None = None) -> list[User]:
    """People who may be given the lead: active, assignable at its dealership; its department first."""
    if memberships is None:
        memberships = memberships_of(lead.dealership_id)
    usable = [m for m in memberships if m.user.is_active and m.can_be_assigned]
    ordered = sorted(usable, key=lambda m: (lead.department not in (m.departments or []), m.user.name.lower()))
    return [m.user for m in ordered]


def make_reply_token(*, lead_id: int, recipient_id: int) -> str:
    """A signed token naming the lead and the alert's recipient, for "reply with the default template"."""
    return signing.dumps({"l": lead_id, "u": recipient_id}, salt=REPLY_SALT)


def read_reply_token(token: str) -> tuple[int, int]:
    """(lead id, recipient id) of a reply link; LinkError if it was tampered with or has expired."""
    try:
        payload = signing.loads(token, salt=REPLY_SALT, max_age=REPLY_LIFETIME)
        return int(payload["l"]), int(payload["u"])
    except signing.SignatureExpired:
        raise LinkError("This reply link has expired; open the lead to text the customer.") from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkError("This reply link is not valid; open the lead to text the customer.") from None


def replies_by_text(lead: Lead) -> bool:
    """Whether the alert offers "reply with the default template": the dealership has a default
    text template (conversations' MessageTemplate, read through its relation, as distribution sits
    below conversations) and the customer a number that can be read."""
    has_default = lead.dealership.message_templates.filter(is_default=True).exists()
    return has_default and lead.customer.phones.exclude(number=None).exclude(number="").exists()


def reply_url(lead: Lead, recipient: User) -> str:
    token = make_reply_token(lead_id=lead.pk, recipient_id=recipient.pk)
    return f"{settings.BASE_URL}{reverse('alert-reply', args=[token])}"


@dataclass(frozen=True)
class NewLeadAlert:
    """New-lead alert emails rendered before distribution decides, with what it decides (the
    outcome) left as a marker to fill in.

    Rendering is most of the cost of an alert, and a round-robin turn keeps its rotation's row
    locked from the turn to the commit: rendered first, the alert adds only its INSERTs to that
    time. The marker holds a random part, so nothing a customer writes can contain them.
    """

    lead: Lead
    emails: tuple[tuple[str, str, str, str], ...]  # to, subject, text, html
    due_at: datetime
    outcome_marker: str
    nonce: str = ""  # of the allocation links, "" when no email carries any

    def queue(self, *, outcome: str) -> int:
        """Queue the emails with the decision filled in, in the caller's transaction; how many.

        The links' `AllocationAlert` is written now, after distribution decided, so that the
        decision itself is the owner the links expect."""
        if self.nonce:
            AllocationAlert.objects.create(
                nonce=self.nonce, lead_id=self.lead.pk, last_assignment_id=last_assignment_id(self.lead.pk)
            )
        for to, subject, text, html in self.emails:
            queue_email(
                to=[to],
                subject=subject,
                body=text.replace(self.outcome_marker, outcome),
                html=html.replace(self.outcome_marker, escape(outcome)),
                purpose="new_lead_alert",
                due_at=self.due_at,
            )
        return len(self.emails)


def prepare_new_lead_alert(
    *,
    lead: Lead,
    recipients: tuple[str, ...] | list[str],
    now: datetime | None = None,
    memberships: list[Membership] | None = None,
) -> NewLeadAlert:
    """Render the email to each of the dealership's new-lead recipients: customer, vehicle,
    comments, what distribution did, a signed reply-by-text link and (for admins and managers)
    allocation links. `NewLeadAlert.queue` then queues them. `memberships`: `memberships_of` the
    lead's dealership, when the caller has read it already."""
    now = now or timezone.now()
    marker = secrets.token_hex(12)
    outcome_marker = f"fc-{marker}-outcome"
    if memberships is None:
        memberships = memberships_of(lead.dealership_id)
    wanted = set(recipients)
    people = [m for m in memberships if m.user.email in wanted and m.user.is_active]
    due_at = hold_until(kind=Kind.NEW_LEAD, lead=lead, now=now)
    expires_at = due_at + LINK_LIFETIME
    choices = link_targets(lead, memberships)
    by_text = replies_by_text(lead)
    vehicle = vehicle_text(lead)
    base = {
        "lead": lead,
        "vehicle": vehicle,
        "vehicles": list(lead.vehicles.all()),
        "outcome": outcome_marker,
        "expires_at": expires_at,
        "lead_url": f"{settings.BASE_URL}/leads/{lead.pk}/",
    }
    emails = []
    nonce = secrets.token_urlsafe(18)  # one for all the alert's links: the first used spends them all
    with_links = False
    for membership in people:
        person = membership.user
        links = []
        if membership.is_manager:  # they may allocate (distribution.queries.may_allocate)
            with_links = True
            links = [
                (user, link_url(make_token(AllocationLink(lead.pk, user.pk, person.pk, nonce, expires_at))))
                for user in choices[:MAX_LINKS]
            ]
        context = {
            **base,
            "recipient": person,
            "reply_link": reply_url(lead, person) if by_text else "",
            "links": links,
            "more_people": max(len(choices) - MAX_LINKS, 0) if links else 0,
        }
        emails.append(
            (
                person.email,
                f"New lead: {lead.customer.display_name}, {vehicle} ({lead.dealership.name})",
                render_to_string("distribution/email/new_lead_alert.txt", context),
                render_to_string("distribution/email/new_lead_alert.html", context),
            )
        )
    return NewLeadAlert(lead, tuple(emails), due_at, outcome_marker, nonce=nonce if with_links else "")


# Using a link -----------------------------------------------------------------------------------


def last_assignment_id(lead_id: int) -> int:
    """The id of the lead's latest assignment entry (0: none): it grows with every change of owner."""
    found = (
        Activity.objects.filter(lead_id=lead_id, kind=Activity.Kind.ASSIGNED)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    return next(iter(found[:1]), 0)


def dead_link_reason(*, nonce: str, lead: Lead) -> str | None:
    """Why the alert's links no longer work (the lead's owner changed since it went out, or one
    was used), in words for the person who followed one; None while they work."""
    alert = AllocationAlert.objects.filter(nonce=nonce, lead_id=lead.pk).first()
    if alert is None:
        return "This allocation link no longer works; allocate the lead in Forecourt instead."
    changed = (
        Activity.objects.filter(lead_id=lead.pk, kind=Activity.Kind.ASSIGNED, pk__gt=alert.last_assignment_id)
        .order_by("-id")
        .first()
    )
    if changed is None and alert.used_at is None:
        return None
    at = changed.at if changed is not None else alert.used_at
    assert at is not None
    local = timezone.localtime(at, ZoneInfo(lead.dealership.timezone))
    when = f"{local:%I:%M %p}".lstrip("0").lower() + f" on {local:%a} {local.day} {local:%b}"
    owner = Lead.objects.filter(pk=lead.pk).values_list("assigned_to__name", flat=True).first()
    if owner:
        return f"This lead was already assigned to {owner} at {when}."
    return f"This lead was handed on at {when}; it is waiting to be claimed."
