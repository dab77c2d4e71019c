"""What the values of an ADF lead become: prospects, vehicles, trades, dates, names, phones and emails,
each from a fixture of our own (fictitious people, the quirk copied from what real senders do; see
../shared/adf-corpus/SOURCES.md)."""

from __future__ import annotations

import json

import pytest

from intake.adf import parse_adf
from intake.tests.test_adf_quirks import extra_texts, only, prospects

# --- what the values become ---------------------------------------------------------------------


def test_several_prospects_in_one_document_are_several_leads() -> None:
    first, second = prospects("several_prospects.xml")
    assert (first["status"], first["customer"]["first_name"], first["vehicles"][0]["model"]) == (
        "new",
        "First",
        "Rogue",
    )
    assert (second["status"], second["customer"]["first_name"], second["vehicles"][0]["model"]) == (
        "resend",
        "Second",
        "Ariya",
    )


def test_trade_ins_and_sells_are_trades_wherever_they_appear() -> None:
    lead = only("trades_and_preferred.xml")
    assert [(t["interest"], t["make"], t["odometer"]) for t in lead["trades"]] == [
        ("trade-in", "Honda", 120000),
        ("sell", "Yamaha", None),
    ]
    assert "preferred" not in lead["trades"][0]
    assert lead["trades"][0]["odometer_units"] == "mi"


def test_the_first_vehicle_to_buy_or_lease_is_preferred() -> None:
    vehicles = only("trades_and_preferred.xml")["vehicles"]
    assert [(v["model"], v["preferred"]) for v in vehicles] == [
        ("Tucson", False),
        ("Ioniq 5", True),
        ("Kona", False),
    ]


def test_a_vehicle_without_vin_or_stock_number_is_a_search_vehicle() -> None:
    vehicles = only("trades_and_preferred.xml")["vehicles"]
    assert [(v["model"], v["search_vehicle"]) for v in vehicles] == [
        ("Tucson", True),
        ("Ioniq 5", False),
        ("Kona", False),
    ]


def test_price_odometer_colors_options_and_finance_are_read() -> None:
    ioniq = only("trades_and_preferred.xml")["vehicles"][1]
    assert (ioniq["price"], ioniq["price_type"], ioniq["price_currency"]) == ("41250.00", "quote", "USD")
    assert (ioniq["odometer"], ioniq["odometer_units"]) == (12, "km")
    assert ioniq["colors"] == [{"exterior": "Gravity Gold", "interior": "Black", "preference": 1}]
    assert ioniq["options"] == [
        {"name": "Ultimate Package", "manufacturer_code": "ULT", "stock": None, "weighting": 80, "price": None}
    ]
    assert ioniq["finance"] == {
        "method": "lease",
        "amounts": [{"type": "monthly", "limit": "maximum", "value": "450.00", "currency": "USD"}],
        "balances": [{"type": "residual", "limit": None, "value": "25000.00", "currency": None}],
    }


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("2026-03-16T20:37:03+00:00", "2026-03-16T20:37:03+00:00"),
        ("2026-03-16T20:37:03-08:0", "2026-03-16T20:37:03-08:00"),
        ("2009-06-08T8:47:50-06:00", "2009-06-08T08:47:50-06:00"),
        ("2026-03-16 20:37:03", "2026-03-16T20:37:03"),
        ("3/16/2026 8:37:03 PM", "2026-03-16T20:37:03"),
        ("2026-03-16", "2026-03-16"),
        ("2026-03-16T20:37:03Z", "2026-03-16T20:37:03+00:00"),
        ("2019-08-20T14:26:00.043Z", "2019-08-20T14:26:00+00:00"),
        ("2026-03-16T20:37:03-0500", "2026-03-16T20:37:03-05:00"),
        ("2026-03-16 8:37 AM EST", "2026-03-16T08:37:00-05:00"),
    ],
)
def test_request_dates_as_senders_write_them_are_read(written: str, read: str) -> None:
    document = f"<adf><prospect><requestdate>{written}</requestdate></prospect></adf>"
    assert parse_adf(document)[0].to_dict()["request_date"] == read


def test_request_dates_in_one_document_keep_an_offset_only_when_given() -> None:
    dates = [lead["request_date"] for lead in prospects("request_dates.xml")]
    assert dates == [
        "2026-03-16T20:37:03+00:00",
        "2026-03-16T20:37:03-08:00",
        "2009-06-08T08:47:50-06:00",
        "2026-03-16T20:37:03",
        "2026-03-16T20:37:03",
        "2026-03-16",
        "2026-03-16T20:37:03+00:00",
        None,
    ]


def test_an_unreadable_request_date_is_null_and_kept_as_written() -> None:
    lead = prospects("request_dates.xml")[-1]
    assert lead["request_date"] is None
    assert lead["warnings"] == ["requestdate 'yesterday' could not be read"]
    assert {"path": "prospect/requestdate", "text": "yesterday", "attrs": {}} in lead["extra"]


def test_a_whole_name_sent_as_the_first_name_is_split() -> None:
    lead = prospects("names.xml")[0]
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Lucía", "Ejemplo")


def test_placeholder_names_are_null() -> None:
    _, impel_style, unknown, _ = prospects("names.xml")
    assert (impel_style["customer"]["first_name"], impel_style["customer"]["last_name"]) == ("Casey", None)
    assert (unknown["customer"]["first_name"], unknown["customer"]["last_name"]) == (None, None)
    assert unknown["customer"]["emails"] == ["only.email@example.com"]


