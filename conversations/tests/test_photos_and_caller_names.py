"""What the worker asks Twilio after a text came in, over real HTTP (FakeTwilio): the photos of an
MMS, kept by Forecourt and shown only to the staff who may see the lead, and the caller's name of
a number texting for the first time."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from conftest import make_lead
from conversations.models import Message, MessageMedia, WebhookCall
from conversations.tests.hooks import SMS_HOOK, post_hook, text_fields
from conversations.webhook_calls import MEDIA_MAX_BYTES
from distribution.tests.conftest import OPEN
from forecourt.testing import free_port
from forecourt.worker import Worker

pytestmark = pytest.mark.django_db(transaction=True)
PHOTO_1 = b"\xff\xd8\xff\xe0 first photo"
PHOTO_2 = b"\x89PNG second photo"
ACCOUNT_AUTH = "Basic " + base64.b64encode(b"AC0123456789:secret-token").decode()


@pytest.fixture
def mms(twilio, texting, carol):
    """A lead of Carol's, and Twilio holding the two photos its customer texts."""
    lead = make_lead(texting, assigned_to=carol)
    urls = [twilio.add_media("ME1", PHOTO_1, "image/jpeg"), twilio.add_media("ME2", PHOTO_2, "image/png")]
    return lead, urls


@time_machine.travel(OPEN, tick=False)
def test_both_photos_of_an_mms_are_kept_by_forecourt_and_the_message_shows_our_copies(twilio, mms, carol, client_for):
    lead, urls = mms

    post_hook(SMS_HOOK, text_fields("Here's my trade", media=urls))
    Worker().run_once()

    message = lead.conversation.messages.get()
    kept = list(MessageMedia.objects.filter(message=message).order_by("position"))
    assert message.media == [f"/messages/media/{m.token}" for m in kept]
    assert message.last_error == ""
    assert [f["auth"] for f in twilio.fetches] == [ACCOUNT_AUTH, ACCOUNT_AUTH]
    carols = client_for(carol)
    first, second = (carols.get(url) for url in message.media)
    assert (first.status_code, first["Content-Type"], first.content) == (200, "image/jpeg", PHOTO_1)
    assert (second.status_code, second["Content-Type"], second.content) == (200, "image/png", PHOTO_2)
    assert WebhookCall.objects.get().status == WebhookCall.Status.PROCESSED


@time_machine.travel(OPEN, tick=False)
def test_photos_on_twilios_own_host_are_fetched_from_twilio_api_base(twilio, mms, carol):
    lead, urls = mms
    as_twilio_sends_them = [url.replace(twilio.base, "https://api.twilio.com") for url in urls]

    post_hook(SMS_HOOK, text_fields("Here's my trade", media=as_twilio_sends_them))
    Worker().run_once()

    message = lead.conversation.messages.get()
    assert message.last_error == ""
    assert len(message.media) == 2
    assert [f["auth"] for f in twilio.fetches] == [ACCOUNT_AUTH, ACCOUNT_AUTH]


@time_machine.travel(OPEN, tick=False)
def test_a_kept_photo_is_not_found_by_staff_who_may_not_see_the_lead_nor_by_anyone_signed_out(
    mms, bob, dave, frank, client_for
):
    lead, urls = mms
    post_hook(SMS_HOOK, text_fields("Here's my trade", media=urls))
    Worker().run_once()
    [url, _] = lead.conversation.messages.get().media

    assert client_for(bob).get(url).status_code == 200  # Riverside's manager sees every lead there
    assert client_for(dave).get(url).status_code == 404  # another salesperson's lead
    assert client_for(frank).get(url).status_code == 404  # another organisation
    assert client_for(bob).get("/messages/media/not-a-token").status_code == 404
    signed_out = Client().get(url)
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith("/accounts/login/")


def test_a_photo_twilio_will_not_hand_over_leaves_the_text_with_a_note_and_is_fetched_on_a_retry(twilio, mms):
    lead, urls = mms
    twilio.get_statuses = [500]

    with time_machine.travel(OPEN, tick=False) as clock:
        post_hook(SMS_HOOK, text_fields("Here's my trade", media=urls))
        Worker().run_once()

        message = lead.conversation.messages.get()
        assert message.body == "Here's my trade"
        assert len(message.media) == 1
        assert message.last_error.startswith(
            "Not every photo could be kept: photo 1 of 2 could not be fetched (HTTP 500"
        )
        call = WebhookCall.objects.get()
        assert call.status == WebhookCall.Status.RECEIVED
        assert "photo 1 of 2" in call.reason

        clock.shift(timedelta(minutes=1))
        Worker().run_once()

    message.refresh_from_db()
    assert len(message.media) == 2
    assert message.last_error == ""
    assert lead.conversation.messages.count() == 1
    assert WebhookCall.objects.get().status == WebhookCall.Status.PROCESSED
    assert [m.content for m in MessageMedia.objects.order_by("position")] == [PHOTO_1, PHOTO_2]


