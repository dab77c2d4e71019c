"""A template is filled in for the lead and the person sending, and a customer never reads a merge
field as written: an unknown field or a missing link is refused, a missing value is named."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import make_lead
from conversations.templates import (
    ALL_FIELDS,
    TemplateError,
    draft,
    merge,
    problems_in,
    render_template,
    unfilled_fields,
)

LINKS = {
    "credit_application": "https://riverside.example/credit",
    "service_appointment": "https://riverside.example/service",
    "trade_in_value": "https://riverside.example/trade",
}
EVERYTHING = (
    "Hi {first_name}, the {vehicle} is waiting. {salesperson} at {dealership}, {dealership_phone}. "
    "Credit: {credit_application} Service: {service_appointment} Trade: {trade_in_value}"
)


@pytest.fixture
def lead(riverside, carol):
    riverside.main_phone = "+15125550111"
    riverside.links = LINKS
    riverside.save()
    return make_lead(
        riverside,
        assigned_to=carol,
        vehicles=[
            {"year": 2019, "make": "Toyota", "model": "Camry"},
            {"year": 2016, "make": "RAM", "model": "2500", "trim": "Laramie", "preferred": True},
        ],
    )


def test_every_merge_field_is_filled_for_the_lead_and_the_person_sending(lead, dave):
    text = render_template(EVERYTHING, lead, dave)
    assert text == (
        "Hi Jordan, the 2016 RAM 2500 is waiting. Dave Seller at Riverside Toyota, (512) 555-0111. "
        "Credit: https://riverside.example/credit Service: https://riverside.example/service "
        "Trade: https://riverside.example/trade"
    )


def test_without_a_sender_the_leads_salesperson_signs(lead):
    assert render_template("{salesperson}", lead, None) == "Carol Seller"


def test_a_lead_without_a_vehicle_is_refused_in_words_never_sent_as_the_field(riverside, carol):
    lead = make_lead(riverside, assigned_to=carol)
    with pytest.raises(TemplateError) as refused:
        render_template("Hi {first_name}, about the {vehicle}", lead, carol)
    assert refused.value.missing == ["vehicle"]
    assert "this lead has no vehicle" in str(refused.value)

    unfinished = draft("Hi {first_name}, about the {vehicle}", lead, carol)
    assert unfinished.text == "Hi Jordan, about the {vehicle}"
    assert unfilled_fields(unfinished.text) == ["vehicle"]


def test_a_link_the_dealership_removed_is_refused_when_the_template_is_used(lead, carol):
    lead.dealership.links = {**LINKS, "credit_application": ""}
    lead.dealership.save()
    with pytest.raises(TemplateError, match="Riverside Toyota has no credit application link"):
        render_template("Apply here: {credit_application}", lead, carol)


def test_an_unknown_field_a_stray_brace_and_an_unset_link_are_refused_when_saved():
    assert problems_in(EVERYTHING, links=LINKS) == []
    problems = problems_in("Hi {firstname}, {credit_application}", links={})
    assert problems[0].startswith("{firstname} is not a merge field (these are: {first_name}, {vehicle}")
    assert (
        problems[1]
        == "{credit_application} needs the dealership's credit application link (dealership settings, links)."
    )
    assert problems_in("Hi {first_name", links=LINKS) == [
        "A brace is not part of a merge field: write fields as {first_name}."
    ]


def test_a_value_with_braces_is_not_filled_a_second_time():
    assert merge("Hi {first_name}", {"first_name": "{vehicle}", "vehicle": "RAM"}) == ("Hi {vehicle}", [])


plain = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=40)


@given(
    pieces=st.lists(st.tuples(plain, st.sampled_from(ALL_FIELDS)), max_size=6),
    tail=plain,
    values=st.fixed_dictionaries(dict.fromkeys(ALL_FIELDS, plain)),
)
def test_a_merged_template_holds_no_field_unless_it_lacked_a_value(pieces, tail, values):
    body = "".join(text + "{" + name + "}" for text, name in pieces) + tail
    assert problems_in(body, links=dict.fromkeys(ALL_FIELDS, "https://x.example")) == []
    text, missing = merge(body, values)
    used = {name for _, name in pieces}
    assert set(missing) == {name for name in used if not values[name].strip()}
    assert set(unfilled_fields(text)) == set(missing)
    if not missing:
        assert text == "".join(t + values[n].strip() for t, n in pieces) + tail
