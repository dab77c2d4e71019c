"""Provider webhooks, under /hooks/ (CONTRACT §5)."""

from __future__ import annotations

from django.urls import path

from conversations import webhooks

urlpatterns = [
    path("twilio/sms", webhooks.twilio_sms, name="hook-twilio-sms"),
    path("twilio/sms/status", webhooks.twilio_sms_status, name="hook-twilio-sms-status"),
]
