"""The lead page's composer on email: it opens on the channel the customer last used, with the
subject of their mail; an email goes with its voice note; the thread shows each message's channel,
an email's subject, its quoted history folded away and its attachments; a failing address is shown."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conversations.actions import receive_message, send_message
from conversations.channels import Inbound
from conversations.models import Message
from forecourt.worker import Worker
from relay.models import Attachment, BouncedAddress, EmailDetails
from relay.preferences import copies_me

pytestmark = pytest.mark.django_db(transaction=True)
HX = {"HX-Request": "true"}


@pytest.fixture
def texting(lead, riverside):
    riverside.leads_phone = "+15125550199"
    riverside.save()
    return lead


def customer_wrote(lead, channel: str, body: str, subject: str = "", quoted: str = "") -> Message:
    sender = "jordan@example.com" if channel == "email" else "+15125550100"
    message, _ = receive_message(
        lead=lead,
        channel=channel,
        inbound=Inbound(provider_id=f"<{body}@x>", from_address=sender, to_address="", body=body, subject=subject),
    )
    if channel == "email":
        EmailDetails.objects.create(message=message, header_id=f"<{body}@x>", quoted=quoted)
    return message


def page(client, lead) -> str:
    return client.get(reverse("lead-detail", args=[lead.pk])).content.decode()


def test_the_composer_opens_on_the_channel_the_customer_last_used(texting, carol, client_for):
    client = client_for(carol)
    customer_wrote(texting, "sms", "Hi there")
    assert 'value="sms" id="channel-sms" checked' in page(client, texting)
    customer_wrote(texting, "email", "Can you send the brochure?", subject="Brochure")
    shown = page(client, texting)
    assert 'value="email" id="channel-email" checked' in shown
    assert 'value="Re: Brochure"' in shown


def test_an_email_from_the_composer_goes_with_its_voice_note(texting, carol, client_for, sink):
    customer_wrote(texting, "email", "Call me?", subject="Trade")
    voice = SimpleUploadedFile("blob", b"\x1aE\xdf\xa3 webm voice", content_type="audio/webm;codecs=opus")
    answer = client_for(carol).post(
        reverse("conversation-send", args=[texting.pk]),
        {"channel": "email", "subject": "Re: Trade", "body": "Listen to this", "voice": voice},
        headers=HX,
    )
    assert answer.status_code == 200, answer.content.decode()[-500:]
    sent = Message.objects.get(direction="out")
    assert (sent.channel, sent.subject, sent.sent_by) == ("email", "Re: Trade", carol)
    [note] = Attachment.objects.filter(message=sent)
    assert (note.name, note.content_type) == ("voice-note.webm", "audio/webm")
    assert f'src="{note.url}"' in answer.content.decode()  # played back in the thread

    Worker().run_once()
    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    [attached] = list(mail.iter_attachments())
    assert attached.get_content_type() == "audio/webm"
    assert attached.get_content() == b"\x1aE\xdf\xa3 webm voice"
    assert mail["In-Reply-To"] == "<Call me?@x>"


def test_a_voice_note_that_is_no_recording_is_refused_and_nothing_is_stored(texting, carol, client_for):
    fake = SimpleUploadedFile("note.html", b"<script>alert(1)</script>", content_type="text/html")
    answer = client_for(carol).post(
        reverse("conversation-send", args=[texting.pk]),
        {"channel": "email", "subject": "Hi", "body": "x", "voice": fake},
        headers=HX,
    )
    assert answer.status_code == 422
    assert "not a recording Forecourt can send" in answer.content.decode()
    assert not Message.objects.exists()


def test_an_email_without_a_subject_is_refused_with_the_text_kept(texting, carol, client_for):
    answer = client_for(carol).post(
        reverse("conversation-send", args=[texting.pk]),
        {"channel": "email", "subject": " ", "body": "Hello"},
        headers=HX,
    )
    assert answer.status_code == 422
    assert "Give the email a subject." in answer.content.decode()
    assert ">Hello</textarea>" in answer.content.decode()
    assert not Message.objects.exists()


def test_the_thread_marks_each_channel_and_folds_an_emails_quoted_history(texting, carol, client_for):
    customer_wrote(texting, "sms", "Texting you")
    mail = customer_wrote(texting, "email", "Saturday works", subject="Visit", quoted="On Mon Carol wrote:\n> When?")
    Attachment.objects.create(message=mail, name="trade.pdf", content_type="application/pdf", content=b"%PDF", size=4)
    shown = page(client_for(carol), texting)
    assert 'data-channel="sms"' in shown
    assert 'data-channel="email"' in shown
    assert '<p class="msg-subject">Visit</p>' in shown
    assert (
        '<details class="msg-quoted"><summary>Earlier mail</summary><pre>On Mon Carol wrote:\n&gt; When?</pre>' in shown
    )
    assert "trade.pdf</a>" in shown


def test_an_attachment_is_only_for_staff_who_may_see_the_lead(texting, carol, frank, client_for):
    mail = customer_wrote(texting, "email", "See attached", subject="Docs")
    file = Attachment.objects.create(
        message=mail, name="<b>x</b>.html", content_type="text/html", content=b"<b>", size=3
    )
    assert client_for(frank).get(file.url).status_code == 404
    answer = client_for(carol).get(file.url)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/octet-stream"  # never rendered as a page
    assert answer["Content-Disposition"] == 'attachment; filename="bxb.html"'


def test_a_failing_address_is_shown_on_the_lead(texting, carol, client_for):
    BouncedAddress.objects.create(customer=texting.customer, email="jordan@example.com", reason="5.1.1 User unknown")
    shown = page(client_for(carol), texting)
    assert "jordan@example.com is failing" in shown
    assert "5.1.1 User unknown" in shown


def test_copy_me_is_each_salespersons_own_choice(carol, dave, client_for):
    assert copies_me(carol)
    client_for(carol).post(reverse("relay-copy-me"), {"next": "/"})
    assert not copies_me(carol)
    assert copies_me(dave)
    client_for(carol).post(reverse("relay-copy-me"), {"copy_me": "on"})
    assert copies_me(carol)


def test_a_salesperson_email_sent_from_the_api_threads_under_the_customers_mail(texting, carol, sink):
    customer_wrote(texting, "email", "Question", subject="Price")
    send_message(lead=texting, channel="email", subject="Re: Price", body="Answer", actor=carol)
    Worker().run_once()
    [mail] = [m for m in sink.messages if m["To"] == "jordan@example.com"]
    assert mail["In-Reply-To"] == "<Question@x>"
    assert mail["References"] == "<Question@x>"


def test_copy_me_is_chosen_on_the_notification_preferences_screen(carol, client_for):
    client = client_for(carol)
    screen = client.get(reverse("notification-preferences")).content.decode()
    assert 'id="copy-me-box" checked' in screen
    answer = client.post(reverse("relay-copy-me"), {"next": reverse("notification-preferences")})
    assert answer["Location"] == reverse("notification-preferences")
    assert 'id="copy-me-box" checked' not in client.get(reverse("notification-preferences")).content.decode()
