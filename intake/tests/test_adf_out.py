"""ADF out: each new lead goes to the dealership's CRM as an ADF 1.0 email, with a relay address
instead of the customer's real one and a link back to the lead."""

from __future__ import annotations

from django.conf import settings
from django.test import Client

from accounts.models import ApiToken
from conftest import make_lead
from intake.actions import process_held, settings_for, store_inbound
from intake.adf import parse_adf
from intake.adf_out import lead_to_adf, relay_address
from intake.models import InboundEmail
from intake.tests.conftest import adf
from notifications.models import OutboundEmail


def test_the_generated_adf_parses_back_with_our_own_parser(riverside, carol):
    lead = make_lead(
        riverside,
        assigned_to=carol,
        vehicles=[
            {
                "year": 2016,
                "make": "RAM",
                "model": "2500",
                "vin": "3C6UR5ML5GG359865",
                "stock": "D9760",
                "price": "34995",
            }
        ],
        trades=[{"year": 2012, "make": "Honda", "model": "Civic", "odometer": 120000}],
        comments="Wants a call after 5pm",
    )

    [prospect] = [p.to_dict() for p in parse_adf(lead_to_adf(lead))]

    assert prospect["customer"]["first_name"] == "Jordan"
    assert prospect["customer"]["last_name"] == "Sample"
    assert prospect["customer"]["phones"][0]["number"] == "+15125550100"
    [vehicle] = prospect["vehicles"]
    assert (vehicle["year"], vehicle["make"], vehicle["model"], vehicle["stock"]) == (2016, "RAM", "2500", "D9760")
    assert vehicle["vin"] == "3C6UR5ML5GG359865"
    [trade] = prospect["trades"]
    assert (trade["make"], trade["model"], trade["odometer"]) == ("Honda", "Civic", 120000)
    assert {"source": "Forecourt", "value": str(lead.pk)} in prospect["ids"]


def test_the_customers_real_email_is_replaced_by_a_per_lead_relay_address(riverside):
    lead = make_lead(riverside)

    document = lead_to_adf(lead)
    [prospect] = [p.to_dict() for p in parse_adf(document)]

    assert "jordan@example.com" not in document
    assert prospect["customer"]["emails"] == [relay_address(lead)]
    token = relay_address(lead).split("@")[0].removeprefix("lead-")
    assert len(token) * 4 >= 128  # hex digits: at least 128 random bits, nothing that counts leads
    assert relay_address(lead).endswith("@" + settings.RELAY_DOMAIN)


def test_the_comments_link_back_to_the_lead(riverside):
    lead = make_lead(riverside, comments="Trade-in & payoff <about $3,000>")

    [prospect] = [p.to_dict() for p in parse_adf(lead_to_adf(lead))]

    assert "Trade-in & payoff <about $3,000>" in prospect["comments"]
    assert f"{settings.BASE_URL}/leads/{lead.pk}/" in prospect["comments"]


def test_markup_and_control_characters_in_names_are_escaped_into_valid_xml(riverside):
    lead = make_lead(
        riverside,
        customer={"first_name": 'Jo "<b>"', "last_name": "O'Neil & Sons\x07", "emails": ["jo@example.com"]},
    )

    [prospect] = [p.to_dict() for p in parse_adf(lead_to_adf(lead))]

    assert prospect["customer"]["first_name"] == 'Jo "<b>"'
    assert prospect["customer"]["last_name"] == "O'Neil & Sons"


def test_a_new_lead_is_sent_to_the_crm_address_through_the_worker(riverside):
    config = settings_for(riverside)
    config.crm_email = "leads@dms.example.com"
    config.save()

    inbound = store_inbound(dealership=riverside, raw=adf().encode(), channel=InboundEmail.Channel.SMTP, hold=True)
    [lead] = process_held(inbound).leads

    sent = OutboundEmail.objects.get(purpose="adf_out")
    assert sent.to == ["leads@dms.example.com"]
    assert sent.status == OutboundEmail.Status.PENDING
    assert "jordan.sample@example.com" not in sent.body
    [prospect] = [p.to_dict() for p in parse_adf(sent.body)]
    assert prospect["customer"]["emails"] == [relay_address(lead)]


def test_without_a_crm_address_nothing_is_sent(riverside):
    inbound = store_inbound(dealership=riverside, raw=adf().encode(), channel=InboundEmail.Channel.SMTP, hold=True)
    process_held(inbound)

    assert not OutboundEmail.objects.filter(purpose="adf_out").exists()


def test_a_lead_entered_through_the_api_goes_to_the_crm_too_and_an_import_does_not(riverside, bob):
    config = settings_for(riverside)
    config.crm_email = "leads@dms.example.com"
    config.save()

    _, token = ApiToken.issue(user=bob, scope=ApiToken.Scope.FULL)
    created = Client(headers={"Authorization": f"Bearer {token}"}).post(
        "/api/v1/leads",
        {
            "dealership": "riverside-toyota",
            "customer": {"first_name": "Casey", "last_name": "Walkin", "emails": ["casey@example.com"]},
            "source": "Walk-in",
            "vehicles": [{"year": 2016, "make": "RAM", "model": "2500"}],
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    make_lead(riverside, bulk=True)  # as a CSV import makes them

    [sent] = OutboundEmail.objects.filter(purpose="adf_out")
    assert sent.to == ["leads@dms.example.com"]
    [prospect] = [p.to_dict() for p in parse_adf(sent.body)]
    assert prospect["customer"]["last_name"] == "Walkin"
    assert prospect["vehicles"][0]["model"] == "2500"
    assert f"/leads/{created.json()['id']}/" in prospect["comments"]
