"""Source rules with regular expressions: no pattern can stall intake, and patterns that could
are refused when an admin saves them."""

from __future__ import annotations

import threading

from intake.actions import process_held, store_inbound
from intake.models import InboundEmail, SourceRule
from intake.sources import rule_matches
from intake.tests.conftest import adf, lead_email
from leads.models import Lead

# Nested repetition: a backtracking engine tries every way of splitting the run of "a"s, which
# for a subject of 40 "a"s and a "!" is about a trillion steps.
CATASTROPHIC = r"^(a+)+$"
CRAFTED_SUBJECT = "a" * 40 + "!"


def matches_in_a_thread(rule: SourceRule, text: str) -> list[bool]:
    outcome: list[bool] = []
    worker = threading.Thread(target=lambda: outcome.append(rule_matches(rule, text)), daemon=True)
    worker.start()
    worker.join(timeout=60)
    return outcome


def test_a_catastrophic_pattern_against_a_crafted_subject_answers_no_match():
    rule = SourceRule(field=SourceRule.Field.SUBJECT, match=SourceRule.Match.REGEX, pattern=CATASTROPHIC)

    assert matches_in_a_thread(rule, CRAFTED_SUBJECT) == [False]
    assert matches_in_a_thread(rule, "a" * 40) == [True]


def test_a_lead_whose_subject_is_crafted_against_a_rule_still_arrives_with_its_source(riverside):
    SourceRule.objects.create(
        dealership=riverside,
        field=SourceRule.Field.SUBJECT,
        match=SourceRule.Match.REGEX,
        pattern=CATASTROPHIC,
        source_name="Trap",
        position=1,
    )
    raw = lead_email(document=adf(provider="", lead_id=None), sender="x@example.org", subject=CRAFTED_SUBJECT)
    inbound = store_inbound(dealership=riverside, raw=raw, channel=InboundEmail.Channel.SMTP, hold=True)

    process_held(inbound)

    assert Lead.objects.get().source_name == "Unknown sender"


def test_rules_still_match_in_any_case_and_on_word_boundaries():
    rule = SourceRule(field=SourceRule.Field.FROM, match=SourceRule.Match.REGEX, pattern=r"[@.]cars\.com\b")

    assert rule_matches(rule, "Leads <LEADS@CARS.COM>")
    assert not rule_matches(rule, "leads@truecars.com")
    assert not rule_matches(rule, "leads@cars.company.example")


def save_rule(client, riverside, pattern: str):
    return client.post(
        "/intake/rules/",
        {
            "scope": f"d:{riverside.pk}",
            "field": "subject",
            "match": "regex",
            "pattern": pattern,
            "source_name": "Refused",
            "source_kind": "third_party",
            "position": 1,
        },
    )


def test_a_pattern_that_looks_back_or_ahead_is_refused_when_saved(riverside, alice, client_for):
    client = client_for(alice)

    for pattern in (r"(lead)\1", r"^(?=.*cargurus).*$", r"(?<!true)cars\.com"):
        response = save_rule(client, riverside, pattern)

        assert response.status_code == 200
        page = response.content.decode()
        assert "look-ahead, look-behind and back-references cannot be used" in page
        assert "perl" not in page  # the engine's own words are not shown
    assert not SourceRule.objects.filter(source_name="Refused").exists()


def test_an_invalid_pattern_is_refused_in_plain_words(riverside, alice, client_for):
    response = save_rule(client_for(alice), riverside, "(cargurus|truecar")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Not a valid regular expression" in page
    assert "missing )" in page
    assert not SourceRule.objects.filter(source_name="Refused").exists()


def test_a_catastrophic_looking_pattern_is_accepted_because_it_can_no_longer_stall(riverside, alice, client_for):
    assert save_rule(client_for(alice), riverside, CATASTROPHIC).status_code == 302
