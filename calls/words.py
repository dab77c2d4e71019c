"""How a call is told in the thread, the timeline and notifications: who called whom, how long,
and how it went, in a dealership's words."""

from __future__ import annotations

from calls.models import Call
from forecourt.lib.phone import display

OUTCOME_WORDS = {
    Call.Outcome.ANSWERED: "answered",
    Call.Outcome.NO_ANSWER: "no answer",
    Call.Outcome.BUSY: "busy",
    Call.Outcome.FAILED: "failed",
    Call.Outcome.VOICEMAIL: "voicemail",
}


def length(seconds: int | None) -> str:
    """4 min 05 s, 45 s."""
    if seconds is None:
        return ""
    minutes, rest = divmod(max(seconds, 0), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"


def customer_name(call: Call) -> str:
    if call.customer is not None and call.customer.display_name != "Unknown":
        return call.customer.display_name
    number = call.to_number if call.direction == Call.Direction.OUT else call.from_number
    return display(number) if number else "the customer"


def who(call: Call) -> str:
    """ "Carol Seller called Jordan Sample", "Jordan Sample called the dealership"."""
    customer = customer_name(call)
    if call.direction == Call.Direction.OUT:
        return f"{call.user.name if call.user else 'Forecourt'} called {customer}"
    return f"{customer} called {call.dealership.name}"


def state(call: Call) -> str:
    """How it went, or where it is: "answered, 4 min 05 s", "no answer", "ringing"."""
    if call.status == Call.Status.FAILED:
        return "failed"
    if call.outcome:
        words = OUTCOME_WORDS[Call.Outcome(call.outcome)]
        if call.outcome == Call.Outcome.ANSWERED and call.direction == Call.Direction.IN and call.answered_by:
            words += f" at {display(call.answered_by)}"
        return f"{words}, {length(call.duration_seconds)}" if call.duration_seconds else words
    return Call.Status(call.status).label.lower()


def summary(call: Call) -> str:
    """One line for the thread and the timeline: "Carol Seller called Jordan Sample: answered, 4 min 05 s"."""
    line = f"{who(call)}: {state(call)}"
    if call.last_error:
        line += f" ({call.last_error})"
    return line
