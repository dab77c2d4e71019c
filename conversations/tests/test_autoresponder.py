"""Each rooftop's autoresponder: the customer of a lead from a third party hears from the rooftop
the lead ended up at, once, by email through the relay (a real SMTP server) and by text through
the fake Twilio (a real HTTP server), within consent and quiet hours; it is never a human reply."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, Membership, User
from conftest import make_lead
from conversations.actions import lead_for_number
from conversations.autoresponder import respond_to_new_lead
from conversations.consent import record_consent
from conversations.models import Autoresponse, Message
from dealerships.models import Dealership
from distribution.tests.conftest import set_policy
from escalations.tests.support import at, chicago, run_worker_at
from forecourt.testing import FakeTwilio, SmtpSink, running_smtpd, wait_until
from intake.tests.conftest import adf, intake_address, lead_email
from inventory.models import Vehicle
from leads import actions as lead_actions
from leads.models import Activity, Customer, Lead
from relay.addresses import relay_address_of
from relay.models import BouncedAddress

pytestmark = pytest.mark.django_db(transaction=True)
MONDAY_10 = chicago(2026, 3, 9, 10, 0)
MONDAY_2230 = chicago(2026, 3, 9, 22, 30)
ADF_URL = "/api/v1/dealerships/riverside-toyota/adf"
RIVERSIDE_REPLY = {
    "email_subject": "Your {vehicle} at {dealership}",
    "email_body": "Hi {first_name},\nthanks for asking about the {vehicle}. {salesperson} will call you shortly.",
    "sms": "Hi {first_name}, {salesperson} from {dealership} here: got your request for the {vehicle}!",
}


@pytest.fixture
def sink(settings: Any) -> Iterator[SmtpSink]:
    server = SmtpSink().start()
    settings.SMTP_URL = server.url
    yield server
    server.stop()


@pytest.fixture
def replying(riverside: Dealership, alice: User, bob: User, carol: User, dave: User) -> Dealership:
    """Riverside answers new leads; Carol alone receives them; names read "Carol S."."""
    riverside.autoresponder = dict(RIVERSIDE_REPLY)
    riverside.email_from_name = "Riverside Toyota Sales"
    riverside.leads_phone = "+15125550199"
    riverside.staff_names = "first_initial"
    riverside.save()
    Membership.objects.filter(dealership=riverside).exclude(user=carol).update(receives_leads=False)
    return riverside


def post_adf(user: User, body: str) -> Any:
    token = ApiToken.issue(user=user, scope=ApiToken.Scope.INTAKE)[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})
    return client.post(ADF_URL, body, content_type="application/xml")


def to_customers(sink: SmtpSink) -> list[Any]:
    """What reached customers (staff get their new-lead alerts through the same server)."""
    return [m for m in sink.messages if not User.objects.filter(email=str(m["To"])).exists()]


def texts(twilio: FakeTwilio) -> list[tuple[str, str]]:
    return [(r["form"]["To"][0], r["form"]["Body"][0]) for r in twilio.requests]  # type: ignore[index]


def opted_in_customer(dealership: Dealership, phone: str = "+15125550100") -> None:
    """Jordan, known already, who agreed to texts."""
    customer = lead_actions.create_customer(
        organization=dealership.organization,
        data={"first_name": "Jordan", "last_name": "Sample", "phones": [{"number": phone, "type": "cellphone"}]},
        country="US",
    )
    record_consent(customer=customer, channel="sms", state="opted_in", source="import", text="web form", actor=None)


def test_an_adf_lead_gets_the_rooftops_email_through_its_reply_address_named_by_the_assignee(
    replying, alice, carol, sink, twilio
):
    with at(MONDAY_10):
        assert post_adf(alice, adf()).status_code == 201
    lead = Lead.objects.get()
    assert lead.assigned_to == carol
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    [mail] = to_customers(sink)
    assert mail["From"].addresses[0].display_name == "Carol S. at Riverside Toyota Sales"
    assert mail["From"].addresses[0].addr_spec == relay_address_of(lead).address  # the answer lands in the thread
    assert mail["Subject"] == "Your 2016 RAM 2500 at Riverside Toyota"
    body = mail.get_body().get_content().replace("\r\n", "\n").strip()
    assert body == "Hi Jordan,\nthanks for asking about the 2016 RAM 2500. Carol S. will call you shortly."
    assert mail["Auto-Submitted"] == "auto-generated"
    # Automatic: shown so in the thread, and the clock runs on for the salesperson's own answer.
    message = Message.objects.get(channel="email")
    assert (message.automated, message.sent_by, message.status) == (True, None, Message.Status.SENT)
    assert message.note == "Autoresponder of Riverside Toyota"
    lead.refresh_from_db()
    assert lead.first_response_at is None
    # No consent to texts on record: no text, and the timeline says why.
    assert texts(twilio) == []
    [why] = lead.activities.filter(kind=Activity.Kind.NOTE, data__autoresponder="sms")
    assert "has not agreed to texts" in why.text


def test_a_resend_of_a_lead_already_held_gets_nothing_more(replying, alice, sink):
    with at(MONDAY_10):
        post_adf(alice, adf())
        second = post_adf(alice, adf(status="resend"))
    assert second.status_code == 200
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert [m["To"] for m in to_customers(sink)] == ["jordan.sample@example.com"]
    assert Autoresponse.objects.filter(channel="email").count() == 1


def test_a_customer_who_agreed_to_texts_gets_the_text_from_the_leads_number(replying, alice, twilio, sink):
    opted_in_customer(replying)
    with at(MONDAY_10):
        post_adf(alice, adf())
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert texts(twilio) == [
        ("+15125550100", "Hi Jordan, Carol S. from Riverside Toyota here: got your request for the 2016 RAM 2500!")
    ]
    assert twilio.requests[0]["form"]["From"] == ["+15125550199"]


def test_a_text_at_night_waits_for_the_end_of_quiet_hours(replying, alice, twilio, sink):
    opted_in_customer(replying)
    with at(MONDAY_2230):
        post_adf(alice, adf())
    run_worker_at(MONDAY_2230 + timedelta(minutes=5))
    assert texts(twilio) == []
    assert Message.objects.get(channel="sms").status == Message.Status.HELD

    run_worker_at(chicago(2026, 3, 10, 8, 1))
    assert [to for to, _ in texts(twilio)] == ["+15125550100"]


def test_a_customer_who_opted_out_of_texts_gets_no_text(replying, alice, twilio, sink):
    opted_in_customer(replying)
    customer = Customer.objects.get()
    record_consent(customer=customer, channel="sms", state="opted_out", source="import", text="STOP", actor=None)
    with at(MONDAY_10):
        post_adf(alice, adf())
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert texts(twilio) == []
    assert not Message.objects.filter(channel="sms").exists()
    assert "opted out of texts" in Autoresponse.objects.get(channel="sms").reason


def test_with_emails_turned_off_no_email_reaches_the_customer_and_staff_see_why(replying, alice, sink):
    replying.send_emails = False
    replying.save()
    with at(MONDAY_10):
        post_adf(alice, adf())
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert to_customers(sink) == []
    lead = Lead.objects.get()
    [note] = lead.activities.filter(data__autoresponder="email")
    assert note.text == (
        "Autoresponder email of Riverside Toyota not sent: "
        "Riverside Toyota does not send emails to customers (dealership settings, email)."
    )


def test_a_bounced_address_is_passed_over_for_one_that_works(replying, alice, sink):
    opted_in_customer(replying)
    customer = Customer.objects.get()
    customer.emails.create(email="old@example.com")
    customer.emails.create(email="jordan.sample@example.com")
    BouncedAddress.objects.create(customer=customer, email="old@example.com", reason="550 no such user")
    with at(MONDAY_10):
        post_adf(alice, adf())
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert [m["To"] for m in to_customers(sink)] == ["jordan.sample@example.com"]


def test_the_rooftop_holding_the_vehicle_answers_a_lead_moved_there(replying, lakeside, alice, erin, sink):
    lakeside.autoresponder = {"email_subject": "Lakeside Honda got your request", "email_body": "{salesperson} here."}
    lakeside.email_from_name = "Lakeside Honda"
    lakeside.save()
    Vehicle.objects.create(
        dealership=lakeside, stock="L100", vin="1HGCM82633A004352", make="Honda", model="Accord", year=2022
    )
    Membership.objects.filter(user=erin).update(receives_leads=True)
    set_policy(replying, {"sales": {"method": "round_robin", "use_vehicle_location": True}})
    with at(MONDAY_10):
        post_adf(alice, adf(vehicle=("2022", "Honda", "Accord", "L100")))
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    lead = Lead.objects.get()
    assert (lead.dealership, lead.assigned_to) == (lakeside, erin)
    [mail] = to_customers(sink)
    assert mail["Subject"] == "Lakeside Honda got your request"
    assert mail["From"].addresses[0].display_name == "Erin Admin at Lakeside Honda"  # Lakeside shows full names
    assert mail.get_body().get_content().strip() == "Erin Admin here."
    assert Autoresponse.objects.get().dealership == lakeside


def test_an_api_lead_without_an_assignee_is_answered_but_one_for_someone_or_from_a_visit_is_not(
    replying, alice, carol, sink
):
    token = ApiToken.issue(user=alice)[1]
    client = Client(headers={"Authorization": f"Bearer {token}"})

    def post(email: str, **extra: Any) -> int:
        lead = {"dealership": "riverside-toyota", "source": "AutoTrader", **extra}
        lead["customer"] = {"first_name": "Kim", "last_name": "Lee", "emails": [email]}
        return client.post("/api/v1/leads", lead, content_type="application/json").status_code

    with at(MONDAY_10):
        assert post("kim@example.com") == 201
        assert post("lou@example.com", assigned_to="carol@example.com") == 201
        assert post("max@example.com", source={"name": "Showroom", "kind": "walk_in"}) == 201
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert [m["To"] for m in to_customers(sink)] == ["kim@example.com"]


def test_leads_the_customer_made_or_staff_entered_get_no_autoresponse(replying, carol, sink):
    with at(MONDAY_10):
        with transaction.atomic():
            lead_for_number(dealership=replying, number="+15125550177")  # a text from an unknown number
        make_lead(replying, customer={"first_name": "Walk", "emails": ["walk@example.com"]}, source_name="Walk-in")
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert to_customers(sink) == []
    assert not Autoresponse.objects.exists()


def test_an_empty_text_turns_the_text_off_and_leaves_the_email_on(replying, alice, twilio, sink):
    replying.autoresponder = {key: text for key, text in RIVERSIDE_REPLY.items() if key != "sms"}
    replying.save()
    opted_in_customer(replying)
    with at(MONDAY_10):
        post_adf(alice, adf())
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert texts(twilio) == []
    assert [m["To"] for m in to_customers(sink)] == ["jordan.sample@example.com"]
    assert list(Autoresponse.objects.values_list("channel", flat=True)) == ["email"]


@pytest.mark.slow
def test_an_adf_email_to_the_intake_address_is_answered_from_the_leads_reply_address(replying, alice, sink):
    with running_smtpd() as port:
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.sendmail("leads@cargurus.com", [intake_address()], lead_email())
        assert wait_until(lambda: Autoresponse.objects.exists(), timeout=30)
    run_worker_at(timezone.now())

    [mail] = to_customers(sink)
    assert mail["From"].addresses[0].addr_spec == relay_address_of(Lead.objects.get()).address
    assert mail["Subject"] == "Your 2016 RAM 2500 at Riverside Toyota"


def test_a_rooftop_in_tracking_mode_never_answers_for_the_other_crm(replying, alice, sink, twilio):
    opted_in_customer(replying)
    replying.mode = "tracking"
    replying.save(update_fields=["mode"])
    with at(MONDAY_10):
        assert post_adf(alice, adf()).status_code == 201
    lead = Lead.objects.get()
    # Vehicle location may move a lead of a managed rooftop: the rule sits in the autoresponder itself.
    assert respond_to_new_lead(lead=lead) == []
    run_worker_at(MONDAY_10 + timedelta(seconds=5))

    assert to_customers(sink) == []
    assert texts(twilio) == []
    assert not Autoresponse.objects.exists()
