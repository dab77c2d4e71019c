"""Allocating a lead by hand: from the allocate window, the API, or an alert email's link."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import Membership, User
from dealerships.models import Dealership
from dealerships.modes import is_tracking, refusal
from distribution import alerts
from distribution.actions.distributing import tell_assignee
from distribution.actions.errors import DistributionError, TrackingMode
from distribution.models import AllocationAlert, Offer
from distribution.queries import may_allocate
from leads import actions as lead_actions
from leads.models import Lead
from notifications.actions import notify
from notifications.models import Kind


def allocatable_membership(*, dealership: Dealership, user: User) -> Membership | None:
    return Membership.objects.filter(
        dealership=dealership, user=user, user__is_active=True, can_be_assigned=True
    ).first()


def allocate(*, lead: Lead, to: User, actor: User, note: str = "", via: str = "") -> Lead:
    """Give the lead to `to` by hand (or hand it on), with an optional note; both are told."""
    note = note.strip()
    if len(note) > 1000:
        raise DistributionError("Keep the note under 1,000 characters.")
    if not may_allocate(actor=actor, dealership=lead.dealership):
        raise DistributionError("Only admins and managers of this dealership allocate leads.")
    if is_tracking(lead.dealership):
        raise TrackingMode(refusal(lead.dealership, "assign leads"))
    if allocatable_membership(dealership=lead.dealership, user=to) is None:
        raise DistributionError(f"{to.name} cannot be assigned leads at {lead.dealership.name}.")
    with transaction.atomic():
        lead = Lead.objects.select_related("dealership", "customer", "assigned_to").get(pk=lead.pk)
        previous = lead.assigned_to
        if previous is not None and previous.pk == to.pk:
            raise DistributionError(f"The lead is already assigned to {to.name}.")
        reason = (
            f"allocated by {actor.name}" + (f" {via}" if via else "") + (f' with the note "{note}"' if note else "")
        )
        lead_actions.assign_lead(lead=lead, to=to, actor=actor, reason=reason)
        Offer.objects.filter(lead=lead, claimed_at__isnull=True).update(claimed_by=to, claimed_at=timezone.now())
        summary = alerts.lead_summary(lead)
        text = f"{actor.name} allocated a lead to you: {summary}" + (f". Note: {note}" if note else "")
        tell_assignee(lead, to, text=text, kind=Kind.REASSIGNED if previous else Kind.NEW_LEAD)
        if previous is not None and previous.pk != actor.pk:
            notify(
                user=previous,
                kind=Kind.REASSIGNED,
                lead=lead,
                text=f"{actor.name} reassigned {lead.customer.display_name}'s lead to {to.name}",
            )
    return lead


def allocate_from_link(*, link: alerts.AllocationLink, lead: Lead, by: User, to: User, note: str = "") -> Lead:
    """Allocate as an alert's link says, if the alert's links still work: the first of them
    used spends them all, and none works once the lead's owner changed after the alert went out.
    LinkError (with who has the lead since when) otherwise; nothing is reallocated then."""
    with transaction.atomic():
        # Locking the lead first makes an owner change under way (a claim, a reassignment) finish
        # before the timeline is read, and one that starts now wait until this allocation is done.
        Lead.objects.filter(pk=lead.pk).update(updated_at=F("updated_at"))
        reason = alerts.dead_link_reason(nonce=link.nonce, lead=lead)
        if reason is None:
            # The row count decides between links of one alert used at once.
            spent = AllocationAlert.objects.filter(nonce=link.nonce, lead_id=lead.pk, used_at__isnull=True).update(
                used_at=timezone.now(), used_by=by, allocated_to=to
            )
            if not spent:
                reason = alerts.dead_link_reason(nonce=link.nonce, lead=lead) or "This alert's links have been used."
        if reason is not None:
            raise alerts.LinkError(reason)
        return allocate(lead=lead, to=to, actor=by, note=note, via="from the new-lead alert email")
