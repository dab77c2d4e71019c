"""Naming a lead's source: from the ADF provider when it is a site we know, else from the
dealership's rules on the sender address and subject, else "Unknown sender"."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2
from django.db.models import Q

from dealerships.models import Dealership
from intake.models import SourceRule
from leads.models import Lead

UNKNOWN_SENDER = "Unknown sender"
THIRD_PARTY = Lead.SourceKind.THIRD_PARTY

# Canonical name → spellings seen in provider names, compared with everything but letters and
# digits removed ("Cars.com Inc." → "carscominc").
KNOWN_SOURCES: dict[str, tuple[str, ...]] = {
    "CarGurus": ("cargurus",),
    "Cars.com": ("carscom",),
    "AutoTrader": ("autotrader",),
    "TrueCar": ("truecar",),
    "Edmunds": ("edmunds",),
    "KBB": ("kbb", "kelleybluebook"),
    "Facebook": ("facebook",),
    "Carfax": ("carfax",),
}


@dataclass(frozen=True)
class Source:
    name: str
    kind: str


def _squash(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def known_source(name: str | None) -> str | None:
    """The canonical name of a listing site named in `name`, if it is one we know."""
    squashed = _squash(name or "")
    if not squashed:
        return None
    for canonical, spellings in KNOWN_SOURCES.items():
        if any(spelling in squashed for spelling in spellings):
            return canonical
    return None


def rules_for(dealership: Dealership) -> list[SourceRule]:
    """The rules that apply at `dealership`: its own first, then its organisation's, then built-in."""
    rules = SourceRule.objects.filter(
        Q(dealership=dealership)
        | Q(organization_id=dealership.organization_id)
        | Q(dealership__isnull=True, organization__isnull=True)
    )
    order = {"dealership": 0, "organization": 1, "built_in": 2}
    return sorted(rules, key=lambda rule: (order[rule.scope], rule.position, rule.pk))


class UnusablePattern(ValueError):
    """A rule's regular expression that is invalid, or that the matching engine cannot run."""


def _re2_options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a refused pattern is an answer to the admin, not a log line
    return options


@lru_cache(maxsize=512)
def compiled_pattern(pattern: str) -> Any:
    """`pattern` compiled by RE2, which matches in time linear in the text and never backtracks:
    no subject, however crafted, can hold intake on a pattern like `^(a+)+$`. RE2 therefore has
    no look-around and no back-references; such patterns are refused with the reason."""
    try:
        re.compile(pattern)
    except re.error as exc:
        raise UnusablePattern(f"Not a valid regular expression: {exc.msg}.") from None
    try:
        return re2.compile(pattern, _re2_options())
    except re2.error:
        # RE2's own reasons ("invalid perl operator: (?<!") are engine words: say what to change.
        raise UnusablePattern(
            "This pattern cannot be used in a source rule: look-ahead, look-behind and "
            "back-references cannot be used, and a repeat count is at most 1000."
        ) from None


def rule_matches(rule: SourceRule, text: str) -> bool:
    if rule.match == SourceRule.Match.REGEX:
        try:
            return compiled_pattern(rule.pattern).search(text) is not None
        except UnusablePattern:
            # Saved before patterns were checked: it names no source rather than stopping intake.
            return False
    return rule.pattern.lower() in text.lower()


def matching_rule(dealership: Dealership, *, sender: str, subject: str) -> SourceRule | None:
    for rule in rules_for(dealership):
        text = sender if rule.field == SourceRule.Field.FROM else subject
        if text and rule_matches(rule, text[:500]):
            return rule
    return None


def source_for(
    dealership: Dealership,
    *,
    provider_names: Iterable[str | None] = (),
    vendor_name: str | None = None,
    sender: str = "",
    subject: str = "",
) -> Source:
    """The lead's source, in this order: a known site named by the provider, a rule on the sender
    or subject, the provider's own name, a known site named as the vendor, "Unknown sender"."""
    names = [name.strip() for name in provider_names if name and name.strip()]
    for name in names:
        if canonical := known_source(name):
            return Source(canonical, THIRD_PARTY)
    rule = matching_rule(dealership, sender=sender, subject=subject)
    if rule is not None:
        return Source(rule.source_name, rule.source_kind)
    if names:
        return Source(names[0][:100], THIRD_PARTY)
    if canonical := known_source(vendor_name):
        return Source(canonical, THIRD_PARTY)
    return Source(UNKNOWN_SENDER, THIRD_PARTY)
