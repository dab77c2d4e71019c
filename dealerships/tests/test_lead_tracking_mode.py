"""Lead tracking mode: a rooftop running Forecourt read-only beside another CRM. Leads come in
through every door, are kept, shown and sent on to the CRM, but nobody is assigned, no clock,
follow-up or alert starts, and Forecourt says nothing to customers but what carriers require."""

from __future__ import annotations

import pytest
import time_machine

from accounts.models import ApiToken
from api.tests.conftest import ApiClient
from conftest import make_lead, make_user
from conversations.inbound import receive_text
from conversations.models import ConsentChange, Message
from distribution.models import Offer
from distribution.tests.conftest import OPEN
from escalations.models import LeadSla, Timer
from followups.models import FollowUp
from intake.models import IntakeSettings
from intake.tests.conftest import adf
from leads.models import Lead
from notifications.models import Notification, OutboundEmail, OutboundText

pytestmark = pytest.mark.django_db
DEALERSHIP_NUMBER = "+15125550199"


@pytest.fixture
def tracking(riverside):
    """Riverside Toyota tracks its leads here and works them in its own CRM, which gets each as ADF."""
    riverside.mode = "tracking"
    riverside.leads_phone = DEALERSHIP_NUMBER
    riverside.after_hours_sms = "Thanks! We're closed and will reply when we open."
    riverside.save()
    IntakeSettings.objects.create(dealership=riverside, crm_email="leads@crm.example")
    return riverside


def api(user, scope=ApiToken.Scope.FULL) -> ApiClient:
    return ApiClient(ApiToken.issue(user=user, scope=scope)[1])


def nothing_set_to_work(lead: Lead) -> None:
    """Nobody assigned or offered it, no clock or timer, no follow-up, nobody told."""
    lead.refresh_from_db()
    assert lead.assigned_to is None
    assert not Offer.objects.filter(lead=lead).exists()
    assert LeadSla.objects.get(lead=lead).state == LeadSla.State.NONE
    assert not Timer.objects.filter(lead=lead).exists()
    assert not FollowUp.objects.filter(lead=lead).exists()
    assert not Notification.objects.filter(lead=lead).exists()
    assert not OutboundText.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_an_adf_lead_is_kept_and_sent_to_the_crm_but_nobody_is_assigned_clocked_or_told(tracking, alice, bob, carol):
    response = api(alice, ApiToken.Scope.INTAKE).post(f"/dealerships/{tracking.slug}/adf", raw=adf().encode())

    assert response.status_code == 201
    lead = Lead.objects.get(pk=response.json()["leads"][0]["id"])
    assert (lead.dealership, lead.source_name, lead.customer.display_name) == (tracking, "CarGurus", "Jordan Sample")
    nothing_set_to_work(lead)
    assert list(OutboundEmail.objects.values_list("purpose", "to")) == [("adf_out", ["leads@crm.example"])]
    # Shown and searchable like any lead.
    found = api(bob).get("/leads", {"q": "Sample"}).json()
    assert [item["id"] for item in found["items"]] == [lead.pk]


@time_machine.travel(OPEN, tick=False)
def test_a_text_from_a_new_number_is_kept_on_a_new_lead_and_answered_by_nobody(tracking, bob, carol):
    received = receive_text(
        to_number=DEALERSHIP_NUMBER, from_number="+15125550177", body="Price on the RAM?", provider_id="SM1"
    )

    nothing_set_to_work(received.lead)
    assert list(received.lead.conversation.messages.values_list("direction", "body")) == [("in", "Price on the RAM?")]


@time_machine.travel(OPEN.replace(hour=3), tick=False)  # 22:00 in Austin: closed
def test_no_after_hours_reply_goes_out_but_stop_is_answered_and_recorded(tracking, carol):
    lead = make_lead(tracking, customer={"first_name": "Ana", "phones": [{"number": "+15125550100"}]})

    receive_text(to_number=DEALERSHIP_NUMBER, from_number="+15125550100", body="Still there?", provider_id="SM1")
    assert not Message.objects.filter(direction="out").exists(), "no automatic reply in tracking mode"

    receive_text(to_number=DEALERSHIP_NUMBER, from_number="+15125550100", body="STOP", provider_id="SM2")
    out = Message.objects.filter(direction="out")
    assert [m.body for m in out] == ["You're unsubscribed from Riverside Toyota texts. Reply START to resubscribe."]
    assert ConsentChange.objects.filter(customer=lead.customer, channel="sms", state="opted_out").exists()
    assert [m.direction for m in lead.conversation.messages.order_by("id")] == ["in", "in", "out"]


