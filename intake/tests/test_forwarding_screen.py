"""The forwarding rules screen: admins set marketplace redirects, the trade-in CC address and the
vehicle-location switch; bad input is refused on the field at fault and changes nothing."""

from __future__ import annotations

from typing import Any

from dealerships.models import DealershipChange
from intake.models import IntakeSettings, MarketplaceRedirect
from intake.tests.forwarding_helpers import set_forwarding

URL = "/intake/forwarding/riverside-toyota/"


def rows(*entries: tuple[str, str, str], blank: int = 1) -> dict[str, Any]:
    data: dict[str, Any] = {}
    all_rows = [*entries, *[("", "", "")] * blank]
    for index, (source, to, email) in enumerate(all_rows):
        data |= {
            f"redirects-{index}-source": source,
            f"redirects-{index}-to": to,
            f"redirects-{index}-email": email,
        }
    return data | {"redirects-TOTAL_FORMS": str(len(all_rows)), "redirects-INITIAL_FORMS": "0"}


def test_an_admin_sets_redirects_trade_in_cc_and_the_vehicle_location_switch(client_for, alice, carol):
    answer = client_for(alice).post(
        URL,
        {
            "trade_in_cc": "appraisals@riverside.example",
            "use_vehicle_location": "on",
            **rows(("cars.com", "carol@example.com", ""), ("CarGurus", "email", "bdc@agency.example")),
        },
    )

    assert answer.status_code == 302
    assert [(r.source, r.target) for r in MarketplaceRedirect.objects.select_related("user")] == [
        ("Cars.com", "carol@example.com"),
        ("CarGurus", "bdc@agency.example"),
    ]
    intake = IntakeSettings.objects.get()
    assert (intake.trade_in_cc_email, intake.forward_by_vehicle_location) == ("appraisals@riverside.example", True)
    change = DealershipChange.objects.get()
    assert {c["path"] for c in change.changes} >= {"forwarding.marketplaces", "forwarding.trade_in_cc"}
    page = client_for(alice).get(URL).content.decode()
    assert 'value="Cars.com"' in page
    assert 'value="bdc@agency.example"' in page


def test_a_duplicate_marketplace_or_a_bad_address_is_refused_on_its_row_and_nothing_changes(client_for, alice, carol):
    set_forwarding(alice.memberships.get().dealership, marketplaces=[{"source": "KBB", "email": "kbb@example.com"}])

    answer = client_for(alice).post(
        URL,
        {
            "trade_in_cc": "appraisals",
            **rows(
                ("Cars.com", "carol@example.com", ""),
                ("CARS.COM", "email", "a@example.com"),
                ("Edmunds", "email", "not an address"),
            ),
        },
    )

    assert answer.status_code == 400
    page = answer.content.decode()
    assert "Nothing was saved" in page
    assert "&quot;Cars.com&quot; is already" in page
    assert "&quot;not an address&quot; is not an email address" in page
    assert "&quot;appraisals&quot; is not an email address" in page
    assert [(r.source, r.target) for r in MarketplaceRedirect.objects.all()] == [("KBB", "kbb@example.com")]


def test_clearing_a_rows_marketplace_removes_that_redirect_but_a_new_row_needs_one(client_for, alice, carol):
    set_forwarding(alice.memberships.get().dealership, marketplaces=[{"source": "KBB", "email": "kbb@example.com"}])

    new_row = client_for(alice).post(
        URL, rows(("KBB", "email", "kbb@example.com"), ("", "email", "x@example.com")) | {"trade_in_cc": ""}
    )
    assert new_row.status_code == 400
    assert "is required" in new_row.content.decode()
    assert MarketplaceRedirect.objects.count() == 1

    cleared = client_for(alice).post(URL, rows(("", "email", "kbb@example.com")) | {"trade_in_cc": ""})
    assert cleared.status_code == 302
    assert not MarketplaceRedirect.objects.exists()


def test_only_the_dealerships_admins_see_the_screen(client_for, bob, carol, erin, alice):
    assert client_for(bob).get(URL).status_code == 403
    assert client_for(erin).get(URL).status_code == 404
    assert client_for(alice).get(URL).status_code == 200
