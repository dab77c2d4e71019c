"""The dealership settings screens: only admins of a dealership see them (404 for everyone else)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from accounts.models import User
from accounts.queries import dealerships_administered_by
from dealerships import modes, provisioning
from dealerships.forms import DealershipSettingsForm
from dealerships.models import Dealership, DealershipChange
from forecourt.lib.names import name_for_customers, shown_name


def settings_index(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    dealerships = dealerships_administered_by(request.user).select_related("organization").order_by("name")
    return render(request, "dealerships/settings_index.html", {"dealerships": dealerships})


def dealership_settings(request: HttpRequest, slug: str) -> HttpResponse:
    assert isinstance(request.user, User)
    dealership = get_object_or_404(dealerships_administered_by(request.user).select_related("organization"), slug=slug)
    members = User.objects.filter(memberships__dealership=dealership, is_active=True).order_by("name").distinct()
    current = provisioning.dealership_settings(dealership)
    token_set = bool(dealership.messenger_page_token)
    if request.method == "POST":
        form = DealershipSettingsForm(request.POST, members=members, page_token_set=token_set)
        switch = _mode_switch(form, current) if form.is_valid() else None
        if switch is not None:
            # Nothing is saved until the admin confirms, having read what the switch changes.
            context = _context(dealership, form, members) | {"switch": switch}
            return render(request, "dealerships/settings.html", context)
        if form.is_valid():
            document = form.document(organization=dealership.organization.name, slug=dealership.slug)
            outcome = provisioning.provision(document, actor=request.user, source=DealershipChange.Source.SETTINGS)
            if outcome.ok:
                changed = form.labels_for(outcome.settings_changed.get(dealership.slug, []))
                if token := form.cleaned_data["messenger_page_token"]:
                    save_page_token(dealership, token, actor=request.user)
                    changed.append(str(form.fields["messenger_page_token"].label))
                messages.success(request, f"Saved: {', '.join(changed)}." if changed else "Nothing to change.")
                return redirect("dealership-settings", slug=dealership.slug)
            form.add_document_errors(outcome.errors)
    else:
        form = DealershipSettingsForm(
            initial=DealershipSettingsForm.initial_from(current), members=members, page_token_set=token_set
        )
    return render(
        request, "dealerships/settings.html", _context(dealership, form, members), status=400 if form.errors else 200
    )


def _context(dealership: Dealership, form: DealershipSettingsForm, members: Iterable[User]) -> dict[str, Any]:
    return {
        "dealership": dealership,
        "form": form,
        "intake_domain": settings.INTAKE_DOMAIN,
        "history": dealership.changes.select_related("actor")[:10],
        "chat_script_url": f"{settings.BASE_URL}{reverse('chat-script', args=[dealership.slug])}",
        **autoresponder_preview(dealership, members),
    }


def _mode_switch(form: DealershipSettingsForm, current: Mapping[str, Any]) -> dict[str, str] | None:
    """What the confirmation says when the form switches the mode and nobody confirmed it yet."""
    wanted = form.cleaned_data["mode"]
    if wanted == current["mode"] or form.cleaned_data["confirm_mode"] or wanted not in modes.MODES:
        return None
    if wanted == modes.TRACKING:
        return {"to": wanted, "title": "Switch to lead tracking?", "text": modes.SWITCH_TO_TRACKING}
    return {"to": wanted, "title": "Switch to lead management?", "text": modes.SWITCH_TO_MANAGEMENT}


def autoresponder_preview(dealership: Dealership, members: Iterable[User]) -> dict[str, Any]:
    """The saved autoresponder as a customer would read it, from one of the dealership's people."""
    from conversations.autoresponder import preview
    from conversations.templates import ALL_FIELDS

    people = list(members)
    # A salesperson's name, as the customer would see it; anyone's when the rooftop has no salesperson.
    sellers = set(dealership.memberships.filter(role="salesperson", user__in=people).values_list("user_id", flat=True))
    person = next((p for p in people if p.pk in sellers), people[0] if people else None)
    salesperson = (
        name_for_customers(person, dealership) if person else shown_name("Carol Seller", dealership.staff_names)
    )
    from_name = dealership.email_from_name or dealership.name
    return {
        "autoresponder_preview": preview(dealership, salesperson=salesperson),
        "autoresponder_from": f"{salesperson} at {from_name}",
        "merge_fields": [f"{{{name}}}" for name in ALL_FIELDS],
    }


def save_page_token(dealership: Dealership, token: str, *, actor: User) -> None:
    """Keep the Facebook page's token (sealed); the history says it changed, never what it is."""
    dealership.refresh_from_db(fields=["messenger_page_token"])
    was = "set" if dealership.messenger_page_token else "not set"
    dealership.messenger_page_token = token
    dealership.save(update_fields=["messenger_page_token", "updated_at"])
    change = {"path": "messenger.page_token", "old": was, "new": "replaced" if was == "set" else "set"}
    DealershipChange.objects.create(
        dealership=dealership, actor=actor, source=DealershipChange.Source.SETTINGS, changes=[change]
    )
