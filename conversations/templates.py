"""Message templates: a dealership's ready-made texts with merge fields, filled in for one lead.

A template says `Hi {first_name}, the {vehicle} is ready for you. {salesperson}, {dealership}`.
`render_template` fills it for a lead and the person sending; it refuses (TemplateError) rather
than let a customer read "{vehicle}". `problems_in` is what the templates screen checks when an
admin saves one, so a template with an unknown field or a link the dealership has not set is
never stored. `merge` and `problems_in` are pure (no database) and proven by properties.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from forecourt.lib.names import name_for_customers
from forecourt.lib.phone import display

if TYPE_CHECKING:
    from accounts.models import User
    from conversations.models import MessageTemplate
    from dealerships.models import Dealership
    from leads.models import Lead

# A merge field is a name in braces; anything else in braces is a mistake the admin is told about.
FIELD = re.compile(r"\{([^{}]*)\}")

# Merge fields and what they stand for, in the words the templates screen uses.
FIELDS: dict[str, str] = {
    "first_name": "the customer's first name",
    "vehicle": 'the preferred vehicle ("2016 RAM 2500")',
    "salesperson": "the name of the person sending",
    "dealership": "the dealership's name",
    "dealership_phone": "the dealership's phone number",
}
# Link shortcuts: the dealership's own links (settings, links), in dealership words.
LINKS: dict[str, str] = {
    "credit_application": "credit application",
    "service_appointment": "service appointment",
    "trade_in_value": "trade-in value",
}
ALL_FIELDS: tuple[str, ...] = (*FIELDS, *LINKS)


class TemplateError(ValueError):
    """A template that cannot be filled in for this lead; `missing` names the fields at fault."""

    def __init__(self, problems: list[str], missing: list[str] | None = None) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems
        self.missing = missing or []


@dataclass(frozen=True)
class Draft:
    """A template filled in as far as it can be: `text` keeps `{field}` where a value is missing,
    and `problems` says, in words, what the salesperson must replace before it can go."""

    text: str
    problems: list[str]
    missing: list[str]


def fields_in(body: str) -> list[str]:
    """The merge fields `body` uses, in order of first use."""
    seen: dict[str, None] = {}
    for match in FIELD.finditer(body):
        seen.setdefault(match.group(1).strip(), None)
    return list(seen)


def problems_in(body: str, *, links: Mapping[str, str]) -> list[str]:
    """What is wrong with a template for a dealership with these `links`, in words; [] if nothing.

    An unknown field, a stray brace and a link shortcut the dealership has not set are refused,
    so no customer ever receives a merge field as written.
    """
    problems: list[str] = []
    for name in fields_in(body):
        if name not in FIELDS and name not in LINKS:
            known = ", ".join(f"{{{field}}}" for field in ALL_FIELDS)
            problems.append(f"{{{name}}} is not a merge field (these are: {known}).")
        elif name in LINKS and not (links.get(name) or "").strip():
            problems.append(f"{{{name}}} needs the dealership's {LINKS[name]} link (dealership settings, links).")
    if _stray_brace(body):
        problems.append("A brace is not part of a merge field: write fields as {first_name}.")
    return problems


def _stray_brace(body: str) -> bool:
    rest = FIELD.sub("", body)
    return "{" in rest or "}" in rest


def merge(body: str, values: Mapping[str, str]) -> tuple[str, list[str]]:
    """`body` with every field that has a value filled in, and the fields left as written.

    One pass: a value that itself contains braces (a customer named "{vehicle}") is not filled again.
    """
    missing: dict[str, None] = {}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        value = (values.get(name) or "").strip()
        if value:
            return value
        missing.setdefault(name, None)
        return match.group(0)

    return FIELD.sub(fill, body), list(missing)


def vehicle_words(lead: Lead) -> str:
    """The preferred vehicle as a customer would say it: "2016 RAM 2500" ("" when there is none)."""
    vehicles = list(lead.vehicles.all())
    chosen = next((v for v in vehicles if v.preferred), vehicles[0] if vehicles else None)
    if chosen is None:
        return ""
    return " ".join(str(part) for part in (chosen.year, chosen.make, chosen.model) if part)


def dealership_phone(dealership: Dealership) -> str:
    """The number a customer calls: the main number, else the leads number, as people write it."""
    number = dealership.main_phone or dealership.leads_phone
    return display(number) if number else ""


def values_for(lead: Lead, sender: User | None) -> dict[str, str]:
    """Every merge field's value for `lead`, sent by `sender` (None: the lead's salesperson), who
    is named the way the dealership shows names to customers (forecourt.lib.names)."""
    person = sender or lead.assigned_to
    links = lead.dealership.links or {}
    return {
        "first_name": lead.customer.first_name,
        "vehicle": vehicle_words(lead),
        "salesperson": name_for_customers(person, lead.dealership),
        "dealership": lead.dealership.name,
        "dealership_phone": dealership_phone(lead.dealership),
        **{name: str(links.get(name) or "") for name in LINKS},
    }


def _missing_words(name: str, lead: Lead) -> str:
    reasons = {
        "first_name": f"{lead.customer.display_name} has no first name",
        "vehicle": "this lead has no vehicle",
        "salesperson": "nobody is sending it",
        "dealership_phone": f"{lead.dealership.name} has no phone number",
    }
    if name in LINKS:
        return f"{lead.dealership.name} has no {LINKS[name]} link"
    return reasons.get(name, f"{{{name}}} is not a merge field")


def draft(template_body: str, lead: Lead, sender: User | None) -> Draft:
    """The template filled in for `lead` as far as it goes, with what is still to replace."""
    return draft_with(template_body, lead, values_for(lead, sender))


def draft_with(template_body: str, lead: Lead, values: Mapping[str, str]) -> Draft:
    """`draft` with the merge fields' `values` given (the autoresponder fills in some of its own)."""
    text, missing = merge(template_body, values)
    problems = [f"Replace {{{name}}} before sending: {_missing_words(name, lead)}." for name in missing]
    if _stray_brace(template_body):
        problems.append("A brace is not part of a merge field: write fields as {first_name}.")
    return Draft(text=text, problems=problems, missing=missing)


