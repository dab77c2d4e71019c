"""The one door for a new lead.

ADF email and HTTP, the API, the new-lead screen (and every channel after them: an unknown texter,
a caller, Messenger, chat) hand a new lead to `take_in_lead`, which stores it through `leads/` and
then sets it to work: places it at its rooftop, starts its SLA clock and default follow-ups,
distributes it, and forwards it by the rooftop's forwarding rules (the CRM's ADF copy, marketplace
redirects, the trade-in CC: `intake.forwarding`). `leads/` itself knows none of this.

A rooftop in lead tracking mode (`dealerships.modes`) works its leads in another CRM: its leads
are stored and forwarded by its forwarding rules all the same, but nobody is assigned and no clock or
follow-up starts (docs/tracking-mode.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db import transaction

from accounts.models import User
from dealerships.models import Dealership
from dealerships.modes import is_tracking
from distribution.actions import distribute_new_lead, place_new_lead
from escalations.actions import new_clock, no_clock
from followups.actions import log_added, start_default_tasks
from forecourt.lib import batch
from intake import forwarding
from leads import actions as lead_actions
from leads.models import Customer, Lead


def take_in_lead(
    *,
    dealership: Dealership,
    customer: Mapping[str, Any],
    source_name: str,
    actor: User | None,
    source_kind: str = Lead.SourceKind.THIRD_PARTY,
    source_ref: str = "",
    department: str = "sales",
    co_customer: Mapping[str, Any] | None = None,
    vehicles: Iterable[Mapping[str, Any]] = (),
    trades: Iterable[Mapping[str, Any]] = (),
    comments: str = "",
    timeframe: Mapping[str, Any] | None = None,
    received_at: datetime | None = None,
    assigned_to: User | None = None,
    existing_customer: Customer | None = None,
    customer_is_new: bool = False,
    assign_reason: str = "assigned when the lead was entered",
    crm_salesperson: str = "",
    also_sent: Sequence[tuple[str, str]] = (),
    autorespond: bool = False,
) -> Lead:
    """Take a new lead in and set it to work (see the module docstring); the fields are `create_lead`'s.

    Without `assigned_to` the lead goes through the dealership's distribution, which may use
    `crm_salesperson` (the salesperson id the sender named). `customer_is_new` says that
    `existing_customer` was made for this lead, so it has no past salesperson to look for.
    In tracking mode nobody is assigned, even a salesperson entering a lead for themselves
    (the API refuses an explicit `assigned_to` before it gets here).
    `autorespond` asks for the rooftop's autoresponder once the lead is distributed: the callers
    that take leads in from elsewhere (ADF, the API without an assignee) say so.
    """
    tracking = is_tracking(dealership)
    if tracking:
        assigned_to = None
    with transaction.atomic(savepoint=False):
        if existing_customer is None:
            existing_customer, customer_is_new = lead_actions.customer_for_lead(
                organization=dealership.organization, data=customer, country=dealership.country
            )
        lead = lead_actions.create_lead(
            dealership=dealership,
            customer=customer,
            existing_customer=existing_customer,
            source_name=source_name,
            actor=actor,
            source_kind=source_kind,
            source_ref=source_ref,
            department=department,
            co_customer=co_customer,
            vehicles=vehicles,
            trades=trades,
            comments=comments,
            timeframe=timeframe,
            received_at=received_at,
            assigned_to=assigned_to,
            assign_reason=assign_reason,
            also_sent=also_sent,
        )
        if tracking:
            _keep_track(lead=lead)
            return lead
        _set_to_work(
            lead=lead,
            actor=actor,
            distribute=assigned_to is None,
            crm_salesperson=crm_salesperson,
            customer_is_new=customer_is_new,
            autorespond=autorespond,
        )
    return lead


def _set_to_work(
    *,
    lead: Lead,
    actor: User | None,
    distribute: bool,
    crm_salesperson: str,
    customer_is_new: bool,
    autorespond: bool,
) -> None:
    """Place the lead at its rooftop, start its SLA clock and default follow-ups, then choose its
    owner, forward it and answer its customer.

    In that order: placing may move the lead to the rooftop holding its vehicle, whose hours the
    clock then follows; and taking a round-robin turn locks the rotation's row until this
    transaction commits, so it comes as late as it can, to keep other leads waiting for that row
    as briefly as possible (bench/distribution.py): in a batch of many, once every lead of the
    batch is made (`forecourt.lib.batch.later`). The timeline still reads received, assigned,
    follow-ups added. Then the lead is forwarded by its forwarding rules, read (and the trade-in
    PDF rendered) before the turn; a marketplace redirect to a person is distribution's first rule.
    """
    policy = place_new_lead(lead=lead, actor=actor) if distribute else None
    rules = forwarding.rules_for(lead)
    sla, timers = new_clock(lead)
    tasks = start_default_tasks(lead=lead, sla=sla, clock_timers=timers, actor=actor)

    def choose_owner() -> None:
        if policy is not None:
            distribute_new_lead(
                lead=lead,
                actor=actor,
                crm_salesperson=crm_salesperson,
                policy=policy,
                customer_is_new=customer_is_new,
                redirect=rules.redirect_to_person(),
            )
        log_added(lead=lead, tasks=tasks, actor=actor)
        forwarding.forward(lead=lead, rules=rules)
        if autorespond:
            # After distribution: the rooftop may have changed (vehicle location), the assignee is known.
            # Imported here: conversations takes its own new leads (texts, chat) in through this door.
            from conversations.autoresponder import respond_to_new_lead

            respond_to_new_lead(lead=lead)

    batch.later(choose_owner)


def _keep_track(*, lead: Lead) -> None:
    """A lead of a rooftop in tracking mode: kept without a clock (so no timer, reminder or
    escalation) and without follow-ups or an owner (a marketplace redirect to a person included),
    and forwarded by the rooftop's forwarding rules as any lead is."""
    no_clock(lead)
    forwarding.forward(lead=lead, rules=forwarding.rules_for(lead))
