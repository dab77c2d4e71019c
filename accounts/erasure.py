"""Erasing a deactivated user's personal data, keeping the history of their work.

Deactivation is the default way to remove someone and can be undone; erasing goes further and
cannot: the person becomes "Former user" everywhere they appear (timelines, conversations,
reports, exports), because those screens read the name from the account, which keeps its id so
that every lead, message, activity and report row stays attributed to it. What is erased:

- the name (→ "Former user"), the email (→ a unique address under the reserved `.invalid`
  domain, which no mail server delivers to), the mobile, the phone rung first, each membership's
  CRM id, and the staff phone kept on their calls;
- the password (made unusable), every API token (revoked) and session (ended);
- their notification preferences, in-app notifications and the emails queued to them;
- their name and email where Forecourt wrote them into text: timeline entries, the
  dealerships' record of setting changes and what deactivating someone changed.

Only someone who administers every dealership the person works at may do it (the same rule as
deactivating), and only once the person is deactivated.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models import Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.actions import AccountError, end_sessions
from accounts.models import ApiToken, Membership, User
from dealerships.models import DealershipChange
from notifications.models import Notification, NotificationPreference, OutboundEmail, PushSubscription

log = logging.getLogger(__name__)

FORMER_USER = "Former user"
ERASED_DOMAIN = "erased.invalid"


def placeholder_email(user: User) -> str:
    """Unique (the account's id) and undeliverable (RFC 2606 reserves `.invalid`)."""
    return f"former-user-{user.pk}@{ERASED_DOMAIN}"


def is_erased_email(email: str) -> bool:
    return email.strip().lower().endswith("@" + ERASED_DOMAIN)


def erase_user(*, user: User, actor: User | None) -> None:
    """Erase a deactivated user's personal data; their work stays, as "Former user"'s."""
    user.refresh_from_db()
    if user.is_active:
        raise AccountError(f"{user.name} is still active: deactivate them first.")
    if user.erased_at is not None:
        raise AccountError("This user's personal data was erased already.")
    name, email = user.name, user.email
    dealership_ids = list(Membership.objects.filter(user=user).values_list("dealership_id", flat=True))
    now = timezone.now()
    with transaction.atomic():
        user.name, user.email = FORMER_USER, placeholder_email(user)
        user.mobile = user.outbound_phone = ""
        user.forward_calls = False
        user.erased_at = now
        user.set_unusable_password()
        user.save()
        Membership.objects.filter(user=user).update(crm_id="", receives_leads=False, can_be_assigned=False)
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        NotificationPreference.objects.filter(user=user).delete()
        Notification.objects.filter(user=user).delete()
        PushSubscription.objects.filter(user=user).delete()
        _forget_emails_to(email)
        _forget_call_phones(user)
        _rewrite_texts(dealership_ids, name=name, email=email, new_email=user.email)
    end_sessions(user=user)
    log.info("personal data of user %s erased by %s", user.pk, actor.email if actor else "system")


def _forget_emails_to(email: str) -> None:
    """Emails to them not sent yet are dropped; sent ones keep their record without the address."""
    rows = OutboundEmail.objects.annotate(to_text=Cast("to", TextField())).filter(to_text__icontains=email)
    for row in rows:
        if row.status == OutboundEmail.Status.PENDING:
            row.delete()
            continue
        row.to = [FORMER_USER if address.lower() == email else address for address in row.to]
        row.save(update_fields=["to"])


def _forget_call_phones(user: User) -> None:
    from calls.models import Call  # calls sits above accounts

    Call.objects.filter(user=user).exclude(staff_phone="").update(staff_phone="")


def _rewrite_texts(dealership_ids: list[int], *, name: str, email: str, new_email: str) -> None:
    """Their name and email where they were written into words: timelines, setting changes."""
    from leads.models import Activity  # leads sits above accounts

    def scrub(value: Any) -> Any:
        if isinstance(value, str):
            return (
                value.replace(email, new_email).replace(name, FORMER_USER) if name else value.replace(email, new_email)
            )
        if isinstance(value, list):
            return [scrub(item) for item in value]
        if isinstance(value, dict):
            return {key: scrub(item) for key, item in value.items()}
        return value

    wanted = Q(text__contains=email) | Q(data_text__contains=email)
    if name:
        wanted |= Q(text__contains=name) | Q(data_text__contains=name)
    activities = Activity.objects.annotate(data_text=Cast("data", TextField())).filter(
        wanted, lead__dealership_id__in=dealership_ids
    )
    for activity in activities.iterator():
        activity.text, activity.data = scrub(activity.text), scrub(activity.data)
        activity.save(update_fields=["text", "data"])
    changes = DealershipChange.objects.annotate(changes_text=Cast("changes", TextField())).filter(
        Q(changes_text__contains=email) | (Q(changes_text__contains=name) if name else Q(pk__in=[])),
        dealership_id__in=dealership_ids,
    )
    for change in changes:
        change.changes = scrub(change.changes)
        change.save(update_fields=["changes"])
    from distribution.models import Handover  # distribution sits above accounts

    jobs = Handover.objects.annotate(
        changes_text=Cast("changes", TextField()), warnings_text=Cast("warnings", TextField())
    ).filter(
        Q(changes_text__contains=email)
        | Q(warnings_text__contains=email)
        | (Q(changes_text__contains=name) | Q(warnings_text__contains=name) if name else Q(pk__in=[]))
    )
    for job in jobs:
        job.changes, job.warnings = scrub(job.changes), scrub(job.warnings)
        job.save(update_fields=["changes", "warnings"])
