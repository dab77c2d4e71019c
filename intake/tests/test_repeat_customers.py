"""A known customer writing again meets their customer record and, while their lead is open,
that lead: the request is logged on it as a resubmission and its salesperson is told."""

from __future__ import annotations

import pytest

from conftest import make_lead
from intake.actions import process_held, store_inbound
from intake.models import InboundEmail
from intake.tests.conftest import adf
from leads import actions
from leads.models import Activity, Customer, Lead
from notifications.models import OutboundEmail


def deliver(dealership, document: str) -> list[Lead]:
    inbound = store_inbound(dealership=dealership, raw=document.encode(), channel=InboundEmail.Channel.SMTP, hold=True)
    result = process_held(inbound)
    assert inbound.status == InboundEmail.Status.PROCESSED, inbound.reason or inbound.last_error
    return result.leads


def test_a_repeat_request_while_the_lead_is_open_is_added_to_it_as_a_resubmission(riverside, carol):
    open_lead = make_lead(riverside, assigned_to=carol)  # Jordan Sample, (512) 555-0100

    [lead] = deliver(
        riverside,
        adf(lead_id="CG-2", email="", comments="Can I come Saturday?", vehicle=("2019", "Toyota", "Tacoma", "T123")),
    )

    assert lead == open_lead
    assert Lead.objects.count() == 1
    resubmission = lead.activities.get(kind=Activity.Kind.RESUBMISSION)
    assert "Can I come Saturday?" in resubmission.text
    assert "also_sent" not in resubmission.data  # the document held nothing without a field
    assert "2019 Toyota Tacoma" in resubmission.text
    assert [v.model for v in lead.vehicles.all()] == ["Tacoma"]


def test_the_salesperson_of_the_open_lead_is_told_about_the_resubmission(riverside, carol):
    make_lead(riverside, assigned_to=carol)

    deliver(riverside, adf(lead_id="CG-2", phone="", email="JORDAN@example.com"))

    notice = OutboundEmail.objects.get(purpose="lead_resubmission")
    assert notice.to == ["carol@example.com"]
    assert "Jordan Sample" in notice.subject


def test_a_vehicle_the_lead_already_has_is_not_added_twice(riverside, carol):
    lead = make_lead(
        riverside, assigned_to=carol, vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "stock": "D9760"}]
    )

    deliver(riverside, adf(lead_id="CG-2"))

    assert lead.vehicles.count() == 1


def test_masked_relay_addresses_never_match_two_different_people(riverside):
    deliver(riverside, adf(lead_id="CG-1", first="Ann", email="shared@anon.cargurus.com", phone=""))
    deliver(riverside, adf(lead_id="CG-2", first="Ben", email="shared@anon.cargurus.com", phone=""))

    assert Lead.objects.count() == 2
    assert sorted(Customer.objects.values_list("first_name", flat=True)) == ["Ann", "Ben"]


def test_a_made_up_phone_number_never_matches_two_different_people(riverside, carol):
    # What web forms get from people who won't give their number.
    for n, junk in enumerate(["999-999-9999", "(999) 999-9999", "123-456-7890", "555-1234"]):
        deliver(riverside, adf(lead_id=f"CG-9{n}", first=f"Ann{n}", email=f"ann{n}@example.com", phone=junk))
        deliver(riverside, adf(lead_id=f"CG-8{n}", first=f"Ben{n}", email=f"ben{n}@example.org", phone=junk))

    assert Lead.objects.count() == 8
    assert Customer.objects.count() == 8
    assert not Activity.objects.filter(kind=Activity.Kind.RESUBMISSION).exists()
    # The number is kept as it was written, and matches nobody.
    ann = Customer.objects.get(first_name="Ann0")
    assert list(ann.phones.values_list("number", "raw")) == [(None, "999-999-9999")]


