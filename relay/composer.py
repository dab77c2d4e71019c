"""The email side of the lead page's composer: whether the customer can be emailed, which channel
the composer offers first (the one the customer last used), the subject of a reply, and sending
an email with a voice note recorded in the browser."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from accounts.models import User
from conversations.actions import send_message
from conversations.channels.email import reachable_email
from conversations.consent import check_may_send
from conversations.models import Message
from leads.models import Lead
from relay.models import Attachment, BouncedAddress

MAX_EMAIL = 20000
MAX_VOICE_BYTES = 10 * 1024 * 1024
# What browsers record (MediaRecorder) and phones hand over as a voice memo.
VOICE_TYPES = ("audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/aac", "audio/x-m4a", "audio/wav")


def why_not_email(lead: Lead) -> str:
    """Why this lead's customer cannot be emailed (no address, opted out, emails off); "" when they can."""
    try:
        check_may_send(lead=lead, channel="email")
        reachable_email(lead)  # not `addresses`: drawing the page makes no reply address
    except ValueError as refusal:
        return str(refusal)
    return ""


def default_channel(lead: Lead, usable: list[str]) -> str:
    """The channel the customer last wrote on, when it can be used; else the last one used; else the first usable."""
    thread = Message.objects.filter(conversation__lead=lead, channel__in=usable).order_by("-created_at", "-id")
    last_in = thread.filter(direction=Message.Direction.IN).values_list("channel", flat=True).first()
    last = last_in or thread.values_list("channel", flat=True).first()
    return last or (usable[0] if usable else "")


def reply_subject(lead: Lead) -> str:
    """ "Re: <the subject of the last email in the thread>", or "" when there was none."""
    subject = (
        Message.objects.filter(conversation__lead=lead, channel="email")
        .exclude(subject="")
        .order_by("-created_at", "-id")
        .values_list("subject", flat=True)
        .first()
    )
    if not subject:
        return ""
    return subject if subject.lower().startswith("re:") else f"Re: {subject}"


def email_composer(lead: Lead, *, cannot_text: str, channel: str = "", subject: str | None = None) -> dict[str, Any]:
    """What the panel needs for email beside texts."""
    cannot_email = why_not_email(lead)
    usable = [c for c, why in (("sms", cannot_text), ("email", cannot_email)) if not why]
    return {
        "cannot_email": cannot_email,
        "usable_channels": usable,
        "channel": channel if channel in usable else default_channel(lead, usable),
        "subject": reply_subject(lead) if subject is None else subject,
        "bounced": list(BouncedAddress.objects.filter(customer=lead.customer)),
        "max_email": MAX_EMAIL,
        "max_voice_mb": MAX_VOICE_BYTES // (1024 * 1024),
    }


class VoiceRefused(ValueError):
    """An upload that is no voice note Forecourt can send."""


def read_voice(upload: UploadedFile) -> tuple[bytes, str]:
    """The voice note's bytes and type; VoiceRefused for one too long or not a recording."""
    if (upload.size or 0) > MAX_VOICE_BYTES:
        raise VoiceRefused(f"A voice note can be at most {MAX_VOICE_BYTES // (1024 * 1024)} MB.")
    kind = (upload.content_type or "").split(";")[0].strip().lower()
    if kind not in VOICE_TYPES:
        raise VoiceRefused("The voice note is not a recording Forecourt can send (WebM, Ogg, MP4, MP3, AAC or WAV).")
    content = upload.read(MAX_VOICE_BYTES + 1)
    if not content:
        raise VoiceRefused("The voice note is empty: record again.")
    return content, kind


def send_email(*, lead: Lead, actor: User, subject: str, body: str, voice: tuple[bytes, str] | None = None) -> Message:
    """An email from the composer, with its voice note attached; nothing is stored when it cannot go."""
    if len(body.strip()) > MAX_EMAIL:
        raise ValueError(f"An email holds at most {MAX_EMAIL:,} characters.")
    if not subject.strip():
        raise ValueError("Give the email a subject.")
    if voice is not None and not body.strip():
        body = "I recorded a voice note for you: it is attached."
    with transaction.atomic():
        message = send_message(lead=lead, channel="email", subject=subject, body=body, actor=actor)
        if voice is not None:
            content, kind = voice
            extension = {"audio/webm": "webm", "audio/ogg": "ogg", "audio/mpeg": "mp3", "audio/wav": "wav"}.get(
                kind, "m4a"
            )
            Attachment.objects.create(
                message=message,
                name=f"voice-note.{extension}",
                content_type=kind,
                content=content,
                size=len(content),
            )
    return message
