"""The simulator: replaying past leads (or a CSV) under proposed settings, saving nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_lead
from distribution.actions import distribute_lead
from distribution.models import DepartmentSettings
from distribution.policy import check
from distribution.simulate import leads_from_csv, past_leads, replay
from distribution.store import staff_of
from distribution.tests.conftest import OPEN, set_policy
from leads.models import Lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]


def history(riverside, count: int) -> list[Lead]:
    made = []
    for i in range(count):
        with time_machine.travel(OPEN + timedelta(minutes=i), tick=False):
            lead = make_lead(riverside, bulk=True, customer={"first_name": f"P{i}", "emails": [f"p{i}@example.com"]})
            distribute_lead(lead=lead)
            made.append(lead)
    return made


def test_replaying_the_last_days_compares_who_would_have_got_what(riverside, team):
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    history(riverside, 5)
    checked = check(
        {
            "sales": {"method": "round_robin"},
            "groups": [{"name": "Two", "match": {}, "members": ["gina@example.com", "hank@example.com"]}],
        },
        staff_of(riverside),
    )
    proposed = checked.policy
    assert proposed is not None
    with time_machine.travel(OPEN + timedelta(hours=1), tick=False):
        result = replay(riverside, proposed, past_leads(riverside, days=7))
    assert [row.lead.actual for row in result.rows] == [u.name for u in team]
    assert [row.proposed for row in result.rows] == ["Gina Seller", "Hank Seller"] * 2 + ["Gina Seller"]
    assert result.changed == 3
    assert {n: (a, p) for n, a, p in result.people()}["Gina Seller"] == (1, 3)
    assert result.rows[1].reason == 'group "Two": after Gina Seller'


def test_a_csv_of_leads_can_be_replayed(riverside):
    csv = (
        "received_at,source,department,make,condition,customer,assigned_to\n"
        "2026-03-16 10:00,CarGurus,sales,Honda,used,a@example.com,Dave Seller\n"
        "2026-03-16 22:30,CarGurus,sales,Honda,used,b@example.com,Dave Seller\n"
    )
    leads = leads_from_csv(csv, riverside)
    proposed = check(
        {"sales": {"method": "round_robin", "after_hours_method": "first_available"}}, staff_of(riverside)
    ).policy
    assert proposed is not None
    result = replay(riverside, proposed, leads)
    assert result.rows[0].proposed == "Carol Seller"
    assert result.rows[1].proposed == ""
    assert result.rows[1].reason.startswith("first available: offered to Carol Seller, Dave Seller")


def test_a_bad_csv_line_is_named(riverside):
    with pytest.raises(ValueError, match='line 3: received_at "yesterday" is not a date and time'):
        leads_from_csv("received_at\n2026-03-16 10:00\nyesterday\n", riverside)


def test_simulating_on_the_screen_shows_the_comparison_and_saves_nothing(riverside, alice, client_for):
    history(riverside, 3)
    csv = SimpleUploadedFile("leads.csv", b"received_at,source\n2026-03-16 10:00,Web\n", content_type="text/csv")
    with time_machine.travel(OPEN + timedelta(hours=1), tick=False):
        page = client_for(alice).post(
            "/distribution/riverside-toyota/yaml/",
            {"document": "sales:\n  method: first_available\n", "action": "simulate", "days": "7"},
        )
        uploaded = client_for(alice).post(
            "/distribution/riverside-toyota/yaml/",
            {"document": "sales:\n  method: round_robin\n", "action": "simulate", "days": "7", "csv_file": csv},
        )
    assert page.status_code == 200
    assert b"Simulation: 3 leads, 3 would go elsewhere" in page.content
    assert b"first available: offered to" in page.content
    assert b"Simulation: 1 lead, 1 would go elsewhere" in uploaded.content
    assert not DepartmentSettings.objects.exists()