def render_template(template_body: str, lead: Lead, sender: User | None) -> str:
    """The template filled in for `lead`, sent by `sender` (None: the lead's salesperson).

    Raises TemplateError, in words, when a field has no value for this lead (no vehicle, a link
    the dealership removed) or is unknown: a customer never receives "{vehicle}".
    """
    result = draft(template_body, lead, sender)
    if result.problems:
        raise TemplateError(result.problems, result.missing)
    return result.text


def unfilled_fields(text: str) -> list[str]:
    """Merge fields still written in `text` (a draft not yet finished), for the composer to refuse."""
    return [name for name in fields_in(text) if name in FIELDS or name in LINKS]


# Writing (the templates screen) ------------------------------------------------------------------


def save_message_template(
    *, dealership: Dealership, actor: User, name: str, body: str, is_default: bool, template: MessageTemplate | None
) -> MessageTemplate:
    """Create or change a template; TemplateError (nothing saved) for a field it cannot fill.

    One default per dealership: making this one the default takes it from the other. The change
    is in the dealership's history, as every settings change is.
    """
    from django.db import transaction

    from conversations.models import MessageTemplate
    from dealerships.models import DealershipChange

    name, body = name.strip(), body.strip()
    problems = problems_in(body, links=dealership.links or {})
    if problems:
        raise TemplateError(problems)
    same_name = MessageTemplate.objects.filter(dealership=dealership, name__iexact=name)
    if template is not None:
        same_name = same_name.exclude(pk=template.pk)
    if same_name.exists():
        raise TemplateError([f"{dealership.name} already has a template called {name}."])
    with transaction.atomic():
        if is_default:
            MessageTemplate.objects.filter(dealership=dealership, is_default=True).update(is_default=False)
        verb = "changed" if template else "added"
        template = template or MessageTemplate(dealership=dealership)
        old = template.body
        template.name, template.body, template.is_default = name, body, is_default
        template.save()
        DealershipChange.objects.create(
            dealership=dealership,
            actor=actor,
            source=DealershipChange.Source.SETTINGS,
            changes=[
                {"path": f"text_templates.{name}", "old": old, "new": body, "text": f"text template {name} {verb}"}
            ],
        )
    return template


def delete_message_template(*, template: MessageTemplate, actor: User) -> None:
    from django.db import transaction

    from dealerships.models import DealershipChange

    with transaction.atomic():
        template.delete()
        DealershipChange.objects.create(
            dealership=template.dealership,
            actor=actor,
            source=DealershipChange.Source.SETTINGS,
            changes=[
                {
                    "path": f"text_templates.{template.name}",
                    "old": template.body,
                    "new": None,
                    "text": f"text template {template.name} deleted",
                }
            ],
        )
