"""STOP ends texting to a customer from every number of the organisation, once confirmed; START
brings it back; HELP answers with the dealership's name and phone; a send after an opt-out is
refused with why and since when, and a text queued before it never goes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_lead
from conversations.actions import invite_customer, send_message
from conversations.channels import CannotSend
from conversations.consent import OptedOut, consent_now, record_consent
from conversations.inbound import receive_text
from conversations.models import ConsentChange, Message
from distribution.tests.test_races import in_threads
from escalations.tests.support import at, chicago, run_worker_at
from leads.models import Activity

pytestmark = pytest.mark.django_db(transaction=True)
RIVERSIDE_NUMBER = "+15125550199"
LAKESIDE_NUMBER = "+13035550199"
JORDAN = "+15125550100"
MONDAY_1042 = chicago(2026, 3, 16, 10, 42)
UNSUBSCRIBED = "You're unsubscribed from Riverside Toyota texts. Reply START to resubscribe."


@pytest.fixture
def lead(texting, carol):
    texting.main_phone = "+15125550111"
    texting.save()
    with at(MONDAY_1042 - timedelta(hours=1)):
        return make_lead(texting, assigned_to=carol)


@pytest.fixture
def lakeside_lead(lakeside, erin, lead):
    lakeside.leads_phone = LAKESIDE_NUMBER
    lakeside.save()
    with at(MONDAY_1042 - timedelta(minutes=30)):
        return make_lead(lakeside, assigned_to=erin)


def text(body: str, sid: str, *, to: str = RIVERSIDE_NUMBER, when=MONDAY_1042):
    with at(when):
        return receive_text(to_number=to, from_number=JORDAN, body=body, provider_id=sid)


def sent_bodies(twilio) -> list[str]:
    return [r["form"]["Body"][0] for r in twilio.requests]


def test_stop_on_one_rooftops_thread_stops_texts_from_the_sister_rooftop(lead, lakeside_lead, erin, carol):
    assert lakeside_lead.customer == lead.customer  # one customer, shared by the group's rooftops

    text("STOP", "SM1")

    for who, their_lead, zone_time in ((erin, lakeside_lead, "9:42 AM"), (carol, lead, "10:42 AM")):
        with at(MONDAY_1042 + timedelta(minutes=5)), pytest.raises(OptedOut) as refused:
            send_message(lead=their_lead, channel="sms", body="Still interested?", actor=who)
        assert str(refused.value) == f"Jordan Sample opted out of texts on Mon Mar 16, {zone_time} (replied STOP)."
        assert refused.value.code == "opted_out"
        assert isinstance(refused.value, CannotSend)
        assert refused.value.since == MONDAY_1042
    assert not Message.objects.filter(direction="out", sent_by__isnull=False).exists()


def test_a_text_queued_before_the_stop_is_never_sent_and_says_why(lead, carol, twilio):
    with at(MONDAY_1042 - timedelta(minutes=2)):
        queued = send_message(lead=lead, channel="sms", body="Want to come in today?", actor=carol)

    text("Stop.", "SM1")
    run_worker_at(MONDAY_1042 + timedelta(seconds=5))

    queued.refresh_from_db()
    assert queued.status == Message.Status.FAILED
    assert queued.last_error == "Jordan Sample opted out of texts on Mon Mar 16, 10:42 AM (replied STOP)."
    assert sent_bodies(twilio) == [UNSUBSCRIBED]


def test_one_confirmation_is_sent_for_an_opt_out_and_then_nothing(lead, twilio):
    text("STOP", "SM1")
    text("stop!!!", "SM2", when=MONDAY_1042 + timedelta(minutes=1))
    text("please stop texting me", "SM3", when=MONDAY_1042 + timedelta(minutes=2))
    run_worker_at(MONDAY_1042 + timedelta(minutes=3))

    assert sent_bodies(twilio) == [UNSUBSCRIBED]
    request = twilio.requests[0]["form"]
    assert (request["From"], request["To"]) == ([RIVERSIDE_NUMBER], [JORDAN])
    assert list(ConsentChange.objects.values_list("state", "source", "text")) == [("opted_out", "keyword", "STOP")]
    confirmation = Message.objects.get(direction="out")
    assert confirmation.automated
    assert confirmation.sent_by is None
    lead.refresh_from_db()
    assert lead.first_response_at is None  # an automated confirmation is nobody's reply


def test_two_stops_at_the_same_moment_record_one_opt_out_and_one_confirmation(lead):
    with at(MONDAY_1042):
        in_threads(
            2, lambda i: receive_text(to_number=RIVERSIDE_NUMBER, from_number=JORDAN, body="STOP", provider_id=f"SM{i}")
        )
    assert ConsentChange.objects.count() == 1
    assert Message.objects.filter(direction="out").count() == 1


def test_help_answers_with_the_dealerships_name_and_main_phone_even_at_night(lead, twilio):
    late = chicago(2026, 3, 16, 23, 30)
    text("help", "SM1", when=late)
    run_worker_at(late + timedelta(seconds=5))

    assert sent_bodies(twilio) == ["Riverside Toyota: text STOP to opt out. Call (512) 555-0111."]
    assert not ConsentChange.objects.exists()
    lead.refresh_from_db()
    assert lead.first_response_at is None


def test_help_from_a_customer_who_opted_out_gets_no_answer(lead, twilio):
    text("STOP", "SM1")
    text("HELP", "SM2", when=MONDAY_1042 + timedelta(minutes=1))
    run_worker_at(MONDAY_1042 + timedelta(minutes=2))
    assert sent_bodies(twilio) == [UNSUBSCRIBED]


def test_start_opts_back_in_and_texts_flow_again(lead, carol, twilio):
    text("STOP", "SM1")
    text("START", "SM2", when=MONDAY_1042 + timedelta(minutes=10))

    with at(MONDAY_1042 + timedelta(minutes=11)):
        send_message(lead=lead, channel="sms", body="Welcome back, Jordan!", actor=carol)
    run_worker_at(MONDAY_1042 + timedelta(minutes=12))

    assert sent_bodies(twilio) == [
        UNSUBSCRIBED,
        "You're resubscribed to Riverside Toyota texts. Reply STOP to opt out, HELP for help.",
        "Welcome back, Jordan!",
    ]
    assert consent_now(lead.customer, "sms")[:2] == ("opted_in", MONDAY_1042 + timedelta(minutes=10))


def test_yes_opts_back_in_only_a_customer_who_opted_out(lead):
    text("Yes", "SM1")
    assert consent_now(lead.customer, "sms")[0] == "unknown"
    assert not Message.objects.filter(direction="out").exists()

    text("STOP", "SM2", when=MONDAY_1042 + timedelta(minutes=1))
    text("YES!", "SM3", when=MONDAY_1042 + timedelta(minutes=2))
    assert list(ConsentChange.objects.values_list("state", "text")) == [("opted_out", "STOP"), ("opted_in", "YES!")]


def test_a_revocation_in_plain_words_opts_out_and_is_flagged_on_the_lead(lead, carol):
    text("please stop texting me", "SM1")

    change = ConsentChange.objects.get()
    assert (change.state, change.source, change.text, change.lead) == (
        "opted_out",
        "language",
        "please stop texting me",
        lead,
    )
    assert lead.activities.filter(kind=Activity.Kind.CUSTOMER).last().text == (
        "Jordan asked not to be texted: 'please stop texting me'"
    )
    with at(MONDAY_1042 + timedelta(minutes=5)), pytest.raises(OptedOut, match=r'\(wrote "please stop texting me"\)'):
        send_message(lead=lead, channel="sms", body="Sorry to hear that!", actor=carol)


def test_dealership_talk_changes_no_consent(lead):
    text("Can I stop by tomorrow at 5?", "SM1")
    assert not ConsentChange.objects.exists()
    assert consent_now(lead.customer, "sms") == ("unknown", None, "")


def test_staff_can_record_that_a_customer_opted_back_in_by_phone(lead, carol, bob):
    text("STOP", "SM1")
    with at(MONDAY_1042 + timedelta(days=1)):
        record_consent(
            customer=lead.customer,
            channel="sms",
            state="opted_in",
            source="staff",
            text="opted in by phone on 17 Mar",
            actor=bob,
            lead=lead,
        )
        message = send_message(lead=lead, channel="sms", body="Thanks for calling, Jordan!", actor=carol)

    assert message.status == Message.Status.QUEUED
    assert lead.activities.last().text == (
        'Jordan opted in to texts (recorded by Bob Manager: "opted in by phone on 17 Mar")'
    )
    assert list(ConsentChange.objects.values_list("source", flat=True)) == ["keyword", "staff"]


@pytest.mark.parametrize(
    ("field", "value"), [("channel", "pigeon"), ("state", "maybe"), ("source", "rumour"), ("actor", None)]
)
def test_a_consent_change_with_bad_values_is_refused_and_records_nothing(lead, bob, field, value):
    change = {"channel": "sms", "state": "opted_out", "source": "staff", "text": "asked in person", "actor": bob}
    with pytest.raises(ValueError, match=r"must be one of|needs the person"):
        record_consent(customer=lead.customer, **{**change, field: value})
    assert not ConsentChange.objects.exists()


@pytest.mark.parametrize(
    ("source", "words", "why"),
    [
        ("staff", "asked in person", '(recorded by Bob Manager: "asked in person")'),
        ("api", "", "(recorded through the API by Bob Manager)"),
        ("import", "DNC list 2026-03", '(imported: "DNC list 2026-03")'),
    ],
)
def test_a_refusal_says_who_recorded_the_opt_out(lead, carol, bob, source, words, why):
    with at(MONDAY_1042):
        record_consent(customer=lead.customer, channel="sms", state="opted_out", source=source, text=words, actor=bob)
    with at(MONDAY_1042 + timedelta(hours=1)), pytest.raises(OptedOut) as refused:
        send_message(lead=lead, channel="sms", body="Hi Jordan", actor=carol)
    assert str(refused.value) == f"Jordan Sample opted out of texts on Mon Mar 16, 10:42 AM {why}."
    assert not lead.activities.filter(data__has_key="consent").exists()  # no lead was named


def test_a_stop_from_a_number_with_no_lead_is_still_honoured(texting, carol):
    with at(MONDAY_1042):
        received = receive_text(to_number=RIVERSIDE_NUMBER, from_number="+15125550177", body="STOP", provider_id="SM1")
    assert consent_now(received.lead.customer, "sms")[0] == "opted_out"
    assert Message.objects.filter(direction="out").get().body == UNSUBSCRIBED


def test_inviting_a_customer_who_opted_out_is_refused_and_stores_nothing(lead, carol):
    text("STOP", "SM1")
    messages_before = Message.objects.count()
    with at(MONDAY_1042 + timedelta(minutes=5)), pytest.raises(OptedOut):
        invite_customer(dealership=lead.dealership, phone="(512) 555-0100", body="Hi again!", actor=carol)
    assert Message.objects.count() == messages_before