@time_machine.travel(OPEN, tick=False)
def test_the_api_refuses_to_send_call_or_assign_with_409_tracking_mode(tracking, bob, carol):
    bob.mobile = "+15125550001"
    bob.save()
    lead = make_lead(tracking)
    refused = [
        api(bob).post(f"/leads/{lead.pk}/messages", {"channel": "sms", "body": "Hi Jordan!"}),
        api(bob).post(f"/leads/{lead.pk}/calls", {}),
        api(bob).post(f"/leads/{lead.pk}/assign", {"user": "carol@example.com"}),
    ]

    assert [r.status_code for r in refused] == [409, 409, 409]
    assert {r.json()["error"]["code"] for r in refused} == {"tracking_mode"}
    assert "Riverside Toyota runs in lead tracking mode" in refused[0].json()["error"]["message"]
    nothing_set_to_work(lead)
    assert not Message.objects.exists()


@time_machine.travel(OPEN, tick=False)
def test_a_manual_lead_naming_an_assignee_is_refused_and_a_salespersons_own_lead_stays_unassigned(tracking, bob, carol):
    body = {"dealership": tracking.slug, "customer": {"first_name": "Kim"}, "source": "Walk-in"}
    refused = api(bob).post("/leads", {**body, "assigned_to": "carol@example.com"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "tracking_mode")
    assert not Lead.objects.exists()

    made = api(carol).post("/leads", body)
    assert made.status_code == 201
    nothing_set_to_work(Lead.objects.get(pk=made.json()["id"]))


@time_machine.travel(OPEN, tick=False)
def test_the_lead_page_says_why_and_offers_no_composer_call_or_allocate(tracking, bob, client_for):
    lead = make_lead(tracking)

    page = client_for(bob).get(f"/leads/{lead.pk}/").content.decode()

    assert 'id="tracking-banner"' in page
    assert "Lead tracking mode." in page
    assert 'id="tracking-no-composer"' in page
    assert 'id="composer-body"' not in page
    assert "call-button" not in page
    assert f'href="/leads/{lead.pk}/allocate/' not in page
    assert (
        client_for(bob).post(f"/leads/{lead.pk}/conversation/send/", {"channel": "sms", "body": "Hi"}).status_code
        == 302
    )
    assert not Message.objects.exists()


def test_a_clock_running_when_the_rooftop_switches_to_tracking_alerts_nobody(riverside, carol, bob):
    from escalations.firing import sweep_timers

    with time_machine.travel(OPEN, tick=False):
        lead = make_lead(riverside, assigned_to=carol)
    riverside.mode = "tracking"
    riverside.save()
    with time_machine.travel(OPEN.replace(hour=23), tick=False):  # hours later: every stage is due
        sweep_timers()

    assert not Notification.objects.filter(lead=lead).exists()
    assert set(Timer.objects.filter(lead=lead, followup__isnull=True).values_list("last_error", flat=True)) == {
        "lead tracking mode"
    }
    assert not Timer.objects.filter(lead=lead, fired_at__isnull=False).exists()


def test_after_switching_to_management_new_leads_are_worked_and_tracked_ones_can_be_allocated(tracking, bob, carol):
    with time_machine.travel(OPEN, tick=False):
        tracked = make_lead(tracking)
        tracking.mode = "management"
        tracking.save()
        new = make_lead(tracking, customer={"first_name": "Lee", "phones": [{"number": "+15125550155"}]})

    new.refresh_from_db()
    assert new.assigned_to is not None, "distributed"
    assert LeadSla.objects.get(lead=new).state == LeadSla.State.RUNNING
    assert Timer.objects.filter(lead=new, kind="stage1").exists()
    assert FollowUp.objects.filter(lead=new).exists()
    assert Notification.objects.filter(lead=new, user=new.assigned_to, kind="new_lead").exists()
    # The lead taken in while tracking stays as it was: no clock starts for it, nobody hears of it ...
    nothing_set_to_work(tracked)
    # ... but it can now be given to someone by hand.
    with time_machine.travel(OPEN, tick=False):
        response = api(bob).post(f"/leads/{tracked.pk}/assign", {"user": "carol@example.com"})
    assert response.status_code == 200
    tracked.refresh_from_db()
    assert tracked.assigned_to == carol
    assert LeadSla.objects.get(lead=tracked).state == LeadSla.State.NONE


@time_machine.travel(OPEN, tick=False)
def test_no_pool_broadcast_in_tracking_and_an_offer_made_before_the_switch_cannot_be_claimed(riverside, bob):
    pam = make_user("pam@example.com", "Pam Pool", riverside, "salesperson", can_be_assigned=True)
    riverside.distribution = {"sales": {"method": "pool"}, "service": {"method": "first_available"}}
    riverside.save()
    offered = make_lead(riverside)
    assert Offer.objects.filter(lead=offered).exists()
    riverside.mode = "tracking"
    riverside.save()

    tracked = make_lead(riverside, customer={"first_name": "Lee", "phones": [{"number": "+15125550155"}]})
    assert not Offer.objects.filter(lead=tracked).exists(), "no pool broadcast"
    refused = api(pam).post(f"/leads/{offered.pk}/claim")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "tracking_mode")
    offered.refresh_from_db()
    assert offered.assigned_to is None
