"""Lead management or lead tracking: the one place that says which a rooftop runs in.

In tracking mode a dealership keeps working its leads in another CRM and Forecourt runs
read-only beside it: every lead is still taken in, shown, searched, reported and sent on to the
CRM, but nobody is assigned, no clock or follow-up starts, no staff alert goes out and Forecourt
says nothing to customers on the dealership's behalf, except what the law and the carriers
require (STOP/HELP answers, consent). Each of those places asks `is_tracking` (docs/tracking-mode.md).
"""

from __future__ import annotations

from typing import Protocol

MANAGEMENT = "management"
TRACKING = "tracking"
MODES = (MANAGEMENT, TRACKING)
CODE = "tracking_mode"  # the API's error code for everything refused in tracking mode


class HasMode(Protocol):
    name: str
    mode: str


def is_tracking(dealership: HasMode) -> bool:
    return dealership.mode == TRACKING


def refusal(dealership: HasMode, what: str) -> str:
    """Why `what` cannot be done, in the words the lead page's banner uses."""
    return (
        f"{dealership.name} runs in lead tracking mode: its leads are worked in another CRM, "
        f"so Forecourt does not {what}. An admin can switch to lead management in the dealership's settings."
    )


BANNER = (
    "This rooftop runs in lead tracking mode: its leads are worked in another CRM. Forecourt keeps, shows and "
    "reports them, but assigns nobody, runs no reply clock and sends customers nothing."
)

# What the settings screen's confirmation says before a switch (docs/tracking-mode.md says the same).
SWITCH_TO_TRACKING = (
    "From now on, new leads are still taken in, shown, reported and sent on to your CRM, but nobody is assigned "
    "them, no reply clock, reminder, escalation or default follow-up starts, nobody is alerted, and nobody can "
    "text, email, call or chat with customers from Forecourt (answers to STOP and HELP still go out). "
    "Leads you already have keep their salesperson, but their reminders and escalations that fall due while "
    "you track are dropped, not saved up for later."
)
SWITCH_TO_MANAGEMENT = (
    "From now on, new leads are distributed, clocked, followed up and alerted as your settings say. Leads taken "
    "in while you tracked stay as they are: no clock starts for them and nobody is alerted about them, but they "
    "can now be assigned by hand and worked."
)
