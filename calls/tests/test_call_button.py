"""The Call button on the lead page and the dashboard, and calls in the lead's thread."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.test import Client

from calls.actions import end_call, start_call
from calls.models import Call
from calls.tests.conftest import CAROL_MOBILE, LEADS_NUMBER, placed
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


class FormFields(HTMLParser):
    """The named inputs of the first form on a page that posts to `action`, with their values."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: dict[str, str] = {}
        self.inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("action") == self.action and not self.fields
        elif tag == "input" and self.inside and found.get("name"):
            self.fields[str(found["name"])] = found.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def test_the_call_quick_action_on_a_dashboard_row_rings_her_phone_first(twilio, phones, carol_with_mobile):
    """As her phone does: the dashboard's form, its CSRF token and its `next`, posted; the message
    shows on the dashboard she is sent back to, and the worker asks the provider for the call."""
    lead = make_lead(phones, assigned_to=carol_with_mobile)
    client = Client(enforce_csrf_checks=True)
    assert client.login(email=carol_with_mobile.email, password=PASSWORD)
    form = FormFields(f"/leads/{lead.pk}/call/")
    form.feed(client.get("/").content.decode())
    assert set(form.fields) == {"csrfmiddlewaretoken", "next"}
    assert form.fields["next"] == "/"

    answer = client.post(f"/leads/{lead.pk}/call/", form.fields, follow=True)
    assert answer.redirect_chain == [("/", 302)]
    assert "Your phone ((512) 555-0001) rings now: answer and press any key to be connected to Jordan Sample." in (
        answer.content.decode()
    )
    call = Call.objects.get()
    assert (call.lead, call.status) == (lead, Call.Status.QUEUED)
    placed(call)
    [request] = twilio.calls
    assert (request["form"]["To"], request["form"]["From"]) == ([CAROL_MOBILE], [LEADS_NUMBER])
