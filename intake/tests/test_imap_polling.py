"""Polling a dealership's own mailbox, against a real IMAP server (Debian's dovecot) on loopback."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from forecourt.testing import wait_until
from forecourt.worker import Worker
from intake.actions import settings_for
from intake.mailbox import PROCESSED_KEYWORD, poll_mailbox
from intake.models import InboundEmail, IntakeSettings
from intake.tests.conftest import adf, free_port, lead_email, port_open
from leads.models import Lead
from notifications.models import OutboundEmail

pytestmark = pytest.mark.slow

USER, PASSWORD = "leads@riverside.example", "mailbox-pass-1"


@dataclass
class Mailbox:
    port: int

    def connect(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        imap.login(USER, PASSWORD)
        imap.select("INBOX")
        return imap

    def deliver(self, raw: bytes, flags: str = "") -> None:
        imap = self.connect()
        imap.append("INBOX", flags or None, None, raw)
        imap.logout()

    def flags(self) -> list[str]:
        """The flags of every message still in the mailbox, in order."""
        imap = self.connect()
        _, data = imap.fetch("1:*", "(FLAGS)")
        imap.logout()
        return [line.decode() for line in data if isinstance(line, bytes)]


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next((p for p in ("/usr/sbin/dovecot",) if os.path.exists(p)), None)


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    binary = _dovecot_binary()
    if binary is None:
        if os.environ.get("FORECOURT_REQUIRE_IMAP"):
            pytest.fail("dovecot is not installed but FORECOURT_REQUIRE_IMAP is set (apt-get install dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd); IMAP polling tests skipped")
    root = Path(tempfile.mkdtemp(prefix="forecourt-dovecot-"))
    root.chmod(0o755)  # dovecot's unprivileged processes must reach their sockets and the mail
    me = pwd.getpwuid(os.geteuid())
    if os.geteuid() == 0:
        # Dovecot refuses to log in or keep mail as root: use its own accounts and nobody's uid.
        mail_uid, mail_gid = pwd.getpwnam("nobody").pw_uid, pwd.getpwnam("nobody").pw_gid
        login_user, internal_user = "dovenull", "dovecot"
    else:
        mail_uid, mail_gid = me.pw_uid, me.pw_gid
        login_user = internal_user = me.pw_name
    (root / "mail").mkdir()
    os.chown(root / "mail", mail_uid, mail_gid)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{mail_uid}:{mail_gid}::{root}/mail::\n")
    port = free_port()
    (root / "dovecot.conf").write_text(
        f"""
base_dir = {root}/run
state_dir = {root}/state
instance_name = forecourt-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {root}/dovecot.log
default_internal_user = {internal_user}
default_login_user = {login_user}
mail_location = maildir:{root}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""
    )
    server = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        if (
            not wait_until(lambda: port_open(port) or server.poll() is not None, timeout=20)
            or server.poll() is not None
        ):
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            pytest.fail(f"dovecot did not start: {log[-2000:]}")
        yield Mailbox(port)
    finally:
        server.terminate()
        server.wait(timeout=20)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def polled(riverside, mailbox) -> IntakeSettings:
    config = settings_for(riverside)
    config.imap_host, config.imap_port, config.imap_ssl = "127.0.0.1", mailbox.port, False
    config.imap_user, config.imap_password = USER, PASSWORD
    config.save()
    return config


def test_new_mail_in_the_mailbox_becomes_a_lead_and_is_marked_never_deleted(polled, mailbox):
    mailbox.deliver(lead_email())

    assert poll_mailbox(polled) == 1

    lead = Lead.objects.get()
    assert lead.source_name == "CarGurus"
    inbound = InboundEmail.objects.get()
    assert inbound.channel == InboundEmail.Channel.IMAP
    assert list(inbound.leads.all()) == [lead]
    [flags] = mailbox.flags()
    assert "\\Seen" in flags
    assert PROCESSED_KEYWORD in flags


def test_a_second_poll_takes_nothing_again(polled, mailbox):
    mailbox.deliver(lead_email())
    poll_mailbox(polled)

    assert poll_mailbox(polled) == 0

    assert Lead.objects.count() == 1
    assert InboundEmail.objects.count() == 1


def test_mail_a_person_already_read_in_the_mailbox_is_still_taken_in(polled, mailbox):
    mailbox.deliver(lead_email(), flags="(\\Seen)")

    assert poll_mailbox(polled) == 1
    assert Lead.objects.count() == 1


def test_mail_without_a_lead_is_kept_reported_and_marked(polled, mailbox, alice):
    mailbox.deliver(lead_email(how="none"))
    mailbox.deliver(lead_email(document=adf(first="Casey", email="casey@example.com", phone="", lead_id="CG-5")))

    assert poll_mailbox(polled) == 2

    statuses = sorted(InboundEmail.objects.values_list("status", flat=True))
    assert statuses == [InboundEmail.Status.NO_LEAD, InboundEmail.Status.PROCESSED]
    assert OutboundEmail.objects.filter(purpose="intake_report", to=["alice@example.com"]).exists()
    assert all(PROCESSED_KEYWORD in flags for flags in mailbox.flags())


def test_a_wrong_password_is_shown_on_the_settings_and_nothing_is_taken(polled, mailbox):
    mailbox.deliver(lead_email())
    polled.imap_password = "wrong"
    polled.save()

    assert poll_mailbox(polled) == 0

    polled.refresh_from_db()
    assert "AUTHENTICATIONFAILED" in polled.imap_last_error or "failed" in polled.imap_last_error.lower()
    assert InboundEmail.objects.count() == 0
    assert PROCESSED_KEYWORD not in mailbox.flags()[0]


def test_the_worker_polls_mailboxes_that_are_due(polled, mailbox):
    mailbox.deliver(lead_email())

    Worker().run_sweeps()

    assert Lead.objects.count() == 1
    polled.refresh_from_db()
    assert polled.imap_last_polled_at is not None
    assert polled.imap_next_poll_at > polled.imap_last_polled_at
