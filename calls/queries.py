"""Reading calls: those of a lead, for its thread, its timeline and the messages API."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from calls.models import Call
from leads.models import Lead


def calls_of(lead: Lead) -> QuerySet[Call]:
    """The lead's calls, and the calls its customer made to its dealership before it had a lead
    (their number was kept), oldest first."""
    earlier = Q(lead__isnull=True, customer_id=lead.customer_id, dealership_id=lead.dealership_id)
    return (
        Call.objects.filter(Q(lead=lead) | earlier)
        .select_related("user", "customer", "dealership")
        .order_by("created_at", "id")
    )
