"""Erasing a deactivated user's personal data: they become "Former user" everywhere, their work
stays theirs, and nothing brings the erased person back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.actions import send_password_reset
from accounts.models import ApiToken, Membership, User
from conftest import make_user
from dealerships import provisioning
from dealerships.models import DealershipChange
from distribution.models import Handover
from distribution.tests.conftest import set_policy
from leads.models import Activity, Lead
from notifications.models import NotificationPreference, OutboundEmail, PushSubscription

pytestmark = pytest.mark.django_db


def deactivate_and_keep_leads(client, user: User) -> None:
    client.post(reverse("user-deactivate", args=[user.pk]), {"open_leads": "keep"})


def test_an_active_user_cannot_be_erased(client_for, alice, carol):
    admin = client_for(alice)
    response = admin.post(reverse("user-erase", args=[carol.pk]), follow=True)
    assert "Carol Seller is still active: deactivate them first." in response.content.decode()
    carol.refresh_from_db()
    assert carol.name == "Carol Seller"
    assert carol.erased_at is None


def test_the_confirmation_says_what_happens_and_that_it_cannot_be_undone(client_for, alice, carol):
    admin = client_for(alice)
    deactivate_and_keep_leads(admin, carol)
    page = admin.get(reverse("user-erase", args=[carol.pk])).content.decode()
    assert "This cannot be undone." in page
    assert "Their name becomes “Former user” everywhere they appear" in page
    assert f"former-user-{carol.pk}@erased.invalid" in page
    assert "They cannot be reactivated." in page
    carol.refresh_from_db()
    assert carol.erased_at is None  # asking changes nothing


def test_erasing_carol_replaces_her_personal_data_and_keeps_her_work(client_for, riverside, alice, carol, carols_lead):
    # Deactivating her writes her name into the record of setting changes and the handover.
    set_policy(riverside, {"sales": {"method": "round_robin", "fallback": "carol@example.com"}})
    carol.mobile = "+15125550100"
    carol.outbound_phone = "+15125550199,,42"
    carol.save()
    Membership.objects.filter(user=carol).update(crm_id="4711")
    NotificationPreference.objects.create(user=carol, kind="new_lead", sms=True)
    PushSubscription.objects.create(
        user=carol, endpoint="https://push.example.com/carol", p256dh="key", auth="secret", label="Chrome on Android"
    )
    ApiToken.issue(user=carol)
    sent = send_password_reset(user=carol)
    OutboundEmail.objects.filter(pk=sent.pk).update(status=OutboundEmail.Status.SENT)
    waiting = send_password_reset(user=carol)
    Activity.objects.create(
        lead=carols_lead, kind=Activity.Kind.NOTE, actor=carol, text="Called Carol Seller's customer"
    )
    admin = client_for(alice)
    deactivate_and_keep_leads(admin, carol)
    response = admin.post(reverse("user-erase", args=[carol.pk]), follow=True)
    assert "Carol Seller&#x27;s personal data was erased." in response.content.decode()

    carol.refresh_from_db()
    assert carol.name == "Former user"
    assert carol.email == f"former-user-{carol.pk}@erased.invalid"
    assert (carol.mobile, carol.outbound_phone) == ("", "")
    assert not carol.has_usable_password()
    assert Membership.objects.get(user=carol).crm_id == ""
    assert not ApiToken.objects.filter(user=carol, revoked_at__isnull=True).exists()
    assert not NotificationPreference.objects.filter(user=carol).exists()
    assert not PushSubscription.objects.filter(user=carol).exists()  # her phone buzzes no more
    assert not OutboundEmail.objects.filter(pk=waiting.pk).exists()
    assert OutboundEmail.objects.get(pk=sent.pk).to == ["Former user"]
    # Her work stays hers.
    assert Lead.objects.get(pk=carols_lead.pk).assigned_to_id == carol.pk
    assert Activity.objects.filter(lead=carols_lead, actor=carol).exists()
    timeline = client_for(alice).get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    assert "Former user" in timeline
    assert "Carol Seller" not in timeline
    records = str([row.changes for row in DealershipChange.objects.all()])
    assert "Former user" in records
    records += str([(job.changes, job.warnings) for job in Handover.objects.all()])
    assert "Carol Seller" not in records
    assert "carol@example.com" not in records


def test_only_an_admin_of_every_dealership_she_works_at_may_erase_her(client_for, lakeside, alice, erin, carol):
    Membership.objects.create(user=carol, dealership=lakeside, role=Membership.Role.SALESPERSON)
    User.objects.filter(pk=carol.pk).update(is_active=False)
    response = client_for(alice).post(reverse("user-erase", args=[carol.pk]), follow=True)
    assert "also works at a dealership you don&#x27;t administer" in response.content.decode()
    carol.refresh_from_db()
    assert carol.erased_at is None


def test_an_erased_user_cannot_be_reactivated(client_for, alice, carol):
    admin = client_for(alice)
    deactivate_and_keep_leads(admin, carol)
    admin.post(reverse("user-erase", args=[carol.pk]))
    response = admin.post(reverse("user-reactivate", args=[carol.pk]), follow=True)
    assert "cannot be reactivated" in response.content.decode()
    carol.refresh_from_db()
    assert not carol.is_active


def test_provisioning_neither_exports_nor_brings_back_an_erased_user(client_for, riverside, alice, carol):
    admin = client_for(alice)
    deactivate_and_keep_leads(admin, carol)
    before = provisioning.export(riverside.slug)
    admin.post(reverse("user-erase", args=[carol.pk]))
    carol.refresh_from_db()

    exported = provisioning.export(riverside.slug)
    assert [u["email"] for u in exported["users"]] == ["alice@example.com", "bob@example.com"]
    again = provisioning.provision(provisioning.load_yaml(provisioning.export_yaml(riverside.slug)))
    assert again.ok, again.errors
    assert again.changes == []

    renaming = {**exported, "users": [{"email": carol.email, "name": "Carol Seller"}]}
    refused = provisioning.provision(renaming)
    assert refused.errors == [
        f'users[0].email: "{carol.email}" is a former user whose personal data was erased; leave them out'
    ]
    carol.refresh_from_db()
    assert carol.name == "Former user"

    # A file from before (naming her old email) makes a new, separate account; the erased one stays erased.
    outcome = provisioning.provision(before)
    assert outcome.ok, outcome.errors
    newcomer = User.objects.get(email="carol@example.com")
    assert newcomer.pk != carol.pk
    carol.refresh_from_db()
    assert (carol.name, carol.is_active) == ("Former user", False)


def test_erasing_warns_about_a_department_left_with_nobody(client_for, riverside, alice, bob, carol):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    make_user("gina@example.com", "Gina Service", riverside, Membership.Role.SALESPERSON, departments=["service"])
    admin = client_for(alice)
    deactivate_and_keep_leads(admin, carol)
    page = admin.get(reverse("user-erase", args=[carol.pk])).content.decode()
    assert "Nobody in Sales receives leads: new Sales leads go to Alice Admin, the admin." in page
