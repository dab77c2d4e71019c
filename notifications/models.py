"""Everything the system tells staff: in-app notifications, emails and texts, and who wants which."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from forecourt.lib.jobs import LeasedJob


class OutboundEmail(LeasedJob):
    """One email to send. It is saved before any SMTP server is called, then sent by the worker.

    `message_id` is fixed when the row is made, so a retry sends the very same message.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to = models.JSONField(default=list)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    html = models.TextField(blank=True)
    from_email = models.CharField(max_length=300, blank=True)
    reply_to = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, unique=True)
    purpose = models.CharField(max_length=40, help_text="What the email is for, e.g. password_reset.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="email_pending_due")]

    def __str__(self) -> str:
        return f"{self.purpose} to {', '.join(self.to)}"


class OutboundAttachment(models.Model):
    """A file sent with an OutboundEmail, stored with it so that a retry sends the very same bytes."""

    email = models.ForeignKey(OutboundEmail, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    content = models.BinaryField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.content_type})"


class Kind(models.TextChoices):
    """The kinds of event staff are told about; each has its own channel preferences."""

    NEW_LEAD = "new_lead", "New lead assigned to me"
    CUSTOMER_REPLIED = "customer_replied", "A customer replied"
    REMINDER = "reminder", "Reminder before a lead is overdue"
    ESCALATION = "escalation", "Escalation (a lead or follow-up is overdue)"
    REASSIGNED = "reassigned", "A lead was reassigned"
    RESUBMISSION = "resubmission", "A follow-up is due (resubmission)"
    MISSED_CALL = "missed_call", "A customer called and I missed it"
    APPOINTMENT = "appointment", "Appointments booked for me, and the reminder the day before"


# Informational kinds wait for opening hours; the others are escalations and go out when due.
INFORMATIONAL = frozenset({Kind.NEW_LEAD, Kind.CUSTOMER_REPLIED, Kind.REASSIGNED, Kind.MISSED_CALL, Kind.APPOINTMENT})
CHANNELS = ("in_app", "email", "sms", "push")
# Texts cost money and buzz a phone: by default only for a new lead and an escalation.
# Web push buzzes a phone too, for free: by default for what a salesperson should act on at once.
PUSH_BY_DEFAULT = frozenset({Kind.NEW_LEAD, Kind.ESCALATION, Kind.CUSTOMER_REPLIED, Kind.MISSED_CALL})
DEFAULT_CHANNELS: dict[str, dict[str, bool]] = {
    kind: {
        "in_app": True,
        "email": True,
        "sms": kind in (Kind.NEW_LEAD, Kind.ESCALATION),
        "push": kind in PUSH_BY_DEFAULT,
    }
    for kind in Kind.values
}


class NotificationPreference(models.Model):
    """Which channels a user wants for one kind of event; no row means DEFAULT_CHANNELS."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_prefs")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=False)
    push = models.BooleanField(default=False, help_text="An alert on every device the user turned alerts on.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="one_preference_per_kind")]

    def __str__(self) -> str:
        on = [c for c in CHANNELS if getattr(self, c)]
        return f"{self.user} · {self.kind}: {', '.join(on) or 'nothing'}"


class Notification(models.Model):
    """One event told to one user: the record of it, and the bell's row when `in_app` is on.

    The email and text that carry it (if the user wants them) are OutboundEmail/OutboundText rows
    made in the same transaction, so an event is either told on every chosen channel or not at all.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    in_app = models.BooleanField(default=True, help_text="Shown under the bell.")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(OutboundEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "in_app", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user}: {self.text[:40]}"


class OutboundText(LeasedJob):
    """One text message to a member of staff, saved before the provider is called.

    The provider is chosen when the worker sends it (SMS_PROVIDER); `provider_sid` is the
    provider's id for the message (the console provider makes one up).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    to = models.CharField(max_length=20, help_text="E.164")
    from_number = models.CharField(max_length=20, blank=True, help_text="E.164; the dealership's number.")
    body = models.CharField(max_length=1600)
    purpose = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    provider = models.CharField(max_length=20, blank=True)
    provider_sid = models.CharField(max_length=64, blank=True)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="texts"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="text_pending_due")]

    def __str__(self) -> str:
        return f"{self.purpose} text to {self.to}"


class PushSubscription(models.Model):
    """One browser (a phone, a desktop) that asked for web push alerts for its user.

    `endpoint` is the push service's address for that browser; `p256dh` and `auth` are its keys
    (base64url) that every alert is encrypted to. A push service that no longer knows the
    endpoint (404, 410) makes the row go; `failures` counts attempts failed since the last success.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_devices")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=100)
    auth = models.CharField(max_length=40)
    label = models.CharField(max_length=100, help_text="What the device is, from its user agent.")
    created_at = models.DateTimeField(default=timezone.now)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.label} of {self.user}"


class OutboundPush(LeasedJob):
    """One web push alert to one device, saved before the push service is called.

    `key` is fixed when the row is made and sent as the push's Topic: should a retry follow an
    answer that was lost, the push service replaces the first copy instead of showing it twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to send"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(
        PushSubscription, null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes"
    )
    title = models.CharField(max_length=120)
    body = models.CharField(max_length=500)
    url = models.CharField(max_length=300)
    tag = models.CharField(max_length=64, help_text="Alerts with the same tag replace each other on the device.")
    key = models.CharField(max_length=32, unique=True)
    urgency = models.CharField(max_length=10, default="normal")
    purpose = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.SET_NULL, related_name="pushes"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="push_pending_due")]

    def __str__(self) -> str:
        return f"{self.purpose} push: {self.title}"
