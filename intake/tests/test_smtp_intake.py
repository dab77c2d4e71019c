"""The real `manage.py smtpd` on a loopback port, fed by smtplib as a sending mail server would."""

from __future__ import annotations

import smtplib
import socket
from collections import Counter
from collections.abc import Iterator

import pytest

from accounts.models import Membership
from dealerships.models import Dealership
from distribution.tests.test_races import in_threads
from forecourt.testing import running_smtpd, wait_until
from intake.models import InboundEmail
from intake.tests.conftest import adf, intake_address, lead_email
from leads.models import Lead
from notifications.models import OutboundEmail

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def smtpd(riverside, alice) -> Iterator[int]:
    with running_smtpd() as port:
        yield port


def send(port: int, raw: bytes, to: str | None = None) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.sendmail("leads@cargurus.com", [to or intake_address()], raw)


def processed(count: int = 1) -> list[InboundEmail]:
    def done() -> list[InboundEmail]:
        rows = list(InboundEmail.objects.exclude(status=InboundEmail.Status.RECEIVED))
        return rows if len(rows) >= count else []

    return wait_until(done, timeout=60)  # a loaded machine: smtpd waits up to 20 s for the SQLite lock


def test_mail_to_a_dealership_intake_address_is_accepted_and_makes_a_lead(smtpd, riverside):
    send(smtpd, lead_email())

    [inbound] = processed()
    assert inbound.status == InboundEmail.Status.PROCESSED
    lead = Lead.objects.get()
    assert lead.dealership == riverside
    assert lead.source_name == "CarGurus"
    assert list(inbound.leads.all()) == [lead]
    assert inbound.mail_from == "leads@cargurus.com"
    assert inbound.subject == "New CarGurus lead"


def test_mail_to_an_unknown_address_is_refused_at_rcpt_with_550(smtpd):
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        client.ehlo()
        client.mail("leads@cargurus.com")
        code, _ = client.rcpt(f"nobody@{intake_address().split('@')[1]}")
        assert code == 550
        code, _ = client.rcpt("riverside-toyota@example.com")
        assert code == 550
    assert InboundEmail.objects.count() == 0


def test_mail_without_adf_is_kept_as_no_lead_and_reported(smtpd, riverside):
    send(smtpd, lead_email(how="none", subject="Call me back"))

    [inbound] = processed()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert inbound.reason
    assert b"please call me back" in inbound.raw_bytes
    assert Lead.objects.count() == 0
    report = OutboundEmail.objects.get(purpose="intake_report")
    assert report.to == ["alice@example.com"]
    assert "Call me back" in report.body
    assert f"/intake/{inbound.pk}/" in report.body


def test_the_same_message_delivered_twice_makes_one_lead(smtpd):
    raw = lead_email(document=adf(lead_id=None), message_id="<abc-123@cargurus.com>")
    send(smtpd, raw)
    processed(1)
    send(smtpd, raw)

    rows = processed(2)
    assert len(rows) == 2
    assert Lead.objects.count() == 1
    assert {row.status for row in rows} == {InboundEmail.Status.PROCESSED}
    assert [row.leads.get() for row in rows] == [Lead.objects.get()] * 2


@pytest.mark.parametrize("how", ["qp", "base64", "html", "xml-attachment", "adf-attachment"])
def test_adf_is_found_however_the_email_carries_it(smtpd, how):
    send(smtpd, lead_email(how=how))

    [inbound] = processed()
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason
    lead = Lead.objects.get()
    assert (lead.customer.first_name, lead.customer.last_name) == ("Jordan", "Sample")
    assert lead.vehicles.get().stock == "D9760"


def test_a_burst_of_mail_sent_at_once_makes_every_lead_and_round_robin_shares_them_evenly(
    smtpd, alice, bob, carol, dave
):
    # Twelve senders' sessions at the same moment, taken in by smtpd's four processing threads at once.
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    mails = [
        lead_email(adf(first=f"Buyer{n}", email=f"buyer{n}@example.com", phone=f"512-555-{3000 + n:04d}", lead_id=None))
        for n in range(12)
    ]

    in_threads(12, lambda n: send(smtpd, mails[n]))

    rows = processed(12)
    assert {row.status for row in rows} == {InboundEmail.Status.PROCESSED}
    assert Lead.objects.count() == 12
    assert Counter(Lead.objects.values_list("assigned_to__name", flat=True)) == {"Carol Seller": 6, "Dave Seller": 6}


def test_mail_whose_headers_hold_nul_bytes_and_line_breaks_is_kept_and_reported(smtpd, riverside):
    raw = b"From: Spam\x00mer <x@example.com>\r\nSubject: Call\x00 me\x1b back\r\nMessage-ID: <n\x00ul@x>\r\n\r\nhello"
    send(smtpd, raw)

    [inbound] = processed()
    assert inbound.raw_bytes.rstrip(b"\r\n") == raw, "kept exactly as it came"
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert inbound.subject == "Call me back"
    assert inbound.header_from == "Spammer <x@example.com>"


