"""A distribution group left with nobody who receives leads is warned about, saying where its
leads go: when deactivating someone, on the user form and on the rooftop screen."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from accounts.tests.test_user_admin import edit_form
from distribution.store import load_policy
from distribution.tests.conftest import set_policy

pytestmark = pytest.mark.django_db


@pytest.fixture
def hondas(riverside, alice, carol, dave) -> str:
    """Carol and Dave in "Used Hondas"; Dave does not receive leads, so Carol is its only receiver."""
    set_policy(
        riverside,
        {
            "sales": {"method": "round_robin", "fallback": "alice@example.com"},
            "groups": [
                {
                    "name": "Used Hondas",
                    "match": {"department": "sales", "makes": ["Honda"]},
                    "members": ["carol@example.com", "dave@example.com"],
                }
            ],
        },
    )
    Membership.objects.filter(user=dave).update(receives_leads=False)
    matches = load_policy(riverside).groups[0].match.describe()
    return (
        f"Nobody in the distribution group “Used Hondas” receives leads: the leads it takes ({matches}) go to "
        "Alice Admin, the fallback user."
    )


def test_deactivating_its_last_receiver_warns_before_and_after(client_for, alice, carol, hondas):
    admin = client_for(alice)
    assert hondas in admin.get(reverse("user-deactivate", args=[carol.pk])).content.decode()
    done = admin.post(reverse("user-deactivate", args=[carol.pk]), {"open_leads": "keep"}, follow=True)
    assert hondas in done.content.decode()


def test_unticking_receives_leads_on_the_user_form_warns(client_for, alice, carol, hondas):
    saved = client_for(alice).post(
        reverse("user-edit", args=[carol.pk]),
        edit_form(carol, **{"riverside-toyota": {"receives_leads": None}}),
        follow=True,
    )
    assert "Saved Carol Seller." in saved.content.decode()
    assert hondas in saved.content.decode()


def test_the_rooftop_screen_shows_it(client_for, riverside, alice, carol, hondas):
    Membership.objects.filter(user=carol).update(receives_leads=False)
    assert hondas in client_for(alice).get(reverse("rooftop", args=[riverside.slug])).content.decode()
