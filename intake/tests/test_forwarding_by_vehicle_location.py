"""Forwarding rules for vehicle locations: with the switch on at the rooftop a lead comes in to,
a lead for a vehicle stocked at another rooftop of the group is forwarded by that rooftop's rules
(CRM address, marketplace redirects, trade-in CC); with it off, by the receiving rooftop's own."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from conftest import make_lead
from intake.tests.forwarding_helpers import set_forwarding
from inventory.models import Vehicle
from leads.models import Activity
from notifications.models import OutboundEmail

OPEN = dt.datetime(2026, 3, 16, 15, 0, tzinfo=dt.UTC)
ACCORD = {"year": 2022, "make": "Honda", "model": "Accord", "vin": "1HGCM82633A004352"}


@pytest.fixture
def accord_at_lakeside(lakeside, erin):
    set_forwarding(
        lakeside,
        crm="leads@lakeside-dms.example",
        trade_in_cc="appraisals@lakeside.example",
        marketplaces=[{"source": "Cars.com", "email": "cars@lakeside.example"}],
    )
    return Vehicle.objects.create(dealership=lakeside, stock="L100", **ACCORD)


def sent(purpose: str) -> list[list[str]]:
    return [email.to for email in OutboundEmail.objects.filter(purpose=purpose).order_by("id")]


@time_machine.travel(OPEN, tick=False)
def test_with_the_switch_on_the_lead_goes_to_the_crm_of_the_rooftop_holding_the_vehicle(
    riverside, carol, accord_at_lakeside
):
    set_forwarding(riverside, crm="leads@riverside-dms.example", use_vehicle_location=True)

    lead = make_lead(riverside, vehicles=[ACCORD])

    assert lead.dealership == riverside  # distribution's own switch is off: the lead stays
    assert sent("adf_out") == [["leads@lakeside-dms.example"]]
    assert lead.activities.filter(
        kind=Activity.Kind.NOTE,
        text="Sent as ADF to the CRM address leads@lakeside-dms.example "
        "(rules of Lakeside Honda, which holds the vehicle)",
    ).exists()


@time_machine.travel(OPEN, tick=False)
def test_with_the_switch_off_the_receiving_rooftops_rules_apply(riverside, carol, accord_at_lakeside):
    set_forwarding(
        riverside,
        crm="leads@riverside-dms.example",
        marketplaces=[{"source": "Cars.com", "email": "cars@riverside.example"}],
    )

    make_lead(riverside, vehicles=[ACCORD])
    make_lead(riverside, vehicles=[ACCORD], source_name="Cars.com", customer={"first_name": "K", "emails": ["k@e.com"]})

    assert sent("adf_out") == [["leads@riverside-dms.example"]]
    assert sent("adf_marketplace") == [["cars@riverside.example"]]


@time_machine.travel(OPEN, tick=False)
def test_with_the_switch_on_the_vehicle_rooftops_marketplace_redirects_apply(riverside, carol, accord_at_lakeside):
    set_forwarding(
        riverside,
        crm="leads@riverside-dms.example",
        use_vehicle_location=True,
        marketplaces=[{"source": "Cars.com", "email": "cars@riverside.example"}],
    )

    make_lead(riverside, vehicles=[ACCORD], source_name="Cars.com")
    make_lead(riverside, source_name="Cars.com", customer={"first_name": "K", "emails": ["k@e.com"]})

    # The Accord's lead goes by Lakeside's redirect; the lead naming no stock by Riverside's own.
    assert sent("adf_marketplace") == [["cars@lakeside.example"], ["cars@riverside.example"]]
    assert sent("adf_out") == []


@time_machine.travel(OPEN, tick=False)
def test_a_trade_in_request_names_no_vehicle_so_it_goes_by_the_receiving_rooftops_address(
    riverside, carol, accord_at_lakeside
):
    set_forwarding(riverside, trade_in_cc="appraisals@riverside.example", use_vehicle_location=True)
    trade = {"year": 2015, "make": "Honda", "model": "Civic"}

    make_lead(riverside, trades=[trade])
    make_lead(riverside, vehicles=[ACCORD], trades=[trade], customer={"first_name": "K", "emails": ["k@e.com"]})

    # The second lead wants the Accord: a purchase with a trade, not a trade-in request.
    assert sent("trade_in_cc") == [["appraisals@riverside.example"]]
    assert sent("adf_out") == [["leads@lakeside-dms.example"]]