def test_a_business_name_and_a_last_comma_first_name_are_read() -> None:
    customer = prospects("names.xml")[3]["customer"]
    assert customer["business_name"] == "Example Landscaping LLC"
    assert (customer["first_name"], customer["last_name"]) == ("Pat", "Sample")


def test_phone_types_are_normalised_and_the_senders_word_kept_as_label() -> None:
    phones = only("phone_types.xml")["customer"]["phones"]
    assert [(p["number"], p["type"], p["label"]) for p in phones] == [
        ("+15125550160", "voice", "home"),
        ("+15125550161", "voice", "work"),
        ("+15125550162", "cellphone", "mobile"),
        ("+18005550199", "voice", "business"),
        ("+442079460958", "cellphone", "Cell"),
        ("+15125550164", "fax", None),
        (None, "voice", None),
    ]
    assert phones[1]["time"] == "morning"
    assert phones[2]["preferred"] is True


def test_an_unreadable_phone_number_is_kept_as_written() -> None:
    lead = only("phone_types.xml")
    assert lead["customer"]["phones"][-1] == {
        "number": None,
        "type": "voice",
        "label": None,
        "raw": "call after 5",
        "preferred": False,
        "time": None,
    }
    assert "phone 'call after 5' could not be read as a number; kept as written" in lead["warnings"]


def test_the_dealerships_country_places_numbers_without_a_country_code() -> None:
    document = "<adf><prospect><customer><contact><phone>221 555-0134</phone></contact></customer></prospect></adf>"
    assert parse_adf(document, country="AR")[0].customer.phones[0].number == "+542215550134"


def test_mailto_emails_are_stripped_lowercased_and_deduplicated() -> None:
    lead = only("mailto_email.xml")
    assert lead["customer"]["emails"] == ["mel.mailto@example.com"]
    assert lead["provider"]["email"] == "leads@example.net"
    assert "e-mail 'not an address' could not be read" in lead["warnings"]


def test_a_second_contact_is_the_co_customer_and_primarycontact_wins() -> None:
    lead = only("co_customer.xml")
    assert lead["customer"]["first_name"] == "Jordan"
    assert lead["customer"]["address"] == {
        "street": ["1 Main St", "Apt 4"],
        "city": "Austin",
        "region": "TX",
        "postal_code": "78701",
        "country": "US",
    }
    assert lead["co_customer"]["first_name"] == "Alex"
    assert lead["co_customer"]["phones"][0]["number"] == "+15125550171"


def test_without_a_second_contact_the_co_customer_is_null() -> None:
    assert only("cdata_values.xml")["co_customer"] is None


def test_a_salesperson_element_names_the_salesperson() -> None:
    lead = only("salesperson_element.xml")
    assert lead["salesperson"] == "4711"
    assert extra_texts(lead)["prospect/vendor/salesperson/name"] == "Carol Seller"


def test_an_id_with_source_salesperson_names_the_salesperson() -> None:
    lead = only("salesperson_id.xml")
    assert lead["salesperson"] == "0815"
    assert lead["ids"][0] == {"source": "CRM", "value": "L-100"}


def test_timeframe_is_read_and_an_unreadable_date_in_it_is_null() -> None:
    lead = only("vendor_specific.xml")
    assert lead["timeframe"] == {"description": "Within a week", "earliest_date": "2026-03-21", "latest_date": None}
    assert "timeframe latestdate 'sometime soon' could not be read" in lead["warnings"]


def test_empty_elements_are_null() -> None:
    document = (
        "<adf><prospect><vehicle interest='buy'><year></year><make> </make><model>Any/All</model><vin/></vehicle>"
        "<customer><contact><name part='first'></name><email></email><phone></phone>"
        "<address><postalcode>00000</postalcode><country></country></address></contact></customer>"
        "</prospect></adf>"
    )
    lead = parse_adf(document)[0].to_dict()
    vehicle = lead["vehicles"][0]
    assert (vehicle["year"], vehicle["make"], vehicle["model"], vehicle["vin"]) == (None, None, None, None)
    assert lead["customer"]["emails"] == lead["customer"]["phones"] == []
    assert lead["customer"]["address"] == {
        "street": [],
        "city": None,
        "region": None,
        "postal_code": None,
        "country": None,
    }
    assert lead["warnings"] == []


def test_a_zero_price_is_no_price_and_a_price_range_is_kept_aside() -> None:
    document = (
        "<adf><prospect><vehicle><price>0.00</price></vehicle>"
        "<vehicle><price>$600 - $1600</price></vehicle></prospect></adf>"
    )
    lead = parse_adf(document)[0].to_dict()
    assert [v["price"] for v in lead["vehicles"]] == [None, None]
    assert lead["warnings"] == ["price '$600 - $1600' could not be read"]


def test_to_dict_is_json_serialisable_and_has_the_contract_keys() -> None:
    lead = only("trades_and_preferred.xml")
    assert json.loads(json.dumps(lead)) == lead
    assert set(lead) >= {
        "status",
        "request_date",
        "ids",
        "vendor",
        "provider",
        "customer",
        "co_customer",
        "vehicles",
        "trades",
        "comments",
        "timeframe",
        "salesperson",
        "extra",
    }
    assert set(lead["provider"]) >= {"name", "service", "url", "email", "phone"}
    assert set(lead["vendor"]) >= {"name", "contact"}
    assert set(lead["customer"]) >= {"first_name", "last_name", "business_name", "emails", "phones", "address"}
