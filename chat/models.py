"""Live chat on a dealership's website: the visitors, what they posted (kept raw, first) and the
counters that limit how fast they may post (docs/conversations.md, "Live chat")."""

from __future__ import annotations

import hashlib
import secrets

from django.db import models
from django.utils import timezone

from leads.models import Lead


def new_token() -> str:
    """A visitor's token: 192 random bits, URL-safe; only its digest is stored."""
    return secrets.token_urlsafe(24)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ChatVisitor(models.Model):
    """One person chatting on one dealership's website, and the lead their first message made.

    The widget keeps the token in the visitor's browser (localStorage on the dealer's site) and
    sends it with every request; the database keeps only its SHA-256, so a copy of the database
    cannot be used to read or write anyone's chat. `last_seen_at` is their widget's last poll:
    a visitor not seen for CHAT_AWAY_MINUTES has left, and answers go by text or email.
    """

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="+")
    token_digest = models.CharField(max_length=64, unique=True)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="chat_visitors")
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True, help_text="E.164, as the visitor gave it.")
    email = models.EmailField(blank=True)
    origin = models.CharField(max_length=200, help_text="The website the chat started on.")
    address = models.CharField(max_length=45, blank=True, help_text="The visitor's IP address (its /64 for IPv6).")
    started_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["lead", "last_seen_at"], name="chat_visitor_presence")]

    def __str__(self) -> str:
        return f"{self.name} on {self.origin}"


class ChatPost(models.Model):
    """One message a visitor's widget posted, kept exactly as it came before anything reads it.

    A post that makes a message is `taken` (with the message); one that cannot be read, is empty
    or too long, or carries a token Forecourt never issued is `refused` with the reason, kept
    all the same. None is ever deleted.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not read yet"
        TAKEN = "taken", "Taken into the thread"
        REFUSED = "refused", "Refused"

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="+")
    visitor = models.ForeignKey(ChatVisitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts")
    origin = models.CharField(max_length=200)
    address = models.CharField(max_length=45, blank=True)
    raw = models.TextField(help_text="The request body as sent.")
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True)
    message = models.ForeignKey(
        "conversations.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_posts"
    )

    class Meta:
        ordering = ["received_at", "id"]

    def __str__(self) -> str:
        return f"chat post {self.pk}: {self.status}"


class ChatHit(models.Model):
    """One request counted against the chat's rate limits (chat.limits): per visitor (or, before a
    visitor has a token, per address) and per dealership. Rows older than the longest window go."""

    dealership = models.ForeignKey("dealerships.Dealership", on_delete=models.CASCADE, related_name="+")
    who = models.CharField(max_length=80, help_text='"visitor:<id>" or "address:<ip>".')
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["dealership", "at"], name="chat_hit_site"),
            models.Index(fields=["who", "at"], name="chat_hit_who"),
        ]

    def __str__(self) -> str:
        return f"{self.who} at {self.at:%H:%M:%S}"
