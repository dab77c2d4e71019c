"""A real IMAP server for the mailbox tests: Debian's dovecot on loopback, in a temporary directory."""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from forecourt.testing import wait_until
from intake.tests.conftest import free_port, port_open

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


@contextmanager
def dovecot() -> Iterator[Mailbox]:
    """Debian's dovecot on a free loopback port, with one mailbox (`USER`); skips when not installed."""
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
