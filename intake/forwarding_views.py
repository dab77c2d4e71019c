"""The forwarding rules screen (`/intake/forwarding/<slug>/`, admins): marketplace redirects,
the trade-in CC address and "use vehicle location for forwarding rules". Saving builds the
`forwarding` block of a provisioning document and provisions it, so the screen and a YAML file
refuse exactly the same things and the dealership's change history records both."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from dealerships import provisioning
from dealerships.models import Dealership, DealershipChange
from intake import queries
from intake.forwarding_form import (
    ForwardingForm,
    RedirectFormSet,
    initial_rows,
    known_marketplaces,
    place_errors,
)
from intake.models import SourceRule
from intake.views import _admin


@require_http_methods(["GET", "POST"])
def forwarding_settings(request: HttpRequest, slug: str) -> HttpResponse:
    user = _admin(request)
    try:
        dealership = queries.administered_dealership(user, slug)
    except Dealership.DoesNotExist:
        raise Http404("No such dealership.") from None
    current = provisioning.forwarding_settings(dealership)
    people = User.objects.filter(memberships__dealership=dealership, is_active=True).order_by("name").distinct()
    form_kwargs = {"people": people}
    if request.method == "POST":
        form = ForwardingForm(request.POST)
        rows = RedirectFormSet(request.POST, initial=initial_rows(current), prefix="redirects", form_kwargs=form_kwargs)
        if form.is_valid() and rows.is_valid():
            used = [i for i, row in enumerate(rows) if not row.blank]
            forwarding = {**form.forwarding(), "marketplaces": [rows[i].redirect() for i in used]}
            document = {
                "organization": dealership.organization.name,
                "dealerships": [{"slug": dealership.slug, "forwarding": forwarding}],
            }
            outcome = provisioning.provision(document, actor=user, source=DealershipChange.Source.SETTINGS)
            if outcome.ok:
                changed = outcome.settings_changed.get(dealership.slug, [])
                messages.success(request, "Forwarding rules saved." if changed else "Nothing to change.")
                return redirect("intake-forwarding", slug=slug)
            place_errors(outcome.errors, form, list(rows), used)
    else:
        form = ForwardingForm(
            initial={"trade_in_cc": current["trade_in_cc"], "use_vehicle_location": current["use_vehicle_location"]}
        )
        rows = RedirectFormSet(initial=initial_rows(current), prefix="redirects", form_kwargs=form_kwargs)
    rule_names = SourceRule.objects.filter(dealership=dealership).values_list("source_name", flat=True)
    context = {
        "dealership": dealership,
        "form": form,
        "rows": rows,
        "crm": current["crm"],
        "marketplaces": sorted({*known_marketplaces(), *rule_names}, key=str.lower),
        "failed": bool(form.errors or any(row.errors for row in rows) or form.non_field_errors()),
    }
    return render(request, "intake/forwarding.html", context, status=400 if context["failed"] else 200)
