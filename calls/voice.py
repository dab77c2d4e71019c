"""The TwiML Forecourt answers Twilio's voice webhooks with, built by the `twilio` library: the
click-to-call prompt and bridge, and the routing of a customer's call to the dealership."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from calls.models import Call
from calls.provider import bridge_url, status_url

# Said to everyone on a recorded call before it is recorded (two-party consent states ask for it).
RECORDING_NOTICE = "This call may be recorded for quality and training."
KEY_WAIT_SECONDS = 10
RING_SECONDS = 20
CUSTOMER_EVENTS = "initiated ringing answered completed"


def prompt(call: Call, *, about: str, token: str, recorded: bool) -> str:
    """The salesperson answered: who the customer is, and press a key to be connected. Pressing
    nothing hangs up, and the customer is never dialled."""
    response = VoiceResponse()
    gather = response.gather(num_digits=1, action=bridge_url(token), method="POST", timeout=KEY_WAIT_SECONDS)
    words = f"Call to {about}. Press any key to connect."
    if recorded:
        words += " " + RECORDING_NOTICE
    gather.say(words)
    response.say("No key was pressed. The customer was not called. Goodbye.")
    response.hangup()
    return str(response)


def bridge(call: Call, *, recorded: bool) -> str:
    """The key was pressed: dial the customer from the dealership's number."""
    response = VoiceResponse()
    hook = status_url(call.status_token)
    recording = {"record": "record-from-answer-dual", "recording_status_callback": hook} if recorded else {}
    dial = response.dial(caller_id=call.from_number, timeout=30, **recording)
    dial.number(
        call.to_number,
        status_callback=hook,
        status_callback_event=CUSTOMER_EVENTS,
        status_callback_method="POST",
        machine_detection="Enable",
        url=f"{hook}?announce=1" if recorded else None,
    )
    return str(response)


def announcement() -> str:
    """Played to the customer when they answer a recorded call, before they are connected."""
    response = VoiceResponse()
    response.say(RECORDING_NOTICE)
    return str(response)


def ring(call: Call, number: str, *, first: bool, recorded: bool) -> str:
    """An inbound call rings `number`; how that went comes back to the call's status URL."""
    response = VoiceResponse()
    if first and recorded:
        response.say(RECORDING_NOTICE)
    hook = status_url(call.status_token)
    recording = {"record": "record-from-answer-dual", "recording_status_callback": hook} if recorded else {}
    dial = response.dial(action=hook, method="POST", timeout=RING_SECONDS, **recording)
    dial.number(number)
    return str(response)


def sorry() -> str:
    response = VoiceResponse()
    response.say("Sorry, nobody can take your call right now. We will call you back.")
    response.hangup()
    return str(response)


def hang_up() -> str:
    response = VoiceResponse()
    response.hangup()
    return str(response)


def nothing() -> str:
    return str(VoiceResponse())
