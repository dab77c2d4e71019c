"""The distribution screen speaks of departments and groups by name, never of "groups[0]" or "1:sales"."""

from __future__ import annotations

from distribution.models import Rotation
from distribution.tests.conftest import set_policy
from distribution.tests.test_settings_screen import form_data


def test_the_one_person_warning_names_the_group(riverside, alice, carol, client_for):
    set_policy(
        riverside,
        {"groups": [{"name": "Solo", "match": {"sources": ["Edmunds"]}, "members": ["carol@example.com"]}]},
    )
    page = client_for(alice).get("/distribution/riverside-toyota/").content.decode()
    assert "Group “Solo”: only one member" in page
    assert "groups[" not in page


def test_an_error_on_the_form_names_the_department_in_words(riverside, alice, team, client_for):
    answer = client_for(alice).post("/distribution/riverside-toyota/", form_data(**{"sales-method": "pool"}))
    page = answer.content.decode()
    assert "Sales, method: a pool cannot be combined with distribution groups" in page
    assert "sales.method" not in page


def test_the_round_robin_positions_are_named_by_department_and_group(riverside, alice, carol, client_for):
    Rotation.objects.create(key=f"{riverside.pk}:sales", counter=3, last_user=carol)
    Rotation.objects.create(key=f"{riverside.pk}:group:Used Hondas", counter=1)
    page = client_for(alice).get("/distribution/riverside-toyota/").content.decode()
    assert "Sales: 3 leads so far, last to Carol Seller" in page
    assert "Group “Used Hondas”: 1 lead so far" in page
    assert f"{riverside.pk}:sales" not in page
