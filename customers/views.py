"""The Possible duplicates list, the side-by-side comparison that merges two customers, and a
merge's own page with its undo. Admins and managers only; anything else answers 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from calls.models import Call
from conversations.consent import CHANNEL_WORDS, LEDGER_CHANNELS, consent_now
from customers import actions
from customers.duplicates import suggestions, twins_of
from customers.models import CustomerMerge
from customers.queries import merge_dealership_for, merge_for, mergeable_customers, merging_dealerships
from dealerships.models import Dealership
from leads.models import Customer
from leads.views.common import signed_in


def _dealership(request: HttpRequest, dealership_id: int | str | None) -> Dealership:
    user = signed_in(request)
    try:
        if dealership_id in (None, ""):
            first = merging_dealerships(user).first()
            if first is None:
                raise Dealership.DoesNotExist
            return first
        return merge_dealership_for(user, int(dealership_id))
    except (Dealership.DoesNotExist, ValueError):
        raise Http404("No such dealership.") from None


def _pair(request: HttpRequest, dealership: Dealership, first_id: int, second_id: int) -> tuple[Customer, Customer]:
    found = mergeable_customers(signed_in(request), dealership.organization_id).in_bulk([first_id, second_id])
    if first_id == second_id or len(found) != 2:
        raise Http404("No such customers.")
    return found[first_id], found[second_id]


@require_GET
def duplicate_list(request: HttpRequest) -> HttpResponse:
    dealership = _dealership(request, request.GET.get("dealership"))
    among = mergeable_customers(signed_in(request), dealership.organization_id)
    context = {
        "dealership": dealership,
        "dealerships": merging_dealerships(signed_in(request)),
        "suggestions": suggestions(dealership=dealership, among=among),
        "merges": CustomerMerge.objects.filter(dealership=dealership).select_related("merged_by", "undone_by")[:20],
    }
    return render(request, "customers/duplicates.html", context)


def _side(customer: Customer) -> dict[str, Any]:
    return {
        "customer": customer,
        "phones": list(customer.phones.all()),
        "emails": list(customer.emails.all()),
        "leads": list(customer.leads.select_related("dealership", "assigned_to").order_by("-received_at")),
        "consent": [(CHANNEL_WORDS[c], consent_now(customer, c)[0].replace("_", " ")) for c in LEDGER_CHANNELS],
        "messenger": customer.messenger_contacts.count(),
        "calls": Call.objects.filter(customer=customer).count(),
    }


def compare(request: HttpRequest, dealership_id: int, first_id: int, second_id: int) -> HttpResponse:
    """GET: the two side by side, each with a "keep this one" choice. POST: merge."""
    dealership = _dealership(request, dealership_id)
    first, second = _pair(request, dealership, first_id, second_id)
    among = mergeable_customers(signed_in(request), dealership.organization_id)
    twins = twins_of(first, among=among.filter(pk=second.pk), country=dealership.country or "US")
    reasons = twins[0].reasons if twins else []
    error = ""
    if request.method == "POST":
        keep = request.POST.get("keep", "")
        if keep not in (str(first.pk), str(second.pk)):
            error = "Choose which customer to keep."
        else:
            kept, removed = (first, second) if keep == str(first.pk) else (second, first)
            try:
                merge = actions.merge_customers(
                    kept=kept, removed=removed, dealership=dealership, actor=signed_in(request), reasons=reasons
                )
            except actions.MergeRefused as refusal:
                error = str(refusal)
            else:
                messages.success(
                    request, f"Merged {merge.removed_name} #{merge.removed_id} into {merge.kept_name} #{merge.kept_id}."
                )
                return HttpResponseRedirect(reverse("customer-merge", args=[merge.pk]))
    elif request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405)
    context = {
        "dealership": dealership,
        "sides": [_side(first), _side(second)],
        "reasons": reasons,
        "error": error,
    }
    return render(request, "customers/compare.html", context, status=422 if error else 200)


@require_POST
def dismiss(request: HttpRequest, dealership_id: int, first_id: int, second_id: int) -> HttpResponse:
    dealership = _dealership(request, dealership_id)
    first, second = _pair(request, dealership, first_id, second_id)
    actions.dismiss_pair(first=first, second=second, actor=signed_in(request))
    messages.success(request, f"{first.display_name} and {second.display_name} will not be suggested again.")
    return HttpResponseRedirect(reverse("customer-duplicates") + f"?dealership={dealership.pk}")


def _merge(request: HttpRequest, merge_id: int) -> CustomerMerge:
    try:
        return merge_for(signed_in(request), merge_id)
    except CustomerMerge.DoesNotExist:
        raise Http404("No such merge.") from None


@require_GET
def merge_page(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = _merge(request, merge_id)
    return render(request, "customers/merge.html", _merge_context(merge))


def _merge_context(merge: CustomerMerge, error: str = "") -> dict[str, Any]:
    ids = [i for i in (merge.kept_id, merge.removed_id) if i is not None]
    customers = Customer.objects.in_bulk(ids)
    return {
        "merge": merge,
        "error": error,
        "kept": customers.get(merge.kept_id) if merge.kept_id else None,
        "removed": customers.get(merge.removed_id),
        "sides": [
            (c, c.leads.select_related("dealership", "assigned_to").order_by("-received_at"))
            for c in customers.values()
        ],
    }


@require_POST
def undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    merge = _merge(request, merge_id)
    try:
        actions.undo_merge(merge=merge, actor=signed_in(request))
    except actions.MergeRefused as refusal:
        return render(request, "customers/merge.html", _merge_context(merge, str(refusal)), status=409)
    messages.success(
        request,
        f"Undone: {merge.removed_name} #{merge.removed_id} and {merge.kept_name} #{merge.kept_id} are two customers again.",
    )
    return HttpResponseRedirect(reverse("customer-merge", args=[merge.pk]))
