"""The pure chooser: round robin order, weights, skips with reasons, caps, CRM ids, groups."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from distribution.assign import (
    Candidate,
    GroupRule,
    LeadFacts,
    Match,
    Position,
    crm_match,
    eligible,
    first_match,
    round_robin,
    why_not,
)

CAROL = Candidate(1, "Carol", order=10)
DAVE = Candidate(2, "Dave", order=20)
ERIN = Candidate(3, "Erin", order=30, absent=True, absent_until=date(2026, 12, 28))
FRANK = Candidate(4, "Frank", order=40, receives_leads=False)


def run(candidates: list[Candidate], leads: int, cap: int | None = None) -> list[int | None]:
    last, got = None, []
    for _ in range(leads):
        choice = round_robin(candidates, last, department="sales", cap=cap)
        got.append(choice.user_id)
        last = choice.position or last
    return got


def test_round_robin_goes_round_in_the_persisted_order():
    assert run([DAVE, CAROL], 5) == [1, 2, 1, 2, 1]


def test_round_robin_explains_who_came_before_and_who_was_skipped():
    choice = round_robin([CAROL, DAVE, ERIN, FRANK], Position(0, 20), department="sales", last_name="Dave")
    assert choice.user_id == 1
    assert choice.reason == "round robin: after Dave; Erin absent until 28 Dec; Frank not receiving leads"


def test_round_robin_skips_absent_salesperson_and_those_not_receiving_leads():
    assert set(run([CAROL, DAVE, ERIN, FRANK], 6)) == {1, 2}


def test_a_weight_of_two_counts_twice_per_round_and_is_spread_out():
    heavy = Candidate(1, "Carol", order=10, weight=2)
    assert run([heavy, DAVE, Candidate(5, "Gina", order=50)], 8) == [1, 2, 5, 1, 1, 2, 5, 1]


def test_nobody_eligible_says_why_each_person_was_left_out():
    choice = round_robin([ERIN, FRANK, Candidate(6, "Hal", order=60, active=False)], None, department="sales")
    assert choice.user_id is None
    assert choice.reason == (
        "round robin: nobody eligible (Erin absent until 28 Dec; Frank not receiving leads; Hal deactivated)"
    )


def test_the_cap_on_open_leads_passes_people_over():
    full = Candidate(1, "Carol", order=10, open_leads=5)
    choice = round_robin([full, DAVE], None, department="sales", cap=5)
    assert choice.user_id == 2
    assert "Carol at the cap of 5 open leads" in choice.reason


def test_ineligibility_reasons_read_like_a_manager_would_say_them():
    assert why_not(Candidate(1, "A", 1, in_department=False), department="service") == "not in service"
    assert why_not(Candidate(1, "A", 1, on_shift=False), department="sales") == "off shift"
    assert why_not(Candidate(1, "A", 1, member=False), department="sales") == "no longer works here"
    assert why_not(Candidate(1, "A", 1, absent=True), department="sales") == "absent"
    assert (
        why_not(
            Candidate(1, "A", 1, absent=True, absent_until=date(2027, 1, 3)),
            department="sales",
            today=date(2026, 12, 20),
        )
        == "absent until 3 Jan 2027"
    )
    assert why_not(Candidate(1, "A", 1, receives_leads=False), department="sales", needs="can_be_assigned") is None


def test_first_available_offers_everyone_eligible_once():
    people, left_out = eligible([CAROL, DAVE, ERIN, FRANK, CAROL], department="sales")
    assert [p.user_id for p in people] == [1, 2]
    assert left_out == ["Erin absent until 28 Dec", "Frank not receiving leads"]


def test_crm_assign_finds_the_named_salesperson_even_outside_the_department():
    named = Candidate(7, "Kim", order=70, crm_id="4711", in_department=False, receives_leads=False)
    assert crm_match([CAROL, named], "4711", department="sales").user_id == 7
    unknown = crm_match([CAROL, named], "999", department="sales")
    assert unknown.user_id is None
    assert unknown.reason == "CRM assigned: salesperson 999 matches nobody here"
    away = Candidate(8, "Lou", order=80, crm_id="12", absent=True)
    assert crm_match([away], "12", department="sales").reason == "CRM assigned: salesperson 12 is Lou, absent"


def test_the_first_matching_group_wins():
    used_honda = GroupRule("a", "Used Honda", Match(makes=("Honda",), condition="used"))
    cargurus = GroupRule("b", "CarGurus", Match(sources=("CarGurus",)))
    evening = GroupRule("c", "Evenings", Match(hours="after_hours"))
    facts = LeadFacts(source="cargurus", department="sales", makes=frozenset({"honda"}), conditions=frozenset({"used"}))
    assert first_match([used_honda, cargurus], facts) is used_honda
    assert first_match([cargurus, used_honda], facts) is cargurus
    assert first_match([evening], facts) is None
    assert first_match([evening], LeadFacts(source="x", department="sales", after_hours=True)) is evening
    assert Match(sources=("CarGurus",), hours="business").describe() == "source CarGurus, business hours"


people = st.lists(
    st.builds(
        Candidate,
        user_id=st.integers(1, 30),
        name=st.just("P"),
        order=st.integers(0, 50),
        weight=st.integers(0, 3),
        active=st.booleans(),
        receives_leads=st.booleans(),
        absent=st.booleans(),
        open_leads=st.integers(0, 4),
    ),
    max_size=8,
    unique_by=(lambda c: c.user_id, lambda c: c.order),
)


@settings(max_examples=300)
@given(people, st.none() | st.builds(Position, st.integers(0, 3), st.integers(0, 50)), st.none() | st.integers(1, 4))
def test_round_robin_always_picks_an_eligible_person_when_there_is_one(candidates, last, cap):
    choice = round_robin(candidates, last, department="sales", cap=cap)
    allowed = [c for c in candidates if c.weight > 0 and why_not(c, department="sales", cap=cap) is None]
    if allowed:
        assert choice.user_id in {c.user_id for c in allowed}
    else:
        assert choice.user_id is None


@settings(max_examples=200)
@given(people, st.integers(1, 4))
def test_over_whole_rounds_everyone_eligible_gets_exactly_their_weight(candidates, rounds):
    allowed = [c for c in candidates if c.weight > 0 and why_not(c, department="sales") is None]
    total = sum(c.weight for c in allowed)
    counts = Counter(run(candidates, total * rounds))
    if allowed:
        assert counts == Counter({c.user_id: c.weight * rounds for c in allowed})
