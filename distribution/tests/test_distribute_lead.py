"""Distributing a new lead: each method, groups, hours, fallbacks, known customers, reasons."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine

from accounts.models import Membership, User
from conftest import make_lead
from dealerships.models import Dealership
from distribution.actions import distribute_lead
from distribution.models import Offer
from distribution.tests.conftest import CLOSED, OPEN, seller, set_policy
from inventory.models import Vehicle
from leads.models import Activity, Lead
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]


def assignment_text(lead: Lead) -> str:
    return lead.activities.filter(kind=Activity.Kind.ASSIGNED).latest("id").text


def distribute(dealership: Dealership, **fields) -> Lead:
    lead = make_lead(dealership, bulk=True, **fields)
    distribute_lead(lead=lead)
    lead.refresh_from_db()
    return lead


@time_machine.travel(OPEN, tick=False)
def test_round_robin_hands_leads_out_in_turn_and_says_why(riverside, carol, dave):
    Membership.objects.filter(user__email__in=["gina@example.com", "hank@example.com"]).update(receives_leads=False)
    Membership.objects.filter(user__email="ivy@example.com").update(
        absent_from=date(2026, 3, 1), absent_until=date(2026, 3, 28)
    )
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    first = distribute(riverside, customer={"first_name": "A", "emails": ["a@example.com"]})
    second = distribute(riverside, customer={"first_name": "B", "emails": ["b@example.com"]})
    third = distribute(riverside, customer={"first_name": "C", "emails": ["c@example.com"]})
    assert [first.assigned_to, second.assigned_to, third.assigned_to] == [carol, dave, carol]
    assert assignment_text(third) == (
        "Assigned to Carol Seller: round robin: after Dave Seller; Gina Seller not receiving leads; "
        "Hank Seller not receiving leads; Ivy Seller absent until 28 Mar; Alice Admin not receiving leads; "
        "Bob Manager not receiving leads"
    )


@time_machine.travel(OPEN, tick=False)
def test_the_assignee_is_told_about_their_new_lead(riverside, carol):
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    lead = distribute(riverside)
    note = Notification.objects.get(user=lead.assigned_to, lead=lead)
    assert note.kind == "new_lead"
    assert "Jordan Sample" in note.text


@time_machine.travel(OPEN, tick=False)
def test_first_available_alerts_everyone_eligible_and_leaves_the_lead_to_be_claimed(riverside, team):
    Membership.objects.filter(user=team[4]).update(receives_leads=False)
    set_policy(riverside, {"sales": {"method": "first_available"}})
    lead = distribute(riverside)
    assert lead.assigned_to is None
    assert Offer.objects.get(lead=lead).kind == "first_available"
    assert set(lead.offered_to.all()) == set(team[:4])
    alerted = set(Notification.objects.filter(lead=lead, kind="new_lead").values_list("user__email", flat=True))
    assert alerted == {u.email for u in team[:4]}
    note = lead.activities.filter(kind=Activity.Kind.NOTE).get()
    assert note.text.startswith("first available: offered to Carol Seller, Dave Seller, Gina Seller, Hank Seller")
    assert "Ivy Seller not receiving leads" in note.text


@time_machine.travel(OPEN, tick=False)
def test_crm_assign_gives_the_lead_to_the_salesperson_the_sender_named(riverside, dave):
    Membership.objects.filter(user=dave).update(crm_id="4711")
    set_policy(riverside, {"sales": {"method": "crm_assign"}})
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead, crm_salesperson="4711")
    lead.refresh_from_db()
    assert lead.assigned_to == dave
    assert assignment_text(lead) == "Assigned to Dave Seller: CRM assigned: the sender named salesperson 4711"


@time_machine.travel(OPEN, tick=False)
def test_an_unknown_crm_id_falls_back_to_the_next_rule(riverside, bob):
    set_policy(riverside, {"sales": {"method": "crm_assign", "fallback": "bob@example.com"}})
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead, crm_salesperson="0000")
    lead.refresh_from_db()
    assert lead.assigned_to == bob
    assert assignment_text(lead) == (
        "Assigned to Bob Manager: CRM assigned: salesperson 0000 matches nobody here; then fallback user Bob Manager"
    )


@time_machine.travel(OPEN, tick=False)
def test_a_crm_group_that_does_not_know_the_id_hands_over_to_the_dealership_rule(riverside, carol):
    set_policy(
        riverside,
        {
            "sales": {"method": "round_robin"},
            "groups": [
                {
                    "name": "CRM",
                    "match": {"sources": ["DealerSocket"]},
                    "method": "crm_assign",
                    "members": ["carol@example.com", "dave@example.com"],
                }
            ],
        },
    )
    lead = distribute(riverside, source_name="DealerSocket")
    assert lead.assigned_to == carol
    assert assignment_text(lead).startswith(
        'Assigned to Carol Seller: group "CRM" (source DealerSocket): the sender named no salesperson; then round robin'
    )


@time_machine.travel(OPEN, tick=False)
def test_pool_leads_wait_for_anyone_who_can_be_assigned(riverside, team):
    set_policy(riverside, {"sales": {"method": "pool", "pool_oldest_first": True}})
    lead = distribute(riverside)
    assert lead.assigned_to is None
    offer = Offer.objects.get(lead=lead)
    assert offer.kind == "pool"
    assert offer.oldest_first
    assert not Notification.objects.filter(lead=lead).exists()


@time_machine.travel(OPEN, tick=False)
def test_the_first_matching_group_gets_the_lead_with_its_own_people(riverside, team, carol):
    gina, _hank = team[2], team[3]
    set_policy(
        riverside,
        {
            "sales": {"method": "round_robin"},
            "groups": [
                {
                    "name": "Used Hondas",
                    "match": {"makes": ["Honda"], "condition": "used"},
                    "members": ["gina@example.com", "hank@example.com"],
                },
                {
                    "name": "All CarGurus",
                    "match": {"sources": ["CarGurus"]},
                    "members": ["ivy@example.com", "dave@example.com"],
                },
            ],
        },
    )
    honda = distribute(riverside, vehicles=[{"make": "Honda", "model": "Civic", "condition": "used"}])
    assert honda.assigned_to == gina
    assert assignment_text(honda) == (
        'Assigned to Gina Seller: group "Used Hondas" (make Honda, used): first in the rotation'
    )
    other = distribute(
        riverside,
        customer={"first_name": "T", "emails": ["t@example.com"]},
        vehicles=[{"make": "Toyota", "model": "Camry", "condition": "used"}],
    )
    assert other.assigned_to == team[1]
    web = distribute(riverside, source_name="Website", customer={"first_name": "W", "emails": ["w@example.com"]})
    assert web.assigned_to == carol


@time_machine.travel(OPEN, tick=False)
def test_with_use_vehicle_location_a_lead_moves_to_the_rooftop_holding_the_car(riverside, lakeside, erin):
    Vehicle.objects.create(
        dealership=lakeside, stock="L100", vin="1HGCM82633A004352", make="Honda", model="Accord", year=2022
    )
    Membership.objects.filter(user=erin).update(receives_leads=True)
    set_policy(riverside, {"sales": {"method": "round_robin", "use_vehicle_location": True}})
    lead = distribute(riverside, vehicles=[{"make": "Honda", "model": "Accord", "vin": "1HGCM82633A004352"}])
    assert lead.dealership == lakeside
    assert lead.assigned_to == erin
    moved = lead.activities.filter(kind=Activity.Kind.EDITED).get()
    assert moved.text == "Moved from Riverside Toyota to Lakeside Honda: stock #L100 (2022 Honda Accord) is held there"
    assert lead.vehicles.get().inventory_vehicle == Vehicle.objects.get(stock="L100")


@time_machine.travel(OPEN, tick=False)
def test_without_use_vehicle_location_the_lead_stays_but_groups_can_match_the_vehicle_location(
    riverside, lakeside, team
):
    Vehicle.objects.create(dealership=lakeside, stock="L100", make="Honda", model="Accord")
    set_policy(
        riverside,
        {
            "groups": [
                {
                    "name": "Lakeside stock",
                    "match": {"vehicle_location": ["lakeside-honda"]},
                    "members": ["hank@example.com", "ivy@example.com"],
                }
            ]
        },
    )
    lead = distribute(riverside, vehicles=[{"make": "Honda", "model": "Accord", "stock": "L100"}])
    assert lead.dealership == riverside
    assert lead.assigned_to == team[3]


def test_business_hours_and_after_hours_follow_their_own_rules(riverside, team):
    set_policy(
        riverside,
        {
            "sales": {"method": "round_robin", "after_hours_method": "first_available"},
            "groups": [
                {
                    "name": "Night owls",
                    "match": {"hours": "after_hours", "sources": ["Night"]},
                    "members": ["ivy@example.com", "hank@example.com"],
                }
            ],
        },
    )
    with time_machine.travel(OPEN, tick=False):
        day = distribute(riverside, customer={"first_name": "Day", "emails": ["day@example.com"]})
        day_owl = distribute(
            riverside, source_name="Night", customer={"first_name": "D2", "emails": ["d2@example.com"]}
        )
    with time_machine.travel(CLOSED, tick=False):
        night = distribute(riverside, customer={"first_name": "Night", "emails": ["night@example.com"]})
        owl = distribute(riverside, source_name="Night", customer={"first_name": "Owl", "emails": ["owl@example.com"]})
    assert day.assigned_to is not None
    assert day_owl.assigned_to in team[:2]  # the dealership's round robin, not the after-hours group
    assert night.assigned_to is None
    assert Offer.objects.get(lead=night).kind == "first_available"
    assert night.activities.get(kind=Activity.Kind.NOTE).text.startswith("first available (after hours): offered to")
    assert owl.assigned_to == team[3]


def test_on_shift_distribution_gives_after_hours_leads_to_the_fallback(riverside, bob):
    set_policy(riverside, {"sales": {"method": "round_robin", "on_shift_only": True, "fallback": "bob@example.com"}})
    with time_machine.travel(CLOSED, tick=False):
        lead = distribute(riverside)
    assert lead.assigned_to == bob
    assert "Carol Seller off shift" in assignment_text(lead)


@time_machine.travel(OPEN, tick=False)
def test_with_nobody_eligible_the_fallback_user_gets_it_then_the_admins(riverside, alice, bob):
    Membership.objects.filter(dealership=riverside, role="salesperson").update(receives_leads=False)
    set_policy(riverside, {"sales": {"method": "round_robin", "fallback": "bob@example.com"}})
    assert distribute(riverside).assigned_to == bob
    Membership.objects.filter(user=bob).update(absent_from=date(2026, 3, 10), absent_until=date(2026, 3, 20))
    lead = distribute(riverside, customer={"first_name": "Other", "emails": ["other@example.com"]})
    assert lead.assigned_to == alice
    assert assignment_text(lead).endswith(
        "fallback user Bob Manager absent until 20 Mar; then the last resort: Alice Admin, admin of Riverside Toyota"
    )


@time_machine.travel(OPEN, tick=False)
def test_a_lead_is_never_left_unowned_even_without_a_fallback(riverside, alice):
    Membership.objects.filter(dealership=riverside).update(receives_leads=False)
    set_policy(riverside, {"sales": {"method": "first_available"}})
    lead = distribute(riverside)
    assert lead.assigned_to == alice
    assert "first available: nobody eligible" in assignment_text(lead)


@time_machine.travel(OPEN, tick=False)
def test_a_known_customer_goes_back_to_their_salesperson(riverside, dave):
    set_policy(riverside, {"sales": {"method": "round_robin", "existing_customers": "assigned_user"}})
    earlier = make_lead(riverside, assigned_to=dave)
    Lead.objects.filter(pk=earlier.pk).update(status=Lead.Status.LOST, lost_reason="bought elsewhere")
    lead = distribute(riverside)
    assert lead.customer == earlier.customer
    assert lead.assigned_to == dave
    assert assignment_text(lead) == (
        f"Assigned to Dave Seller: existing customer: Dave Seller is Jordan Sample's salesperson (lead {earlier.pk})"
    )


@time_machine.travel(OPEN, tick=False)
def test_a_known_customer_goes_through_distribution_when_the_dealer_says_so(riverside, carol, dave):
    set_policy(riverside, {"sales": {"method": "round_robin", "existing_customers": "distribute"}})
    make_lead(riverside, assigned_to=dave)
    assert distribute(riverside).assigned_to == carol


@time_machine.travel(OPEN, tick=False)
def test_a_known_customer_whose_salesperson_left_is_distributed_with_a_note(riverside, carol, dave):
    set_policy(riverside, {"sales": {"method": "round_robin"}})
    make_lead(riverside, assigned_to=dave)
    User.objects.filter(pk=dave.pk).update(is_active=False)
    lead = distribute(riverside)
    assert lead.assigned_to == carol
    assert assignment_text(lead).startswith(
        "Assigned to Carol Seller: existing customer: their salesperson Dave Seller is deactivated; then round robin"
    )


@time_machine.travel(OPEN, tick=False)
def test_distributing_twice_never_assigns_twice(riverside):
    lead = make_lead(riverside, bulk=True)
    first = distribute_lead(lead=lead)
    again = distribute_lead(lead=lead)
    assert again.assigned_to == first.assigned_to
    assert lead.activities.filter(kind=Activity.Kind.ASSIGNED).count() == 1


@time_machine.travel(OPEN, tick=False)
def test_weights_and_caps_shape_the_rotation(riverside, team):
    for user in team[2:]:
        Membership.objects.filter(user=user).update(receives_leads=False)
    set_policy(riverside, {"sales": {"method": "round_robin", "weights": {"carol@example.com": 2}, "cap": 3}})
    owners = [
        distribute(riverside, customer={"first_name": f"C{i}", "emails": [f"c{i}@example.com"]}).assigned_to
        for i in range(6)
    ]
    carol, dave = team[0], team[1]
    # Carol counts twice until she holds 3 open leads (the cap); after that only Dave gets leads.
    assert owners == [carol, dave, carol, carol, dave, dave]


def test_a_new_seller_joins_the_rotation_without_disturbing_it(riverside, team):
    with time_machine.travel(OPEN, tick=False):
        set_policy(riverside, {"sales": {"method": "round_robin"}})
        got = [
            distribute(riverside, customer={"first_name": f"N{i}", "emails": [f"n{i}@example.com"]}).assigned_to
            for i in range(3)
        ]
        newcomer = seller(riverside, "Jo")
        later = [
            distribute(riverside, customer={"first_name": f"M{i}", "emails": [f"m{i}@example.com"]}).assigned_to
            for i in range(3)
        ]
    assert got == team[:3]
    assert later == [team[3], team[4], newcomer]
