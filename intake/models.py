"""Lead intake: every inbound delivery kept raw, the dealership's intake settings, source rules."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from dealerships.models import Dealership, Organization
from forecourt.lib.jobs import LeasedJob
from forecourt.lib.sealed import SealedTextField
from leads.models import Lead


class IntakeSettings(models.Model):
    """How one dealership takes leads in besides its intake address: where failures are reported,
    the CRM/DMS that gets a copy of every new lead as ADF, and an optional mailbox to poll."""

    dealership = models.OneToOneField(Dealership, on_delete=models.CASCADE, related_name="intake_settings")
    report_email = models.CharField(
        max_length=500, blank=True, help_text="Where mail that made no lead is reported (comma-separated)."
    )
    crm_email = models.EmailField(blank=True, help_text="The CRM/DMS address that gets each new lead as ADF.")
    trade_in_cc_email = models.EmailField(
        blank=True, help_text="Where trade-in requests without a vehicle of interest go, with the lead as a PDF."
    )
    forward_by_vehicle_location = models.BooleanField(
        default=False,
        help_text="Forward a lead by the rules of the rooftop of the group that holds its vehicle (intake.forwarding).",
    )
    imap_host = models.CharField(max_length=200, blank=True)
    imap_port = models.PositiveIntegerField(default=993)
    imap_user = models.CharField(max_length=200, blank=True)
    # Kept as given because the IMAP login needs it back; never shown again after saving.
    imap_password = SealedTextField(blank=True)  # encrypted in the database
    imap_folder = models.CharField(max_length=200, default="INBOX")
    imap_ssl = models.BooleanField(default=True)
    imap_poll_seconds = models.PositiveIntegerField(default=60)
    imap_next_poll_at = models.DateTimeField(default=timezone.now)
    imap_claimed_until = models.DateTimeField(null=True, blank=True)
    imap_last_polled_at = models.DateTimeField(null=True, blank=True)
    imap_last_error = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "intake settings"

    def __str__(self) -> str:
        return f"Intake settings of {self.dealership}"

    @property
    def polls_mailbox(self) -> bool:
        return bool(self.imap_host and self.imap_user)

    @property
    def report_addresses(self) -> list[str]:
        return [part.strip() for part in self.report_email.replace(";", ",").split(",") if part.strip()]


class InboundEmail(LeasedJob):
    """One delivery of lead data, stored raw before anything reads it: an email from the SMTP
    server or a polled mailbox, an HTTP POST body, or a file given to `ingest_adf`.

    A row in `received` whose lease ran out is processed again by the worker's sweep, so a
    crash between storing and processing delays a lead but never loses it.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not processed yet"
        PROCESSED = "processed", "Processed"
        NO_LEAD = "no_lead", "No lead found"
        FAILED = "failed", "Failed"

    class Channel(models.TextChoices):
        SMTP = "smtp", "Email to the intake address"
        IMAP = "imap", "Polled mailbox"
        HTTP = "http", "HTTP API"
        FILE = "file", "Command line"
        RELAY = "relay", "Email to a lead's reply address"

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="inbound_emails")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.SMTP)
    raw = models.BinaryField()
    mail_from = models.CharField(max_length=320, blank=True, help_text="Envelope sender.")
    rcpt_to = models.CharField(max_length=320, blank=True, help_text="Envelope recipient.")
    header_from = models.CharField(max_length=320, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=300, blank=True, db_index=True)
    # Set to the Message-ID only on the first delivery that was processed, so the unique
    # constraint turns a second delivery of the same message into a duplicate, even in a race.
    message_key = models.CharField(max_length=300, null=True, blank=True)
    mailbox_ref = models.CharField(max_length=400, blank=True, help_text="Where a polled message came from.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    reason = models.TextField(blank=True)
    leads = models.ManyToManyField(Lead, blank=True, related_name="inbound_emails")
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "message_key"],
                condition=Q(message_key__isnull=False),
                name="one_processed_delivery_per_message_id",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"], name="inbound_pending_due"),
            models.Index(fields=["dealership", "-received_at"], name="inbound_dealership_recent"),
            models.Index(fields=["dealership", "mailbox_ref"], name="inbound_mailbox_ref"),
        ]

    def __str__(self) -> str:
        return f"Inbound {self.pk} for {self.dealership_id}: {self.status}"

    @property
    def is_retryable(self) -> bool:
        return self.status in (self.Status.NO_LEAD, self.Status.FAILED, self.Status.RECEIVED)

    @property
    def raw_bytes(self) -> bytes:
        return bytes(self.raw)


class LeadSourceId(models.Model):
    """An id the sender gave a lead (`<id source=… >` in ADF), so that a resend or a second
    delivery of the same lead finds the lead instead of making another."""

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=100)
    value = models.CharField(max_length=200)
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="source_ids")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dealership", "source", "value"], name="one_lead_per_sender_id"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.value} → lead {self.lead_id}"


class SourceRule(models.Model):
    """Names a lead's source from the sender address or subject when the ADF does not say.

    A rule belongs to one dealership, to a whole organisation, or (neither) is built in.
    Dealership rules are tried first, then organisation rules, then built-in ones.
    """

    class Field(models.TextChoices):
        FROM = "from", "Sender address"
        SUBJECT = "subject", "Subject"

    class Match(models.TextChoices):
        CONTAINS = "contains", "Contains (any case)"
        REGEX = "regex", "Regular expression (any case)"

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="source_rules"
    )
    dealership = models.ForeignKey(
        Dealership, null=True, blank=True, on_delete=models.CASCADE, related_name="source_rules"
    )
    field = models.CharField(max_length=10, choices=Field.choices, default=Field.FROM)
    match = models.CharField(max_length=10, choices=Match.choices, default=Match.CONTAINS)
    pattern = models.CharField(max_length=200)
    source_name = models.CharField(max_length=100)
    source_kind = models.CharField(max_length=12, choices=Lead.SourceKind.choices, default=Lead.SourceKind.THIRD_PARTY)
    position = models.PositiveIntegerField(default=100, help_text="Lower numbers are tried first.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(dealership__isnull=True),
                name="source_rule_one_scope",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()} {self.match} {self.pattern!r} → {self.source_name}"

    @property
    def scope(self) -> str:
        if self.dealership_id:
            return "dealership"
        return "organization" if self.organization_id else "built_in"


class MarketplaceRedirect(models.Model):
    """Leads from one marketplace go to a set person, or as ADF to a set address instead of the
    CRM (docs/intake.md, "Forwarding"). Exactly one of `user` and `email` is set."""

    dealership = models.ForeignKey(Dealership, on_delete=models.CASCADE, related_name="marketplace_redirects")
    source = models.CharField(max_length=100, help_text="The lead source's name, as leads show it (e.g. Cars.com).")
    source_key = models.CharField(max_length=100, editable=False, help_text="`source` without case or punctuation.")
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.CASCADE, related_name="marketplace_redirects"
    )
    email = models.EmailField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dealership", "source_key"], name="one_redirect_per_marketplace"),
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(email="")) | (Q(user__isnull=True) & ~Q(email="")),
                name="marketplace_redirect_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} → {self.user or self.email}"

    @property
    def target(self) -> str:
        return self.user.email if self.user is not None else self.email
