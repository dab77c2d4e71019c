"""Forwarding a new lead: which rooftop's rules apply, and what they send where.

A rooftop's forwarding rules are its CRM address (ADF out, the general forwarding), its
marketplace redirects (leads of one marketplace go to a set person, or as ADF to a set address
instead of the CRM) and its trade-in CC address. They are the rules of the lead's rooftop; with
"use vehicle location for forwarding rules" switched on there, of the rooftop of the group that
holds the lead's vehicle (found as `distribution.facts.move_to_vehicle_location` finds it).

`rules_for` reads all of it before the lead is distributed, `forward` queues the emails after.
"""

from __future__ import annotations

from dataclasses import dataclass

from dealerships.models import Dealership
from distribution.actions import Redirect
from distribution.facts import held_vehicles
from forecourt.lib.batch import read_settled
from intake.adf_out import forward_to_crm, lead_to_adf
from intake.marketplaces import source_key
from intake.models import IntakeSettings, MarketplaceRedirect
from intake.trade_in import email_trade_in, is_trade_in_request, trade_in_pdf
from leads import actions as lead_actions
from leads.models import Activity, Lead
from notifications.actions import queue_email


def vehicle_rooftop(lead: Lead) -> Dealership | None:
    """The rooftop of the group holding the lead's preferred vehicle (else the first one held)."""
    vehicles = list(lead.vehicles.select_related("inventory_vehicle__dealership").order_by("-preferred", "id"))
    held = held_vehicles(lead, vehicles)
    for interest in vehicles:
        if (stock := held.get(interest.pk)) is not None:
            return stock.dealership
    return None


@dataclass(frozen=True)
class Rules:
    """The forwarding rules a new lead goes by: those of `rooftop`."""

    rooftop: Dealership
    by_vehicle_location: bool
    crm: str = ""
    redirect: MarketplaceRedirect | None = None
    trade_in_cc: str = ""
    trade_in_pdf: bytes = b""

    @property
    def whose(self) -> str:
        """The words for whose rules these are, when they are not the lead's own rooftop's."""
        return f" (rules of {self.rooftop.name}, which holds the vehicle)" if self.by_vehicle_location else ""

    def redirect_to_person(self) -> Redirect | None:
        """The person distribution should give the lead to, outside its rules, if any."""
        if self.redirect is None or self.redirect.user is None:
            return None
        return Redirect(user=self.redirect.user, rule=f"marketplace redirect for {self.redirect.source}{self.whose}")


def rules_for(lead: Lead) -> Rules:
    """The rules for `lead` (already placed at its rooftop), with the trade-in PDF rendered if one
    is to go: before the lead's round-robin turn, which holds the rotation until commit."""
    home = lead.dealership
    settings = _settings(home)
    rooftop = home
    if settings is not None and settings.forward_by_vehicle_location:
        rooftop = vehicle_rooftop(lead) or home
        if rooftop.pk != home.pk:
            settings = _settings(rooftop)
    redirect = _redirects(rooftop).get(source_key(lead.source_name))
    trade_in_cc = settings.trade_in_cc_email if settings is not None else ""
    pdf = trade_in_pdf(lead) if trade_in_cc and is_trade_in_request(lead) else b""
    return Rules(
        rooftop=rooftop,
        by_vehicle_location=rooftop.pk != home.pk,
        crm=settings.crm_email if settings is not None else "",
        redirect=redirect,
        trade_in_cc=trade_in_cc if pdf else "",
        trade_in_pdf=pdf,
    )


def _settings(rooftop: Dealership) -> IntakeSettings | None:
    return read_settled(
        ("intake_settings", rooftop.pk), lambda: IntakeSettings.objects.filter(dealership=rooftop).first()
    )


def _redirects(rooftop: Dealership) -> dict[str, MarketplaceRedirect]:
    """The rooftop's marketplace redirects by source key (in intake, kept while the settings stay
    as they are: `forecourt.lib.batch.read_settled`)."""

    def read() -> dict[str, MarketplaceRedirect]:
        rows = MarketplaceRedirect.objects.filter(dealership=rooftop).select_related("user")
        return {row.source_key: row for row in rows}

    return read_settled(("marketplace_redirects", rooftop.pk), read)


def forward(*, lead: Lead, rules: Rules) -> None:
    """Queue what the rules send: the ADF copy (to the marketplace's address when it has one,
    else to the CRM) and the trade-in CC; the timeline says what went where unless it is the
    plain CRM copy of the lead's own rooftop."""
    # In tracking mode too (intake.door._keep_track): the other CRM still gets its copies, and a
    # redirect to a person is simply not handed to distribution.
    redirect = rules.redirect
    if redirect is not None and redirect.email:
        queue_email(
            to=[redirect.email],
            subject=f"ADF lead {lead.pk}: {lead.customer.display_name} ({lead.source_name})"[:300],
            body=lead_to_adf(lead),
            purpose="adf_marketplace",
        )
        _note(lead, f"Sent as ADF to {redirect.email}: marketplace redirect for {redirect.source}{rules.whose}")
    elif rules.crm:
        forward_to_crm(lead=lead, to=rules.crm)
        if rules.by_vehicle_location:
            _note(lead, f"Sent as ADF to the CRM address {rules.crm}{rules.whose}")
    if rules.trade_in_cc and email_trade_in(lead=lead, to=rules.trade_in_cc, pdf=rules.trade_in_pdf):
        _note(lead, f"Trade-in request emailed to {rules.trade_in_cc} with the lead as a PDF{rules.whose}")


def _note(lead: Lead, text: str) -> None:
    lead_actions.record_activity(lead=lead, kind=Activity.Kind.NOTE, actor=None, text=text, data={"forwarding": True})
