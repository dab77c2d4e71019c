"""The Call button on the lead page and the dashboard, and calls in the lead's thread."""

from __future__ import annotations

import pytest
from django.test import Client

from calls.actions import end_call, start_call
from calls.models import Call
from conftest import PASSWORD, make_lead

pytestmark = pytest.mark.django_db


def logged_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_pressing_call_queues_the_call_and_says_her_phone_rings(lead, carol_with_mobile):
    answer = logged_in(carol_with_mobile).post(f"/leads/{lead.pk}/call/", {"next": "/"}, follow=True)

    call = Call.objects.get()
    assert (call.status, call.user, call.staff_phone) == (Call.Status.QUEUED, carol_with_mobile, "+15125550001")
    assert answer.redirect_chain == [("/", 302)]
    assert "Your phone ((512) 555-0001) rings now" in answer.content.decode()


def test_a_salesperson_with_no_phone_is_told_before_anything_is_dialled(lead, carol_with_mobile):
    carol_with_mobile.mobile = ""
    carol_with_mobile.save()
    answer = logged_in(carol_with_mobile).post(f"/leads/{lead.pk}/call/", follow=True)

    assert not Call.objects.exists()
    assert "Carol Seller has no outbound phone or mobile to ring first" in answer.content.decode()


def test_nobody_calls_a_lead_they_may_not_see(lead, dave):
    assert logged_in(dave).post(f"/leads/{lead.pk}/call/").status_code == 404
    assert not Call.objects.exists()


def test_a_call_shows_in_the_thread_with_its_outcome_and_length(lead, carol_with_mobile):
    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)
    end_call(call, outcome=Call.Outcome.ANSWERED, duration=95)

    page = logged_in(carol_with_mobile).get(f"/leads/{lead.pk}/").content.decode()
    assert f'id="call-{call.pk}"' in page
    assert "Carol Seller called Jordan Sample: answered, 1 min 35 s" in page
    assert 'id="thumb-call"' in page


def test_the_thread_poll_notices_a_call_ending(lead, carol_with_mobile):
    client = logged_in(carol_with_mobile)
    call = start_call(lead=lead, user=carol_with_mobile, actor=carol_with_mobile)
    first = client.get(f"/leads/{lead.pk}/conversation/")
    version = first.content.decode().split("?v=")[1].split('"')[0]
    assert client.get(f"/leads/{lead.pk}/conversation/", {"v": version}).status_code == 204

    end_call(call, outcome=Call.Outcome.NO_ANSWER)
    changed = client.get(f"/leads/{lead.pk}/conversation/", {"v": version})
    assert changed.status_code == 200
    assert "no answer" in changed.content.decode()


def test_each_of_my_leads_on_the_dashboard_has_a_call_button(phones, carol_with_mobile):
    lead = make_lead(phones, assigned_to=carol_with_mobile)
    page = logged_in(carol_with_mobile).get("/").content.decode()
    assert f'action="/leads/{lead.pk}/call/"' in page