def test_a_real_number_written_two_ways_is_the_same_customer(riverside, carol):
    deliver(riverside, adf(lead_id="CG-71", first="Ann", email="ann@example.com", phone="(512) 555-0188"))
    deliver(riverside, adf(lead_id="CG-72", first="Ann", email="ann.work@example.org", phone="+1 512.555.0188"))

    assert Customer.objects.count() == 1
    assert Lead.objects.count() == 1
    assert Activity.objects.filter(kind=Activity.Kind.RESUBMISSION).count() == 1


def test_when_the_dealership_distributes_existing_customers_a_new_lead_is_made_for_the_same_customer(riverside, carol):
    riverside.distribution = {"sales": {"method": "round_robin", "existing_customers": "distribute"}}
    riverside.save()
    first = make_lead(riverside, assigned_to=carol)

    [lead] = deliver(riverside, adf(lead_id="CG-2"))

    assert lead != first
    assert lead.customer == first.customer
    assert not Activity.objects.filter(kind=Activity.Kind.RESUBMISSION).exists()


def test_a_customer_whose_lead_was_sold_gets_a_new_lead_on_the_same_customer(riverside, carol):
    first = make_lead(riverside, assigned_to=carol)
    actions.set_status(lead=first, status=Lead.Status.SOLD, actor=carol)

    [lead] = deliver(riverside, adf(lead_id="CG-2"))

    assert lead != first
    assert lead.customer == first.customer


def test_a_customer_of_a_sister_dealership_is_matched_but_gets_a_lead_at_this_one(riverside, lakeside, carol):
    first = make_lead(riverside, assigned_to=carol)

    [lead] = deliver(lakeside, adf(lead_id="CG-2"))

    assert lead.dealership == lakeside
    assert lead.customer == first.customer


def test_customers_of_another_organisation_are_never_matched(riverside, hillside, carol):
    first = make_lead(riverside, assigned_to=carol)

    [lead] = deliver(hillside, adf(lead_id="CG-2"))

    assert lead.customer != first.customer
    assert lead.customer.organization == hillside.organization


def test_a_second_delivery_of_the_same_adf_lead_returns_the_lead_already_held(riverside):
    [first] = deliver(riverside, adf(lead_id="CG-77"))
    [again] = deliver(riverside, adf(lead_id="CG-77", comments="(same lead, another copy)"))

    assert again == first
    assert Lead.objects.count() == 1


def test_ids_that_name_the_lead_type_rather_than_the_lead_do_not_merge_leads(riverside):
    typed = adf(lead_id=None, email="").replace(
        '<prospect status="new">', '<prospect status="new"><id source="leadtype">Email 2024</id>'
    )
    deliver(riverside, typed)
    deliver(riverside, typed.replace("Jordan", "Casey").replace("512-555-0100", "512-555-0199"))

    assert Lead.objects.count() == 2


@pytest.mark.parametrize(
    "placeholder", ["none@none.com", "noemail@gmail.com", "No.Email@yahoo.com", "test@test.com", "na@na.com"]
)
def test_an_address_typed_to_get_past_a_form_never_matches_two_different_people(riverside, placeholder):
    deliver(riverside, adf(lead_id="CG-61", first="Ann", email=placeholder, phone=""))
    deliver(riverside, adf(lead_id="CG-62", first="Ben", email=placeholder, phone=""))

    assert Lead.objects.count() == 2
    assert sorted(Customer.objects.values_list("first_name", flat=True)) == ["Ann", "Ben"]


def test_a_resubmission_keeps_what_the_sender_included_without_a_field(riverside, carol):
    open_lead = make_lead(riverside, assigned_to=carol)
    note = "Second visit on the site; asked about the warranty.\n\n"

    [lead] = deliver(riverside, note + adf(lead_id="CG-3", email="", comments="Warranty?"))

    assert lead == open_lead
    resubmission = lead.activities.get(kind=Activity.Kind.RESUBMISSION)
    assert resubmission.data["also_sent"] == [
        ["Text around the ADF", "Second visit on the site; asked about the warranty."]
    ]
