"""Admins keep their dealership's text templates on a settings screen; a salesperson picks one in
the composer and gets it filled in for the lead."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conversations.models import MessageTemplate
from conversations.segments import count
from dealerships.models import DealershipChange

pytestmark = pytest.mark.django_db


def screen(dealership):
    return reverse("message-templates", args=[dealership.slug])


def new(dealership):
    return reverse("message-template-new", args=[dealership.slug])


def test_an_admin_adds_changes_and_deletes_a_template(riverside, alice, client_for):
    client = client_for(alice)
    settings_page = client.get(reverse("dealership-settings", args=[riverside.slug])).content.decode()
    assert screen(riverside) in settings_page

    added = client.post(new(riverside), {"name": "Welcome", "body": "Hi {first_name}, {salesperson} here."})
    assert added.status_code == 302
    template = MessageTemplate.objects.get()
    assert "Hi {first_name}, {salesperson} here." in client.get(screen(riverside)).content.decode()

    edit = reverse("message-template-edit", args=[riverside.slug, template.pk])
    assert "Hi {first_name}, {salesperson} here.</textarea>" in client.get(edit).content.decode()
    client.post(edit, {"name": "Welcome", "body": "Hello {first_name}!", "is_default": "on"})
    template.refresh_from_db()
    assert (template.body, template.is_default) == ("Hello {first_name}!", True)
    assert DealershipChange.objects.filter(dealership=riverside, actor=alice).count() == 2

    client.post(reverse("message-template-delete", args=[riverside.slug, template.pk]))
    assert not MessageTemplate.objects.exists()


def test_a_template_with_an_unknown_field_or_an_unset_link_is_not_saved(riverside, alice, client_for):
    client = client_for(alice)
    unknown = client.post(new(riverside), {"name": "Oops", "body": "Hi {firstname}"})
    assert unknown.status_code == 400
    assert "{firstname} is not a merge field" in unknown.content.decode()

    no_link = client.post(new(riverside), {"name": "Credit", "body": "Apply: {credit_application}"})
    assert no_link.status_code == 400
    assert "needs the dealership&#x27;s credit application link" in no_link.content.decode()
    assert not MessageTemplate.objects.exists()

    riverside.links = {"credit_application": "https://riverside.example/credit"}
    riverside.save()
    assert client.post(new(riverside), {"name": "Credit", "body": "Apply: {credit_application}"}).status_code == 302


def test_one_default_template_per_dealership(riverside, alice, client_for):
    client = client_for(alice)
    client.post(new(riverside), {"name": "A", "body": "a", "is_default": "on"})
    client.post(new(riverside), {"name": "B", "body": "b", "is_default": "on"})
    assert list(MessageTemplate.objects.filter(is_default=True).values_list("name", flat=True)) == ["B"]
    twice = client.post(new(riverside), {"name": "b", "body": "again"})
    assert "Riverside Toyota already has a template called b." in twice.content.decode()


@pytest.mark.parametrize("who", ["carol", "erin", "frank"])
def test_only_the_dealerships_admins_see_its_templates(riverside, who, request, client_for):
    template = MessageTemplate.objects.create(dealership=riverside, name="Welcome", body="Hi")
    client = client_for(request.getfixturevalue(who))
    assert client.get(screen(riverside)).status_code == 404
    assert client.post(new(riverside), {"name": "X", "body": "x"}).status_code == 404
    delete = reverse("message-template-delete", args=[riverside.slug, template.pk])
    assert client.post(delete).status_code == 404
    assert MessageTemplate.objects.count() == 1


def test_picking_a_template_fills_the_text_for_this_lead(texting, carols_lead, carol, client_for):
    template = MessageTemplate.objects.create(
        dealership=texting, name="Vehicle", body="Hi {first_name}, the {vehicle} is ready. {salesperson}"
    )
    client = client_for(carol)
    page = client.get(reverse("lead-detail", args=[carols_lead.pk])).content.decode()
    assert f'<option value="{template.pk}">Vehicle</option>' in page

    url = reverse("conversation-draft", args=[carols_lead.pk])
    filled = client.get(url, {"template": template.pk}).content.decode()
    assert ">Hi Jordan, the 2016 RAM 2500 is ready. Carol Seller</textarea>" in filled
    assert "1 segment, 51 characters" in filled

    # Without JavaScript, "Use" reloads the lead page with the template filled in.
    page = client.get(reverse("lead-detail", args=[carols_lead.pk]), {"template": template.pk}).content.decode()
    assert ">Hi Jordan, the 2016 RAM 2500 is ready. Carol Seller</textarea>" in page


def test_a_template_another_dealership_owns_fills_nothing(texting, lakeside, carols_lead, carol, client_for):
    theirs = MessageTemplate.objects.create(dealership=lakeside, name="Theirs", body="Lakeside here")
    url = reverse("conversation-draft", args=[carols_lead.pk])
    assert "Lakeside here" not in client_for(carol).get(url, {"template": theirs.pk}).content.decode()


def test_a_template_the_lead_cannot_fill_says_what_to_replace(texting, riverside, carol, client_for):
    from conftest import make_lead

    lead = make_lead(texting, assigned_to=carol)
    template = MessageTemplate.objects.create(dealership=texting, name="V", body="The {vehicle} is here")
    filled = client_for(carol).get(reverse("conversation-draft", args=[lead.pk]), {"template": template.pk})
    html = filled.content.decode()
    assert ">The {vehicle} is here</textarea>" in html
    assert "Replace {vehicle} before sending: this lead has no vehicle." in html


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ("", "0 segments, 0 characters"),
        ("a" * 160, "1 segment, 160 characters"),
        ("a" * 161, "2 segments, 161 characters"),
        ("a" * 180, "2 segments, 180 characters"),
        ("a" * 306, "2 segments, 306 characters"),
        ("a" * 307, "3 segments, 307 characters"),
        ("€" * 80, "1 segment, 80 characters"),
        ("€" * 81, "2 segments, 81 characters"),
        ("é" * 160, "1 segment, 160 characters"),
        ("ł" * 70, "1 segment, 70 characters (special characters: 70 a segment)"),
        ("ł" * 71, "2 segments, 71 characters (special characters: 70 a segment)"),
        ("a" * 134 + "😀", "3 segments, 135 characters (special characters: 70 a segment)"),
    ],
)
def test_the_counter_counts_segments_as_carriers_do(body, shown):
    assert str(count(body)) == shown
