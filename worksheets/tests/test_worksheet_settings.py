"""`worksheets: {tax_rate, doc_fee}` per dealership: provisioned, refused with its path, exported,
and edited on the settings screen; new worksheets start from them."""

from __future__ import annotations

import copy

import pytest

from dealerships import provisioning
from dealerships.models import Dealership
from dealerships.tests.test_provisioning import EXAMPLE, example, provision, refused, snapshot


@pytest.mark.django_db
def test_the_contract_keys_provision_and_round_trip_through_export(tmp_path):
    provision(tmp_path, EXAMPLE)
    document = example()
    document["dealerships"][0]["worksheets"] = {"tax_rate": "0.0625", "doc_fee": "150.00"}

    lines = provision(tmp_path, document)

    assert any("worksheets.tax_rate" in line for line in lines), lines
    assert Dealership.objects.get().worksheets == {"tax_rate": "0.0625", "doc_fee": "150.00"}
    exported = provisioning.load_yaml(provisioning.export_yaml("riverside-toyota"))
    assert exported["dealerships"][0]["worksheets"] == {"tax_rate": "0.0625", "doc_fee": "150.00"}
    assert provision(tmp_path, provisioning.export_yaml("riverside-toyota"))[-1].lower().startswith("no change")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("value", "error"),
    [
        ({"tax_rate": "6.25"}, 'dealerships[0].worksheets.tax_rate: "6.25" is not a rate between 0 and 0.5'),
        ({"tax_rate": "lots"}, 'dealerships[0].worksheets.tax_rate: "lots" is not a number'),
        ({"doc_fee": "-10"}, 'dealerships[0].worksheets.doc_fee: "-10" is not an amount'),
        ({"doc_fee": "1.234"}, 'dealerships[0].worksheets.doc_fee: "1.234" is not an amount'),
        ({"docfee": "150"}, 'dealerships[0].worksheets.docfee: unknown key (did you mean "doc_fee"?)'),
    ],
)
def test_a_bad_worksheet_setting_is_refused_with_its_path_and_nothing_changes(tmp_path, value, error):
    provision(tmp_path, EXAMPLE)
    before = snapshot()
    document = copy.deepcopy(example())
    document["dealerships"][0]["worksheets"] = value

    errors = refused(tmp_path, document)

    assert any(line.startswith(error) for line in errors), errors
    assert snapshot() == before


def test_the_settings_screen_edits_them_and_new_worksheets_use_them(client_for, alice, carol, riverside):
    from conftest import make_lead
    from dealerships.forms import DealershipSettingsForm
    from dealerships.provisioning import dealership_settings

    client = client_for(alice)
    page = client.get(f"/dealerships/{riverside.slug}/settings/")
    assert page.status_code == 200
    assert "Sales tax rate" in page.content.decode()
    form = DealershipSettingsForm.initial_from(dealership_settings(riverside))
    posted = {k: ("on" if v is True else v) for k, v in form.items() if v is not False}

    refused_page = client.post(f"/dealerships/{riverside.slug}/settings/", {**posted, "worksheets_tax_rate": "7"})
    assert "is not a rate between 0 and 0.5" in refused_page.content.decode()
    riverside.refresh_from_db()
    assert riverside.worksheets == {}

    client.post(
        f"/dealerships/{riverside.slug}/settings/",
        {**posted, "worksheets_tax_rate": "0.0825", "worksheets_doc_fee": "199"},
    )
    riverside.refresh_from_db()
    assert riverside.worksheets == {"tax_rate": "0.0825", "doc_fee": "199.00"}
    lead = make_lead(riverside, assigned_to=carol)
    new = client_for(carol).get(f"/leads/{lead.pk}/worksheets/new/").content.decode()
    assert 'value="0.0825"' in new
    assert 'value="199.00"' in new
