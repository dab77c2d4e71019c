"""`manage.py load_demo`: the demo group, its people, stock and three weeks of leads."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Membership, User
from dealerships.models import Dealership, Organization
from inventory.models import Vehicle
from inventory.vin import is_valid
from leads.models import Activity, Lead

NOW = "2026-03-18 15:00:00+00:00"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; the demo's seven users need not be (test_provisioning checks Argon2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def load_demo(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_load_demo_creates_two_dealerships_people_stock_and_leads():
    output = load_demo("--if-empty")

    assert Organization.objects.get().name == "Demo Auto Group"
    assert {(d.slug, d.timezone) for d in Dealership.objects.all()} == {
        ("riverside-toyota", "America/Chicago"),
        ("summit-subaru", "America/Denver"),
    }
    assert 6 <= User.objects.count() <= 8
    assert set(Membership.objects.values_list("role", flat=True)) == {"admin", "manager", "salesperson"}
    assert any(user.memberships.count() == 2 for user in User.objects.all()), "someone works at both rooftops"
    assert Vehicle.objects.count() >= 30
    assert Lead.objects.count() >= 40
    assert len(set(Lead.objects.values_list("status", flat=True))) >= 4
    assert set(Lead.objects.values_list("department", flat=True)) == {"sales", "service"}
    assert User.objects.get(email="admin@demo.forecourt.test").check_password("forecourt-demo")
    assert "admin@demo.forecourt.test" in output
    assert "forecourt-demo" in output


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_demo_leads_have_real_timelines_spread_over_three_weeks():
    load_demo()
    now = timezone.now()

    received = list(Lead.objects.values_list("received_at", flat=True))
    assert min(received) >= now - timedelta(days=22)
    assert max(received) <= now
    assert min(received) <= now - timedelta(days=14)
    assert not Activity.objects.filter(at__gt=now).exists()
    sold = Lead.objects.filter(status="sold").first()
    assert sold is not None
    kinds = [k for k in sold.activities.values_list("kind", flat=True) if k not in ("followup", "note")]
    assert kinds[:3] == ["created", "assigned", "contact"]
    assert "status" in kinds
    assert sold.first_response_at is not None
    assert sold.received_at < sold.first_response_at < now
    lost = Lead.objects.filter(status="lost")
    assert lost.exists()
    assert all(lead.lost_reason for lead in lost)
    sources = set(Lead.objects.values_list("source_name", flat=True))
    assert {"CarGurus", "Cars.com", "AutoTrader", "TrueCar", "Walk-in", "Phone call", "Website", "Facebook"} <= sources


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_demo_customers_vehicles_and_trades_look_real():
    load_demo()

    assert all(is_valid(vin) for vin in Vehicle.objects.values_list("vin", flat=True))
    assert Vehicle.objects.filter(condition="new").exists()
    assert Vehicle.objects.filter(condition="used").exists()
    leads = Lead.objects.prefetch_related("vehicles", "trades", "customer__phones", "collaborators")
    assert any(lead.customer.business_name for lead in leads)
    assert any(lead.co_customer_id for lead in leads)
    assert any(lead.trades.all() for lead in leads)
    assert any(lead.collaborators.all() for lead in leads)
    assert any(v.search_vehicle for lead in leads for v in lead.vehicles.all())
    assert any(v.inventory_vehicle_id for lead in leads for v in lead.vehicles.all())
    for lead in leads:
        if lead.source_name != "Text":  # a stranger's text names no vehicle
            assert sum(v.preferred for v in lead.vehicles.all()) == 1
        assert all(phone.number and phone.number.startswith("+1") for phone in lead.customer.phones.all())


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_load_demo_if_empty_a_second_time_creates_nothing():
    load_demo("--if-empty")
    counts = (User.objects.count(), Vehicle.objects.count(), Lead.objects.count(), Activity.objects.count())

    output = load_demo("--if-empty")

    assert "not loaded" in output
    assert (User.objects.count(), Vehicle.objects.count(), Lead.objects.count(), Activity.objects.count()) == counts


@pytest.mark.django_db
def test_load_demo_if_empty_leaves_a_database_with_another_organization_alone(riverside):
    output = load_demo("--if-empty")

    assert "not loaded" in output
    assert not Organization.objects.filter(name="Demo Auto Group").exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_demo_is_the_same_every_time():
    load_demo()
    first = list(Vehicle.objects.order_by("stock").values_list("stock", "vin", "price"))
    statuses = sorted(Lead.objects.values_list("status", flat=True))
    Lead.objects.all().delete()
    Vehicle.objects.all().delete()

    load_demo()

    assert list(Vehicle.objects.order_by("stock").values_list("stock", "vin", "price")) == first
    assert sorted(Lead.objects.values_list("status", flat=True)) == statuses


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_demo_leads_carry_conversations_that_were_really_sent_and_received():
    from conversations.channels.sms import dealership_number
    from conversations.models import Message

    output = load_demo()
    now = timezone.now()

    assert all(dealership_number(d) for d in Dealership.objects.all()), "the simulator and composer work at once"
    texts = Message.objects.select_related("conversation__lead")
    assert texts.count() >= 10
    assert f"{texts.count()} texts" in output
    assert {m.status for m in texts} >= {"received", "delivered", "failed"}
    assert all(m.created_at <= now for m in texts)
    assert all("cannot receive texts" in m.last_error for m in texts.filter(status="failed"))
    assert all(m.sent_by is not None for m in texts if m.direction == "out" and not m.automated)
    for lead in {m.conversation.lead for m in texts}:
        thread = list(lead.conversation.messages.all())
        number = {m.from_address if m.direction == "in" else m.to_address for m in thread}
        assert len(number) == 1, "a thread is with one customer number"
        assert lead.customer.phones.filter(number__in=number).exists()
    strangers = Lead.objects.filter(source_name="Text")
    assert strangers.count() == 2
    for lead in strangers:
        assert lead.customer.display_name == "Unknown"
        first = list(lead.conversation.messages.all())[:2]
        assert [(m.direction, m.automated) for m in first] == [("in", False), ("out", True)]
        assert "closed" in first[1].body
        human = lead.conversation.messages.filter(direction="out", automated=False).first()
        lead.refresh_from_db()
        assert lead.first_response_at == (human.created_at if human else None), "an automated reply is no reply"
