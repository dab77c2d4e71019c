"""An email or text that cannot be sent, for whatever reason, is failed with that reason; the
worker carries on with the others. A subject never carries a line break into the email."""

from __future__ import annotations

import pytest

from forecourt.testing import SmtpSink
from forecourt.worker import Worker
from notifications import sms
from notifications.actions import queue_email, queue_text
from notifications.models import OutboundEmail, OutboundText

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_subject_with_line_breaks_goes_out_on_one_line(sink: SmtpSink) -> None:
    email = queue_email(
        to=["carol@example.com"], subject="New lead: Ann\u2028Marie\r\nLee\x85", body="x", purpose="test"
    )

    Worker().run_once()

    assert [str(m["Subject"]) for m in sink.messages] == ["New lead: Ann Marie Lee"]
    email.refresh_from_db()
    assert email.status == OutboundEmail.Status.SENT


def test_a_subject_stored_with_a_line_break_before_it_was_refused_still_goes_out(sink: SmtpSink) -> None:
    queue_email(to=["carol@example.com"], subject="placeholder", body="x", purpose="test")
    OutboundEmail.objects.update(subject="New lead: Ann\nLee")  # as rows queued by an older release hold it

    Worker().run_once()

    assert [str(m["Subject"]) for m in sink.messages] == ["New lead: Ann Lee"]


def test_an_email_that_cannot_be_sent_is_failed_with_its_reason_and_the_others_go_out(sink: SmtpSink) -> None:
    first = queue_email(to=["carol@example.com"], subject="First", body="x", purpose="test")
    poison = queue_email(to=["dave@example.com\nBcc: mallory@example.net"], subject="Poison", body="x", purpose="test")
    last = queue_email(to=["bob@example.com"], subject="Last", body="x", purpose="test")

    Worker().run_once()
    Worker().run_once()

    assert sorted(str(m["Subject"]) for m in sink.messages) == ["First", "Last"]
    for email in (first, poison, last):
        email.refresh_from_db()
    assert (first.status, last.status) == (OutboundEmail.Status.SENT, OutboundEmail.Status.SENT)
    assert poison.status == OutboundEmail.Status.FAILED
    assert "Invalid address" in poison.last_error, poison.last_error
    assert poison.attempts == 1, "a row that can never be sent is not tried again"


class FlakyProvider(sms.SmsProvider):
    """A texting provider whose client library breaks on one number (a bug outside our code)."""

    name = "flaky"
    sent: list[str] = []

    def send(self, text: sms.Text) -> str:
        if text.to == "+15125550666":
            raise RuntimeError("the provider's library choked on this number")
        self.sent.append(text.to)
        return f"flaky-{text.key}"


def test_a_text_that_breaks_the_provider_is_failed_with_its_reason_and_the_others_go_out(settings, monkeypatch) -> None:
    monkeypatch.setitem(sms.PROVIDERS, "flaky", FlakyProvider)
    settings.SMS_PROVIDER = "flaky"
    FlakyProvider.sent = []
    poison = queue_text(to="+15125550666", body="New lead", purpose="test")
    good = queue_text(to="+15125550100", body="New lead", purpose="test")

    Worker().run_once()

    assert FlakyProvider.sent == ["+15125550100"]
    poison.refresh_from_db()
    good.refresh_from_db()
    assert good.status == OutboundText.Status.SENT
    assert poison.status == OutboundText.Status.FAILED
    assert "choked on this number" in poison.last_error
