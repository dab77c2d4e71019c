"""Deactivating someone takes them out of the distribution settings, which stay valid, and says
so; a department left with nobody to receive its leads is warned about before and after."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, User
from dealerships.models import Dealership
from distribution.models import DistributionGroup, Rotation
from distribution.store import load_policy
from distribution.tests.conftest import set_policy

pytestmark = pytest.mark.django_db


def deactivate(client: Client, user: User) -> str:
    url = reverse("user-deactivate", kwargs={"pk": user.pk})
    return client.post(url, {"open_leads": "distribute"}, follow=True).content.decode()


def settings_as_they_stand(page: Any) -> dict[str, Any]:
    """The distribution form posted back as the screen shows it, as a browser would on Save: a box
    or option the screen does not show cannot be sent, and a list shows its first option instead."""
    data: dict[str, Any] = {"action": "save", "days": "30"}
    groups = page.context["groups"]
    data.update({f"groups-{key}": value for key, value in groups.management_form.initial.items()})
    for form in [*page.context["departments"].values(), *groups.forms]:
        for field in form:
            value = field.value()
            shown = [str(choice) for choice, _ in getattr(field.field, "choices", [])]
            if isinstance(field.field, forms.MultipleChoiceField):
                value = [v for v in value or [] if v in shown]
                value = [v for v in value if v in shown]
            elif shown and str(value or "") not in shown:
                value = shown[0]
            if value in (None, False):
                continue
            data[field.html_name] = "on" if value is True else value
    return data


@pytest.fixture
def groups(riverside: Dealership, alice: User, carol: User, dave: User) -> None:
    set_policy(
        riverside,
        {
            "sales": {
                "method": "round_robin",
                "fallback": "carol@example.com",
                "alert_recipients": ["carol@example.com"],
            },
            "groups": [
                {"name": "Used Hondas", "match": {"makes": ["Honda"]}, "members": ["carol@example.com"]},
                {
                    "name": "Internet",
                    "match": {"sources": ["CarGurus"]},
                    "members": ["carol@example.com", "dave@example.com"],
                },
            ],
        },
    )


def test_deactivating_the_last_member_of_a_group_leaves_settings_that_save_as_they_stand(
    riverside, alice, carol, groups, client_for
):
    for name in ("Used Hondas", "Internet"):
        Rotation.objects.create(key=f"{riverside.pk}:group:{name}", counter=3, last_user=carol)
    admin = client_for(alice)
    deactivate(admin, carol)
    assert list(Rotation.objects.values_list("key", flat=True)) == [f"{riverside.pk}:group:Internet"]

    screen = admin.get(reverse("distribution-settings", args=[riverside.slug]))
    saved = admin.post(reverse("distribution-settings", args=[riverside.slug]), settings_as_they_stand(screen))
    assert saved.status_code == 302, saved.content.decode()
    document = admin.get(reverse("distribution-yaml", args=[riverside.slug])).context["document"]
    assert (
        admin.post(
            reverse("distribution-yaml", args=[riverside.slug]), {"document": document, "action": "save"}
        ).status_code
        == 302
    )

    assert list(DistributionGroup.objects.values_list("name", flat=True)) == ["Internet"]
    riverside.refresh_from_db()
    policy = load_policy(riverside)
    assert policy.groups[0].members == (("dave@example.com", 1),)
    assert policy.department("sales").fallback is None
    assert policy.department("sales").alert_recipients == ()


def test_the_deactivation_says_what_it_changed_in_distribution_and_the_dealership_keeps_a_record(
    riverside, alice, carol, groups, client_for
):
    admin = client_for(alice)
    page = deactivate(admin, carol)

    assert "Carol Seller was taken out of the distribution group “Internet”." in page
    assert "The distribution group “Used Hondas” had nobody else in it and was removed" in page
    assert "Carol Seller is no longer the Sales fallback user" in page
    assert "Carol Seller no longer gets the Sales new-lead alert email" in page
    history = admin.get(reverse("dealership-settings", args=[riverside.slug])).content.decode()
    assert "The distribution group “Used Hondas” had nobody else in it and was removed" in history


def test_a_department_left_with_nobody_receiving_leads_is_warned_about_before_and_after(
    riverside, alice, bob, carol, dave, client_for
):
    Membership.objects.filter(user=carol).update(departments=["sales", "service"])
    admin = client_for(alice)
    url = reverse("user-deactivate", kwargs={"pk": carol.pk})

    confirm = admin.get(url).content.decode()
    assert "Nobody in Service will receive leads: new Service leads will go to Alice Admin, the admin." in confirm
    assert "Nobody in Sales" not in confirm

    result = deactivate(admin, carol)
    assert "Nobody in Service receives leads: new Service leads go to Alice Admin, the admin." in result
    screen = admin.get(reverse("distribution-settings", args=[riverside.slug])).content.decode()
    assert "Nobody in Service receives leads: new Service leads go to Alice Admin, the admin." in screen


def test_the_warning_names_the_fallback_user_when_there_is_one(riverside, alice, bob, carol, client_for):
    Membership.objects.filter(user=carol).update(departments=["service"])
    set_policy(riverside, {"service": {"method": "first_available", "fallback": "bob@example.com"}})
    admin = client_for(alice)

    confirm = admin.get(reverse("user-deactivate", kwargs={"pk": carol.pk})).content.decode()

    assert "new Service leads will go to Bob Manager, the fallback user." in confirm


def test_settings_messages_name_the_group_instead_of_its_place_in_a_list(riverside, alice, carol, client_for):
    admin = client_for(alice)
    answer = admin.post(
        reverse("distribution-settings", args=[riverside.slug]),
        {
            "sales-method": "round_robin",
            "sales-existing_customers": "assigned_user",
            "service-method": "first_available",
            "service-existing_customers": "assigned_user",
            "groups-TOTAL_FORMS": "1",
            "groups-INITIAL_FORMS": "0",
            "groups-0-name": "Used Hondas",
            "groups-0-method": "round_robin",
            "groups-0-hours": "any",
            "action": "save",
        },
    )
    page = answer.content.decode()

    assert answer.status_code == 422
    assert "Group “Used Hondas”, members: a group needs at least one member" in page
    assert "groups[" not in page


def test_someone_at_two_dealerships_is_told_which_one_each_change_is_about(
    riverside, lakeside, alice, erin, carol, client_for
):
    Membership.objects.create(user=carol, dealership=lakeside, role=Membership.Role.SALESPERSON, departments=["sales"])
    set_policy(
        lakeside, {"groups": [{"name": "Subarus", "match": {"makes": ["Subaru"]}, "members": ["carol@example.com"]}]}
    )
    Membership.objects.filter(user=carol, dealership=lakeside).update(departments=["sales", "service"])
    Membership.objects.create(user=alice, dealership=lakeside, role=Membership.Role.ADMIN, departments=["sales"])

    confirm = client_for(alice).get(reverse("user-deactivate", kwargs={"pk": carol.pk})).content.decode()

    assert "Lakeside Honda: The distribution group “Subarus” had nobody else in it and was removed" in confirm
    assert (
        "Nobody in Service at Lakeside Honda will receive leads: new Service leads will go to Erin Admin, the admin."
        in confirm
    )
