"""Marketplace redirects: a listed marketplace's leads go straight to a set person (outside the
distribution rules, unless that person cannot take them) or as ADF to a set address instead of
the CRM, while Forecourt still distributes them."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from accounts.actions import deactivate_user
from accounts.models import Membership
from conftest import make_lead
from escalations.models import LeadSla
from intake.actions import process_held, store_inbound
from intake.adf import parse_adf
from intake.models import InboundEmail
from intake.tests.conftest import adf
from intake.tests.forwarding_helpers import set_forwarding
from leads.models import Activity
from notifications.models import Notification, OutboundEmail

# Monday 16 March 2026, 10:00 in Austin: Riverside is open.
OPEN = dt.datetime(2026, 3, 16, 15, 0, tzinfo=dt.UTC)


def assignment(lead):
    return lead.activities.get(kind=Activity.Kind.ASSIGNED).text


@pytest.fixture
def team(riverside, alice, bob, carol, dave):
    # Only the salespeople take turns, so that "normal distribution" has a known answer.
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    return [carol, dave]


@time_machine.travel(OPEN, tick=False)
def test_a_cars_com_email_lead_goes_straight_to_the_person_set_for_cars_com(riverside, team, dave):
    set_forwarding(riverside, marketplaces=[{"source": "cars.com", "user": "dave@example.com"}])

    inbound = store_inbound(
        dealership=riverside, raw=adf(provider="Cars.com Inc.").encode(), channel=InboundEmail.Channel.SMTP, hold=True
    )
    [lead] = process_held(inbound).leads

    lead.refresh_from_db()
    assert lead.source_name == "Cars.com"
    assert lead.assigned_to == dave
    assert assignment(lead) == "Assigned to Dave Seller: marketplace redirect for Cars.com to Dave Seller"
    assert Notification.objects.filter(user=dave, lead=lead, kind="new_lead").exists()
    assert LeadSla.objects.get(lead=lead).stage1_due_at is not None


@time_machine.travel(OPEN, tick=False)
def test_leads_of_other_sources_are_distributed_as_before(riverside, team, carol, dave):
    set_forwarding(riverside, marketplaces=[{"source": "Cars.com", "user": "dave@example.com"}])

    first = make_lead(riverside, source_name="CarGurus")
    second = make_lead(riverside, source_name="AutoTrader", customer={"first_name": "Kim", "emails": ["k@example.com"]})

    assert {first.assigned_to, second.assigned_to} == {carol, dave}
    assert "round robin" in assignment(first)


@time_machine.travel(OPEN, tick=False)
def test_a_redirect_to_someone_absent_falls_back_to_distribution_and_says_why(riverside, team, carol, dave):
    Membership.objects.filter(user=dave).update(absent_from=dt.date(2026, 3, 10), absent_until=dt.date(2026, 3, 28))
    set_forwarding(riverside, marketplaces=[{"source": "Cars.com", "user": "dave@example.com"}])

    lead = make_lead(riverside, source_name="Cars.com")

    assert lead.assigned_to == carol
    assert assignment(lead).startswith(
        "Assigned to Carol Seller: marketplace redirect for Cars.com: Dave Seller absent until 28 Mar; then round robin"
    )


@time_machine.travel(OPEN, tick=False)
def test_a_redirect_to_someone_deactivated_or_not_receiving_leads_falls_back(riverside, team, alice, carol, dave):
    set_forwarding(riverside, marketplaces=[{"source": "Cars.com", "user": "dave@example.com"}])
    Membership.objects.filter(user=dave).update(receives_leads=False)

    quiet = make_lead(riverside, source_name="Cars.com")
    deactivate_user(user=dave, actor=alice)
    gone = make_lead(riverside, source_name="Cars.com", customer={"first_name": "Kim", "emails": ["k@example.com"]})

    assert quiet.assigned_to == carol
    assert "marketplace redirect for Cars.com: Dave Seller not receiving leads; then round robin" in assignment(quiet)
    assert gone.assigned_to == carol
    assert "marketplace redirect for Cars.com: Dave Seller deactivated; then round robin" in assignment(gone)


@time_machine.travel(OPEN, tick=False)
def test_a_lead_entered_with_an_assignee_keeps_them(riverside, team, carol):
    set_forwarding(riverside, marketplaces=[{"source": "Cars.com", "user": "dave@example.com"}])

    lead = make_lead(riverside, source_name="Cars.com", assigned_to=carol)

    assert lead.assigned_to == carol


@time_machine.travel(OPEN, tick=False)
def test_an_address_redirect_sends_the_adf_there_instead_of_the_crm_and_the_lead_is_still_distributed(
    riverside, team, carol, dave
):
    set_forwarding(
        riverside,
        crm="leads@dms.example.com",
        marketplaces=[{"source": "CarGurus", "email": "BDC@agency.example"}],
    )

    redirected = make_lead(riverside, source_name="CarGurus")
    plain = make_lead(riverside, source_name="Website", customer={"first_name": "Kim", "emails": ["k@example.com"]})

    [to_agency] = OutboundEmail.objects.filter(purpose="adf_marketplace")
    assert to_agency.to == ["bdc@agency.example"]
    [prospect] = [p.to_dict() for p in parse_adf(to_agency.body)]
    assert prospect["customer"]["last_name"] == "Sample"
    [to_crm] = OutboundEmail.objects.filter(purpose="adf_out")
    assert to_crm.to == ["leads@dms.example.com"]
    assert "Kim" in to_crm.subject
    assert redirected.assigned_to in (carol, dave)
    assert redirected.activities.filter(
        kind=Activity.Kind.NOTE, text="Sent as ADF to bdc@agency.example: marketplace redirect for CarGurus"
    ).exists()
    assert plain.assigned_to in (carol, dave)


@time_machine.travel(OPEN, tick=False)
def test_a_redirect_to_a_person_still_sends_the_crm_its_copy(riverside, team, dave):
    set_forwarding(
        riverside, crm="leads@dms.example.com", marketplaces=[{"source": "Cars.com", "user": "dave@example.com"}]
    )

    make_lead(riverside, source_name="Cars.com")

    assert OutboundEmail.objects.get(purpose="adf_out").to == ["leads@dms.example.com"]


@time_machine.travel(OPEN, tick=False)
def test_a_rooftop_in_tracking_mode_forwards_its_marketplace_leads_but_assigns_them_to_nobody(riverside, team, dave):
    riverside.mode = "tracking"
    riverside.save(update_fields=["mode"])
    set_forwarding(
        riverside,
        marketplaces=[
            {"source": "Cars.com", "user": "dave@example.com"},
            {"source": "AutoTrader", "email": "autotrader-desk@example.com"},
        ],
    )

    redirected = make_lead(riverside, source_name="Cars.com")
    forwarded = make_lead(riverside, source_name="AutoTrader", customer={"first_name": "Kim", "emails": ["k@x.com"]})

    redirected.refresh_from_db()
    assert redirected.assigned_to is None
    assert not Notification.objects.filter(user=dave).exists()
    assert OutboundEmail.objects.filter(
        to=["autotrader-desk@example.com"], subject__contains=str(forwarded.pk)
    ).exists()