def test_addresses_are_read_however_sending_servers_write_them(smtpd, riverside):
    local, domain = intake_address().split("@")
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        client.ehlo()
        assert client.docmd("MAIL", "FROM:<a@b@c>")[0] == 553
        assert client.docmd("MAIL", 'FROM:"')[0] == 553, "a clear refusal, not a 500 naming Python's error"
        assert client.docmd("MAIL", "FROM:<x@[")[0] == 553, "a clear refusal, not a 500 naming Python's error"
        assert client.docmd("MAIL", "FROM:leads@cargurus.com")[0] == 250, "no angle brackets"
        assert client.docmd("RCPT", f"TO:<{local}@>")[0] == 553
        assert client.docmd("RCPT", f"TO:{local}@{domain}")[0] == 250
        client.rset()
        assert client.docmd("MAIL", "FROM:<> SIZE=2000 BODY=8BITMIME")[0] == 250, "a bounce, with parameters"
        assert client.docmd("RCPT", f"TO:<{local}+cargurus@{domain}>")[0] == 250, "a +tag"
        assert client.data(lead_email())[0] == 250

    [inbound] = processed()
    assert inbound.status == InboundEmail.Status.PROCESSED
    assert (inbound.mail_from, inbound.rcpt_to) == ("<>", f"{local}+cargurus@{domain}")


def test_every_command_a_sending_server_may_use_is_answered(smtpd, riverside):
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        assert client.ehlo()[0] == 250
        assert client.help().decode().split(":")[1].split() == [
            "AUTH", "DATA", "EHLO", "HELO", "HELP", "MAIL", "NOOP", "QUIT", "RCPT", "RSET", "VRFY"
        ]  # fmt: skip
        assert client.noop()[0] == 250
        assert client.verify("someone@example.com")[0] == 252, "cannot verify, but will accept"
        assert client.docmd("AUTH", "PLAIN")[0] == 538, "no AUTH without encryption"
        assert client.sendmail("leads@cargurus.com", [intake_address()], lead_email()) == {}
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        assert client.helo()[0] == 250, "a server that does not speak ESMTP"

    assert processed()[0].status == InboundEmail.Status.PROCESSED


def test_a_lead_email_whose_subject_holds_a_nul_and_a_line_break_still_makes_its_lead(smtpd, riverside):
    # The line break ends the headers early: the rest of them is read as text around the ADF.
    raw = lead_email().replace(b"Subject: New CarGurus lead", b"Subject: New lead: Jo\x00r\r\ndan Patel", 1)
    send(smtpd, raw)

    [inbound] = processed()
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.last_error
    assert inbound.raw_bytes.rstrip(b"\r\n") == raw.rstrip(b"\r\n"), "kept exactly as it came"
    lead = Lead.objects.get()
    [(what, text)] = lead.activities.get(kind="created").data["also_sent"]
    assert what == "Text around the ADF"
    assert "Subject: New lead: Jor" in text, "what the headers said is kept, without the NUL"


