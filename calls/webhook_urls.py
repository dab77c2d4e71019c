"""Twilio's voice webhooks, under /hooks/ (CONTRACT §5)."""

from __future__ import annotations

from django.urls import path

from calls import webhooks

urlpatterns = [
    path("twilio/voice", webhooks.voice_inbound, name="hook-twilio-voice"),
    path("twilio/voice/bridge/<str:token>", webhooks.voice_bridge, name="hook-twilio-voice-bridge"),
    path("twilio/voice/status/<str:token>", webhooks.voice_status, name="hook-twilio-voice-status"),
]
