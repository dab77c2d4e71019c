"""The `forwarding` block of the provisioning YAML: marketplace redirects, the trade-in CC address,
the CRM address and "use vehicle location for forwarding rules"; refusals with key paths, and
the `--export` round trip."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from dealerships import provisioning
from dealerships.tests.test_provisioning import EXAMPLE, provision, refused
from intake.models import IntakeSettings, MarketplaceRedirect

FORWARDING = """\
    forwarding:
      crm: leads@dms.example.com
      trade_in_cc: Appraisals@Riverside.example
      use_vehicle_location: true
      marketplaces:
        - {source: cars.com, user: bob@example.com}
        - {source: CarGurus, email: bdc@agency.example}
        - {source: Dealer Website, user: carol@example.com}
"""
CAROL = """\
  - email: carol@example.com
    name: Carol Seller
    memberships:
      - {dealership: riverside-toyota, role: salesperson, departments: [sales]}
"""


def with_forwarding(forwarding: str = FORWARDING) -> str:
    head, users = EXAMPLE.split("users:\n")
    return f"{head}{forwarding}users:\n{users}{CAROL}"


def redirects() -> list[tuple[str, str]]:
    return [(r.source, r.target) for r in MarketplaceRedirect.objects.select_related("user")]


@pytest.mark.django_db
def test_forwarding_rules_are_provisioned_with_people_the_same_file_creates(tmp_path):
    lines = provision(tmp_path, with_forwarding())

    assert "created user carol@example.com" in lines
    intake = IntakeSettings.objects.get(dealership__slug="riverside-toyota")
    assert (intake.crm_email, intake.trade_in_cc_email, intake.forward_by_vehicle_location) == (
        "leads@dms.example.com",
        "appraisals@riverside.example",
        True,
    )
    # "cars.com" is kept as intake names the site's leads, so that they match.
    assert redirects() == [
        ("Cars.com", "bob@example.com"),
        ("CarGurus", "bdc@agency.example"),
        ("Dealer Website", "carol@example.com"),
    ]


@pytest.mark.django_db
def test_export_gives_the_forwarding_rules_back_and_provision_takes_them_unchanged(tmp_path):
    provision(tmp_path, with_forwarding())
    out = StringIO()
    call_command("provision", "--export", "riverside-toyota", stdout=out)

    assert provision(tmp_path, out.getvalue()) == ["no changes: everything is already as the file says"]
    [dealership] = provisioning.load_yaml(out.getvalue())["dealerships"]
    assert dealership["forwarding"] == {
        "crm": "leads@dms.example.com",
        "trade_in_cc": "appraisals@riverside.example",
        "use_vehicle_location": True,
        "marketplaces": [
            {"source": "Cars.com", "user": "bob@example.com"},
            {"source": "CarGurus", "email": "bdc@agency.example"},
            {"source": "Dealer Website", "user": "carol@example.com"},
        ],
    }


@pytest.mark.django_db
def test_a_changed_redirect_is_reported_by_its_path_and_an_empty_list_clears_them(tmp_path):
    provision(tmp_path, with_forwarding())
    changed = with_forwarding(FORWARDING.replace("bdc@agency.example", "leads@bdc.example"))

    assert provision(tmp_path, changed) == ["updated dealership riverside-toyota: forwarding.marketplaces"]
    assert ("CarGurus", "leads@bdc.example") in redirects()
    cleared = with_forwarding("    forwarding: {marketplaces: [], trade_in_cc: null}\n")
    assert provision(tmp_path, cleared) == [
        "updated dealership riverside-toyota: forwarding.trade_in_cc, forwarding.marketplaces"
    ]
    assert redirects() == []
    assert IntakeSettings.objects.get().crm_email == "leads@dms.example.com"  # left out: kept


BAD: list[tuple[str, str]] = [
    (
        "        - {source: Cars.com, user: nobody@example.com}\n",
        'dealerships[0].forwarding.marketplaces[0].user: "nobody@example.com" is not a user in this file or in Forecourt',
    ),
    (
        "        - {source: Cars.com, email: not-an-address}\n",
        'dealerships[0].forwarding.marketplaces[0].email: "not-an-address" is not an email address',
    ),
    (
        "        - {source: Cars.com, email: a@example.com}\n        - {source: CARS COM, email: b@example.com}\n",
        'dealerships[0].forwarding.marketplaces[1].source: "Cars.com" is already '
        "dealerships[0].forwarding.marketplaces[0]",
    ),
    (
        "        - {source: Cars.com, email: a@example.com, user: bob@example.com}\n",
        "dealerships[0].forwarding.marketplaces[0]: give either user (a person of this dealership) "
        "or email (an address), not both",
    ),
    (
        "        - {source: Cars.com}\n",
        "dealerships[0].forwarding.marketplaces[0]: needs user (a person of this dealership) "
        "or email (an address) to send these leads to",
    ),
    (
        "        - {source: Cars.com, email: a@example.com, to: b@example.com}\n",
        "dealerships[0].forwarding.marketplaces[0].to: unknown key (known keys: source, user, email)",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("entries", "error"), BAD)
def test_a_bad_redirect_is_refused_with_its_path_and_nothing_changes(tmp_path, entries, error):
    provision(tmp_path, with_forwarding())
    before = (redirects(), list(IntakeSettings.objects.values()))
    document = with_forwarding(
        f"    forwarding:\n      trade_in_cc: new@riverside.example\n      marketplaces:\n{entries}"
    )

    errors = refused(tmp_path, document)

    assert any(error in line for line in errors), errors
    assert (redirects(), list(IntakeSettings.objects.values())) == before


@pytest.mark.django_db
def test_a_redirect_to_someone_of_another_rooftop_or_a_bad_switch_is_refused(tmp_path, lakeside, erin):
    document: Any = provisioning.load_yaml(with_forwarding())
    forwarding = document["dealerships"][0]["forwarding"]
    forwarding["marketplaces"] = [{"source": "Cars.com", "user": "erin@example.com"}]
    forwarding["use_vehicle_location"] = "yes"
    forwarding["trade_in_cc"] = "appraisals"

    errors = refused(tmp_path, provisioning.yaml.safe_dump(document))

    assert 'dealerships[0].forwarding.marketplaces[0].user: "erin@example.com" does not work at riverside-toyota' in (
        errors
    )
    assert 'dealerships[0].forwarding.use_vehicle_location: expected true or false, not "yes"' in errors
    assert 'dealerships[0].forwarding.trade_in_cc: "appraisals" is not an email address' in errors
    assert not MarketplaceRedirect.objects.exists()
