"""Reading an email: its new words apart from the history it quotes, HTML as text, its
attachments, whether a machine sent it, and what a delivery report says. No Django in here."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

# Where quoted history starts: "On Tue, Mar 10, 2026 at 10:00 AM Carol <…> wrote:", Outlook's
# "-----Original Message-----" or its "From: … Sent: …" block, or the first "> " line.
_QUOTE_STARTS = (
    re.compile(r"^\s*On\b.{0,300}\bwrote:\s*$", re.IGNORECASE | re.DOTALL),
    re.compile(r"^\s*-{2,}\s*(Original Message|Forwarded message)\s*-{2,}", re.IGNORECASE),
    re.compile(r"^\s*(From|De|Von):\s.+", re.IGNORECASE),
    re.compile(r"^\s*>"),
    re.compile(r"^_{20,}\s*$"),
)
_BLOCK_TAGS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "blockquote", "table"}


def split_quoted(text: str) -> tuple[str, str]:
    """(the sender's new words, the history they quoted below them). A line "On … wrote:" that
    Gmail wraps over two lines is recognised too. Text with no new words keeps it all as new."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for i, line in enumerate(lines):
        pair = line + " " + lines[i + 1] if i + 1 < len(lines) else line
        if any(p.match(line) for p in _QUOTE_STARTS) or (
            line.strip().lower().startswith("on ") and _QUOTE_STARTS[0].match(pair)
        ):
            new, quoted = "\n".join(lines[:i]).strip(), "\n".join(lines[i:]).strip()
            if new:
                return new, quoted
            return text.strip(), ""
    return text.strip(), ""


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "head"):
            self.hidden += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "blockquote":
            self.parts.append("> ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self.hidden = max(0, self.hidden - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The words of an HTML mail, one block a line: never the markup."""
    reader = _Text()
    reader.feed(html)
    reader.close()
    text = "".join(reader.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


@dataclass
class File:
    name: str
    content_type: str
    content: bytes


@dataclass
class Reading:
    """What one email says, as the thread shows it."""

    sender: str  # the From address, lower-case ("" when there is none that can be read)
    sender_name: str
    subject: str
    message_id: str
    in_reply_to: str
    text: str
    quoted: str
    files: list[File] = field(default_factory=list)
    automatic: str = ""  # why it is a machine's mail ("Auto-Submitted: auto-replied"), "" for a person's
    problems: list[str] = field(default_factory=list)


def _one_line(value: object) -> str:
    return " ".join(str(value or "").split())


def automatic_because(mail: Message) -> str:
    """Why `mail` was sent by a machine (and must never be answered automatically), "" if by a person."""
    auto = _one_line(mail.get("Auto-Submitted")).lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _one_line(mail.get("Precedence")).lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    for name in mail:
        if name.lower().startswith("list-"):
            return f"{name} header (a mailing list)"
    if _one_line(mail.get("X-Autoreply")).lower() in ("yes", "true") or mail.get("X-Autorespond"):
        return "marked as an auto-reply"
    sender = parseaddr(_one_line(mail.get("From")))[1].lower()
    if sender.split("@")[0] in ("mailer-daemon", "postmaster") or not mail.get("From"):
        return "from a mail server"
    return ""


def _body_text(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        # A charset nobody knows: the words are most likely ASCII or UTF-8, so show them anyway.
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""
    if isinstance(content, bytes):
        content = content.decode("utf-8", errors="replace")
    return html_to_text(content) if part.get_content_type() == "text/html" else str(content)


def read_email(mail: EmailMessage) -> Reading:
    """Everything the thread needs from `mail` (parsed with the `email` package's default policy).
    A part that cannot be decoded is noted in `problems`, never fatal: the raw mail is kept anyway."""
    problems: list[str] = []
    try:
        text = _body_text(mail)
    except (LookupError, ValueError, UnicodeError, AssertionError) as exc:
        text = ""
        problems.append(f"The text could not be read ({type(exc).__name__}); the raw mail is on the Intake screen.")
    new, quoted = split_quoted(text)
    files = []
    for part in mail.iter_attachments():
        try:
            payload = part.get_payload(decode=True)
        except (LookupError, ValueError, AssertionError):
            payload = None
        if payload is None:
            if part.is_multipart() or part.get_content_type() == "message/rfc822":
                payload = part.as_bytes()
            else:
                problems.append(f"An attachment ({part.get_filename() or 'no name'}) could not be read.")
                continue
        files.append(
            File(
                name=_one_line(part.get_filename())[:200],
                content_type=part.get_content_type()[:100],
                content=bytes(payload),
            )
        )
    if mail.defects:
        problems.append("The mail is not well formed: " + ", ".join(sorted({type(d).__name__ for d in mail.defects})))
    name, address = parseaddr(_one_line(mail.get("From")))
    return Reading(
        sender=address.lower() if "@" in address else "",
        sender_name=_one_line(name)[:150],
        subject=_one_line(mail.get("Subject"))[:300],
        message_id=_one_line(mail.get("Message-ID"))[:300],
        in_reply_to=_one_line(mail.get("In-Reply-To"))[:300],
        text=new,
        quoted=quoted,
        files=files,
        automatic=automatic_because(mail),
        problems=problems,
    )


@dataclass(frozen=True)
class Bounce:
    """A delivery report saying mail to `recipient` failed for good."""

    recipient: str
    status: str
    diagnostic: str
    original_message_id: str


def hard_bounces(mail: EmailMessage) -> list[Bounce] | None:
    """The permanent failures a delivery status notification (RFC 3464) reports; None when `mail`
    is not one. Delayed and temporary failures (status 4.x.x) are not bounces."""
    if mail.get_content_type() != "multipart/report":
        return None
    if str(mail.get_param("report-type") or "").lower() != "delivery-status":
        return None
    original = ""
    fields: list[Message] = []
    for part in mail.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                fields.extend(p for p in payload if isinstance(p, Message))
        elif kind in ("text/rfc822-headers", "message/rfc822") and not original:
            original = _original_message_id(part)
    found = []
    for group in fields:
        action = _one_line(group.get("Action")).lower()
        status = _one_line(group.get("Status"))
        recipient = _one_line(group.get("Final-Recipient") or group.get("Original-Recipient"))
        if not recipient:
            continue
        recipient = recipient.split(";", 1)[-1].strip().strip("<>").lower()
        if action == "failed" and status.startswith("5"):
            found.append(Bounce(recipient, status, _one_line(group.get("Diagnostic-Code"))[:500], original))
    return found


def _original_message_id(part: Message) -> str:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        return _one_line(inner.get("Message-ID")) if isinstance(inner, Message) else ""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    from email.parser import BytesHeaderParser

    return _one_line(BytesHeaderParser().parsebytes(payload).get("Message-ID"))


def addresses_in(value: str) -> list[str]:
    return [address.lower() for _, address in getaddresses([value]) if "@" in address]