@time_machine.travel(OPEN, tick=False)
def test_a_file_larger_than_any_mms_is_not_kept_and_the_text_says_why(twilio, mms):
    lead, _ = mms
    too_big = twilio.add_media("ME3", b"x" * (MEDIA_MAX_BYTES + 1), "image/jpeg")

    post_hook(SMS_HOOK, text_fields("Big one", media=[too_big]))
    Worker().run_once()

    message = lead.conversation.messages.get()
    assert message.body == "Big one"
    assert message.media == []
    assert f"over the {MEDIA_MAX_BYTES} allowed" in message.last_error
    # No retry can make it smaller: the call is failed at once, with the reason.
    call = WebhookCall.objects.get()
    assert call.status == WebhookCall.Status.FAILED
    assert "could not be fetched" in call.reason


@time_machine.travel(OPEN, tick=False)
def test_a_new_texter_is_named_from_caller_id(twilio, texting, carol):
    twilio.caller_names["+15125550177"] = "JORDAN  SAMPLE"

    post_hook(SMS_HOOK, text_fields("Is the RAM still for sale?", sender="+15125550177"))
    Worker().run_once()

    message = Message.objects.get()
    assert message.lead.customer.display_name == "Jordan Sample"
    [lookup] = twilio.fetches
    assert lookup["path"] == "/v2/PhoneNumbers/+15125550177"
    assert lookup["query"] == {"Fields": ["caller_name"]}
    assert lookup["auth"] == ACCOUNT_AUTH


@time_machine.travel(OPEN, tick=False)
def test_a_texter_twilio_has_no_name_for_or_cannot_look_up_is_unknown_and_the_text_still_lands(twilio, texting):
    twilio.get_statuses = [500]

    post_hook(SMS_HOOK, text_fields("Hi", sender="+15125550177"))
    post_hook(SMS_HOOK, text_fields("Hi", sid="SM0002", sender="+15125550178"))
    Worker().run_once()

    assert sorted(m.lead.customer.display_name for m in Message.objects.all()) == ["Unknown", "Unknown"]
    assert len(twilio.fetches) == 2


@time_machine.travel(OPEN, tick=False)
def test_a_customer_with_an_open_lead_is_not_looked_up(twilio, mms):
    lead, _ = mms

    post_hook(SMS_HOOK, text_fields("Thanks!"))
    Worker().run_once()

    assert lead.conversation.messages.get().body == "Thanks!"
    assert twilio.fetches == []


@time_machine.travel(OPEN, tick=False)
def test_a_photo_host_that_does_not_answer_leaves_the_text_with_a_note(twilio, mms):
    lead, _ = mms
    nowhere = f"http://127.0.0.1:{free_port()}/2010-04-01/Media/ME9"

    post_hook(SMS_HOOK, text_fields("Here", media=[nowhere]))
    Worker().run_once()

    message = lead.conversation.messages.get()
    assert message.body == "Here"
    assert "ConnectionError" in message.last_error
    assert WebhookCall.objects.get().status == WebhookCall.Status.RECEIVED  # tried again later


@time_machine.travel(OPEN, tick=False)
def test_a_lookup_service_that_does_not_answer_leaves_the_new_texter_unknown(twilio, texting, settings):
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{free_port()}"

    post_hook(SMS_HOOK, text_fields("Hi", sender="+15125550177"))
    Worker().run_once()

    assert Message.objects.get().lead.customer.display_name == "Unknown"


@time_machine.travel(OPEN, tick=False)
def test_without_twilio_nobody_is_looked_up(twilio, texting, settings):
    settings.SMS_PROVIDER = "console"

    post_hook(SMS_HOOK, text_fields("Hi", sender="+15125550177"))
    Worker().run_once()

    assert Message.objects.get().lead.customer.display_name == "Unknown"
    assert twilio.fetches == []