def hang_up_before_the_answer(port: int, *, rcpt: str, message: bytes | None = None) -> None:
    """A session that ends the moment its last command (RCPT, or the message's end) is sent,
    before smtpd answers it, as a sending server that gives up or crashes does."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sender:
        replies = sender.makefile("rb")

        def say(command: bytes) -> None:
            sender.sendall(command)
            while (reply := replies.readline())[3:4] == b"-":  # a multi-line reply ends with "250 "
                pass
            assert reply[:1] in (b"2", b"3"), reply

        say(b"")  # the greeting
        say(b"EHLO sender.example\r\n")
        say(b"MAIL FROM:<leads@cargurus.com>\r\n")
        if message is None:
            sender.sendall(f"RCPT TO:<{rcpt}>\r\n".encode())
            return
        say(f"RCPT TO:<{rcpt}>\r\n".encode())
        say(b"DATA\r\n")
        sender.sendall(message.replace(b"\n", b"\r\n") + b"\r\n.\r\n")


def test_senders_that_hang_up_before_their_answer_cost_the_next_senders_nothing(smtpd, riverside):
    """Twenty senders hang up while smtpd looks their recipient up, twenty more as their message
    ends, all at once: smtpd answers the next sender as ever, and each message it stored is
    taken in (whether one whose end came with the hang-up is stored depends on the instant)."""
    domain = intake_address().split("@")[1]
    in_threads(20, lambda n: hang_up_before_the_answer(smtpd, rcpt=f"nobody-{n}@{domain}"))
    mails = [
        lead_email(adf(first=f"Gone{n}", email=f"gone{n}@example.com", phone=f"512-555-{3100 + n:04d}", lead_id=None))
        for n in range(20)
    ]
    in_threads(20, lambda n: hang_up_before_the_answer(smtpd, rcpt=intake_address(), message=mails[n]))

    send(smtpd, lead_email(adf(first="Later", email="later@example.com", phone="512-555-3199", lead_id=None)))

    assert wait_until(lambda: Lead.objects.filter(customer__first_name="Later").exists(), timeout=60)
    stored = InboundEmail.objects.count()
    rows = processed(stored)
    assert {row.status for row in rows} == {InboundEmail.Status.PROCESSED}
    assert Lead.objects.count() == stored


def test_an_address_refused_at_rcpt_takes_mail_as_soon_as_a_rooftop_is_given_it(smtpd, lakeside):
    """smtpd answers a rooftop's intake address from memory once found, never a refusal: mail to
    an address refused a moment ago reaches the rooftop given it since, without a bounce."""
    Dealership.objects.filter(pk=lakeside.pk).update(intake_address="lakeside-later")
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        client.ehlo()
        client.mail("leads@cargurus.com")
        assert client.rcpt(intake_address("lakeside-honda"))[0] == 550
        assert client.rcpt(intake_address("riverside-toyota"))[0] == 250

    Dealership.objects.filter(pk=lakeside.pk).update(intake_address="lakeside-honda")
    send(smtpd, lead_email(), to=intake_address("lakeside-honda"))
    send(smtpd, lead_email(adf(first="Second", email="second@example.com", lead_id="CG-2")), to=intake_address())

    assert sorted(row.dealership.slug for row in processed(2)) == ["lakeside-honda", "riverside-toyota"]


def test_a_message_is_kept_exactly_as_sent_whatever_its_lines_begin_or_end_with(smtpd, riverside):
    """Lines that begin with a dot (doubled on the wire, RFC 5321 4.5.2) or end with one, and a
    second message in the same session: each is stored byte for byte as its sender wrote it."""
    comments = "Thanks.\n.\n..\n.hidden line\nEnds with a dot.\n.."
    first = lead_email(adf(comments=comments, lead_id=None))
    second = lead_email(adf(first="Second", email="second@example.com", phone="512-555-0177", lead_id=None))
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=10) as client:
        assert client.sendmail("leads@cargurus.com", [intake_address()], first) == {}
        assert client.sendmail("leads@cargurus.com", [intake_address()], second) == {}

    rows = sorted(processed(2), key=lambda row: row.pk)
    assert [row.raw_bytes for row in rows] == [first.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), second]
    assert {row.status for row in rows} == {InboundEmail.Status.PROCESSED}
    written = Lead.objects.get(customer__first_name="Jordan").comments
    assert written.splitlines()[:5] == ["Thanks.", ".", "..", ".hidden line", "Ends with a dot."]


def test_an_empty_message_is_kept_and_the_session_goes_on(smtpd, riverside):
    with socket.create_connection(("127.0.0.1", smtpd), timeout=10) as sender:
        replies = sender.makefile("rb")
        assert replies.readline().startswith(b"220 ")
        # Sent as a pipelining sender does: the whole message and the next command in one write.
        sender.sendall(b"HELO sender.example\r\nMAIL FROM:<leads@cargurus.com>\r\n")
        sender.sendall(f"RCPT TO:<{intake_address()}>\r\nDATA\r\n".encode())
        assert [replies.readline()[:3] for _ in range(4)] == [b"250", b"250", b"250", b"354"]
        sender.sendall(b".\r\nNOOP\r\n")
        assert replies.readline().startswith(b"250 OK stored as ")
        assert replies.readline()[:3] == b"250", "the command after the message is answered"

    [inbound] = processed()
    assert inbound.raw_bytes == b""
    assert inbound.status == InboundEmail.Status.NO_LEAD


def test_a_message_too_large_or_with_a_line_too_long_is_refused_whole_and_the_session_goes_on(smtpd, riverside):
    from intake.smtp import MAX_MESSAGE_BYTES

    lead = lead_email()
    too_large = lead + b"x" * 998 + (b"\r\n" + b"y" * 998) * (MAX_MESSAGE_BYTES // 1000)
    too_long = lead.replace(b"Is this truck still available?", b"A" * 1200)
    with smtplib.SMTP("127.0.0.1", smtpd, timeout=30) as client:
        client.ehlo()
        for refused, code in ((too_large, 552), (too_long, 500)):
            client.mail("leads@cargurus.com")  # its size not declared: found too large as it comes
            client.rcpt(intake_address())
            assert client.data(refused)[0] == code
        assert client.sendmail("leads@cargurus.com", [intake_address()], lead) == {}

    [inbound] = processed()
    assert inbound.raw_bytes == lead
    assert InboundEmail.objects.count() == 1, "nothing of the refused messages is stored"
