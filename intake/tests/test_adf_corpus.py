"""Every document in the shared corpus of real senders' ADF (../shared/adf-corpus) is read into
what a dealer would expect to see. Each expectation was checked by hand against its file."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

import pytest

from intake.adf import parse_adf

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "adf-corpus"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared ADF corpus is not at {CORPUS}")

Car = tuple[int | None, str | None, str | None]


class Expected(NamedTuple):
    first_name: str | None
    last_name: str | None
    phones: list[str | None]  # E.164, None where the number cannot exist
    emails: list[str]
    vehicles: list[Car]
    trades: list[Car]
    provider: str | None
    vendor: str | None
    request_date: str | None
    country: str = "US"


EXPECTED = {
    "absoluteresults_1.xml": Expected(
        "Dana",
        "Sample",
        ["+12045550111"],
        ["dana.sample@example.com"],
        [(None, None, "F-150")],
        [(2011, "Ford", "Escape")],
        "Absolute Results",
        "Sample Ford Lincoln",
        "2017-10-21T11:42:07-08:00",
    ),
    "approvalgenie_1.xml": Expected(
        "John",
        "Test01292019",
        [None, None, None, None],  # 1234567890 and 9999999999 are what forms get instead of a number
        ["testemail@domain.com"],
        [(2023, "Hyundai", "i30")],
        [],
        "PROSPECT",
        "Approval Genie",
        "2019-01-15T18:46:36-06:00",
    ),
    "cargurus_1.xml": Expected(
        "Jordan",
        "Sample",
        ["+15195550100"],
        ["jordan.sample@example.com"],
        [(2016, "RAM", "2500")],
        [],
        "CarGurus",
        None,
        "2026-03-16T20:37:03+00:00",
    ),
    "digitalairstrike_1.xml": Expected(
        "Victor",
        "Sample",
        ["+14435550142"],
        ["victor.sample@example.com"],
        [(None, None, None)],
        [],
        "Digital Air Strike",
        "DAS Motors",
        "2019-08-20T14:26:00+00:00",
    ),
    "digitalairstrike_2.xml": Expected(
        "Victor",
        "Sample",
        ["+14435550142"],
        ["victor.sample@example.com"],
        [(None, None, None)],
        [],
        "Digital Air Strike",
        "DAS Motors",
        "2019-08-20T14:26:00+00:00",
    ),
    "fetchauto_1.xml": Expected(
        "Test",
        "user",
        ["+17785554474"],
        ["test@fetchauto.ca"],
        [],
        [],
        "Fetch Auto",
        None,
        "2018-04-15T15:30:20-08:00",
    ),
    "fordplanes_facebook_1.xml": Expected(
        "Lucía",
        "Gómez",
        ["+542215550134"],
        ["lucia.gomez@example.com"],
        [(None, "Ford", "Ranger XLT")],
        [],
        "Facebook",
        "Planes",
        "2021-09-14T16:52:09-08:00",
        country="AR",
    ),
    "goaltracking_1.xml": Expected(
        "Johnny",
        "Customer",
        ["+18574857485", "+18675867584", "+19796859685"],
        ["johnny@customer.com"],
        [(1995, "BUICK", "Regal")],
        [],
        None,
        "Name of lead provider or web-site",
        "2008-06-25T08:47:50",
    ),
    "hdmarketplace_1.xml": Expected(
        "Matthew",
        "Sample",
        ["+17165550155"],
        ["matthew@example.com"],
        [],
        [(2008, "HARLEY-DAVIDSON", "XL883C")],  # the <vehicle> is empty; the comments say which
        "Marketplace - Value My Trade",
        None,
        "2026-05-28T20:45:31+00:00",
    ),
    "impel_1.xml": Expected(
        "Casey",
        None,  # "1 Not Available"
        ["+13155550123"],
        ["casey.sample@example.com"],
        [(2025, "HONDA", None)],  # model "Any/All"
        [],
        "Impel-Chat",
        "Sample Honda",
        "2025-03-04T15:07:51",
    ),
    "smedia_1.xml": Expected(
        "Alex",
        "Sample",
        ["+19055550199"],
        ["alex.sample@example.com"],
        [(2017, "Honda", "CR-V")],  # "CR-V Sent From: https://…"
        [],
        "sMedia :: Request A Quote",
        "Sample Honda",
        "2019-06-11T14:05:09-04:00",
    ),
    "spec_minimal_1.xml": Expected(
        "John",
        "Doe",
        [None],  # 393 is not an area code
        [],
        [(1999, "Chevrolet", "Blazer")],
        [],
        None,
        "Acura of Bellevue",
        "2000-03-30T15:30:20-08:00",
    ),
    "tecnom_1.xml": Expected(
        "Juan",
        "Pérez",
        [None, None],  # 22111111 is the spec's placeholder, too short for La Plata
        ["jperez@hotmail.com"],
        [(2024, "Ford", "Territory")],
        [],
        "Ford Web",
        "(SI LO TIENE QUE RECIBIR ALGÚN VENDEDOR/SUCURSAL/SUPERVISOR/EQUIPO ESPECÍFICO, ACÁ SE PODRÍA "
        "EL EMAIL QUE TIENE REGISTRADO EN NUESTRO SISTEMA)",
        "2025-08-14T14:28:21-03:00",
        country="AR",
    ),
    "tradeaccelerator_1.xml": Expected(
        "Mark",
        "Sample",
        ["+15855550177"],
        ["mark.sample@example.com"],
        [(2021, "HARLEY-DAVIDSON", "Street Glide Special")],
        [(2018, "HARLEY-DAVIDSON", "FLHCS Heritage Class")],
        "Trade Accelerator - Trade In",
        None,
        "2026-05-27T18:35:40+00:00",
    ),
    "worlddealer_1.xml": Expected(
        "Pat",
        "O'Sample",
        ["+14125550188"],
        ["pat.sample@example.com"],
        [(2014, "Chevrolet", "Silverado 1500")],
        [],
        "WorldDealer, Inc.",
        "Sample Chevrolet",
        "2016-03-14T10:22:41-04:00",
    ),
}


def read(name: str, country: str | None = None) -> dict[str, Any]:
    data = (CORPUS / name).read_bytes()
    (prospect,) = parse_adf(data, country=country or EXPECTED[name].country)
    return prospect.to_dict()


def cars(vehicles: list[dict[str, Any]]) -> list[Car]:
    return [(vehicle["year"], vehicle["make"], vehicle["model"]) for vehicle in vehicles]


def test_every_corpus_file_has_hand_checked_expectations() -> None:
    assert sorted(path.name for path in CORPUS.glob("*.xml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file_reads_as_a_dealer_expects(name: str) -> None:
    expected, lead = EXPECTED[name], read(name)
    customer = lead["customer"]
    assert (customer["first_name"], customer["last_name"]) == (expected.first_name, expected.last_name)
    assert [phone["number"] for phone in customer["phones"]] == expected.phones
    assert customer["emails"] == expected.emails
    assert cars(lead["vehicles"]) == expected.vehicles
    assert cars(lead["trades"]) == expected.trades
    assert lead["provider"]["name"] == expected.provider
    assert lead["vendor"]["name"] == expected.vendor
    assert lead["request_date"] == expected.request_date
    assert lead["status"] == "new"


def test_cargurus_vehicle_details_are_complete() -> None:
    (ram,) = read("cargurus_1.xml")["vehicles"]
    assert ram["vin"] == "3C6UR5ML5GG359865"
    assert (ram["stock"], ram["price"], ram["condition"]) == ("D9760", "34995.00", "used")
    assert ram["trim"] == "Laramie Mega Cab 4WD 6.7 Cummins | No Accident | Safety Included"
    assert (ram["preferred"], ram["search_vehicle"]) == (True, False)


def test_cargurus_ids_name_the_lead_type_and_the_partner() -> None:
    lead = read("cargurus_1.xml")
    assert lead["ids"] == [{"source": "leadtype", "value": "Email"}]
    assert lead["provider"]["ids"] == [{"source": "partner", "value": "CarGurus"}]
    assert lead["provider"]["url"] == "https://cargurus.i/Mk9ez"


def test_digitalairstrike_chat_transcript_is_kept_and_second_provider_id_read() -> None:
    lead = read("digitalairstrike_1.xml")
    assert lead["comments"].startswith("Conversation on August 20th 2019, 04:24PM (EET)\n::\nVictor (visitor):")
    paths = {entry["path"]: entry["text"] for entry in lead["extra"]}
    assert paths["prospect/customer/leadtype"] == "Sales - Pre-Owned"
    assert paths["prospect/customer/messages/message[3]/text"] == "help me!"
    assert lead["provider"]["ids"] == [{"source": None, "value": "DAS"}, {"source": "GM", "value": "561146"}]
    assert lead["vehicles"][0]["condition"] == "new"
    assert lead["vehicles"][0]["search_vehicle"] is True


def test_digitalairstrike_html_body_reads_like_its_xml() -> None:
    from_html, from_xml = read("digitalairstrike_2.xml"), read("digitalairstrike_1.xml")
    for key in ("customer", "vehicles", "vendor", "request_date", "ids"):
        assert from_html[key] == from_xml[key]
    assert from_html["comments"] == "Conversation on August 20th 2019, 04:24PM (EET)\n::\nVictor (visitor):\nhelp me!"


def test_approvalgenie_address_and_credit_comments_are_read() -> None:
    lead = read("approvalgenie_1.xml")
    assert lead["customer"]["address"] == {
        "street": ["6299 Airport Road"],
        "city": "Mississauga",
        "region": "ON",
        "postal_code": "L4V1N3",
        "country": "CA",
    }
    assert lead["comments"].startswith("Date of Birth: 1980-11-17\nMonthly Payment: 1450\n")
    assert [phone["type"] for phone in lead["customer"]["phones"]] == ["voice", "cellphone", "pager", "fax"]
    assert [phone["raw"] for phone in lead["customer"]["phones"]][:2] == ["1234567890", "9999999999"]
    assert lead["provider"]["email"] == "leadprovideremail@domain.com"


def test_fetchauto_provider_and_employment_are_kept() -> None:
    lead = read("fetchauto_1.xml")
    assert lead["provider"]["phone"] == "+18887554460"
    assert lead["provider"]["email"] == "dealership.support@fetchauto.ca"
    assert lead["customer"]["address"]["city"] == "Vancouver"
    assert {"path": "prospect/customer/employment/employer", "text": "Telus", "attrs": {}} in lead["extra"]


def test_goaltracking_phone_types_map_to_adf_types() -> None:
    phones = read("goaltracking_1.xml")["customer"]["phones"]
    assert [(phone["type"], phone["label"]) for phone in phones] == [
        ("voice", "home"),
        ("voice", "work"),
        ("cellphone", "mobile"),
    ]


def test_hdmarketplace_trade_comes_from_the_comments_with_its_mileage() -> None:
    lead = read("hdmarketplace_1.xml")
    (trade,) = lead["trades"]
    assert (trade["interest"], trade["odometer"]) == ("sell", 13200)
    assert lead["comments"].endswith("Description: Would like to know what you could do for trade or cash.")


def test_impel_placeholders_are_null_and_ids_kept() -> None:
    lead = read("impel_1.xml")
    assert lead["customer"]["address"]["postal_code"] is None  # "00000"
    assert lead["vehicles"][0]["condition"] is None  # status="ANY"
    assert {"source": "chat_id", "value": "a1b2c3"} in lead["ids"]
    assert lead["vendor"]["ids"] == [{"source": "HONDA Dealer Code", "value": "208123"}]
    assert lead["comments"] == "Customer asked about lease specials on a CR-V & wants a call back after 5pm"


def test_smedia_model_url_is_cut_but_kept_aside() -> None:
    lead = read("smedia_1.xml")
    assert lead["extra"][0]["path"] == "prospect/vehicle/model"
    assert lead["extra"][0]["text"].startswith("CR-V Sent From: https://www.sample-honda.example/")
    assert lead["provider"]["phone"] == "+18557750062"


def test_tecnom_spanish_annotations_outside_tags_are_kept() -> None:
    lead = read("tecnom_1.xml")
    texts = {entry["path"]: entry["text"] for entry in lead["extra"]}
    assert texts["prospect/customer/contact/text()"] == "IDENTIFICADOR"
    assert texts["prospect/customer/contact/address/text()"] == "LOCALIDAD"
    assert lead["customer"]["address"]["city"] == "La Plata"
    assert lead["comments"] == "Información sobre el plan de financiación. Gracias"


def test_fordplanes_phone_needs_the_dealerships_country() -> None:
    assert read("fordplanes_facebook_1.xml", country="US")["customer"]["phones"][0]["number"] is None
    assert read("fordplanes_facebook_1.xml", country="AR")["customer"]["phones"][0]["number"] == "+542215550134"


def test_fordplanes_labelled_text_before_the_adf_is_kept_for_the_dealer() -> None:
    # The ADF's own comments hold the answers without their questions ("30% Fiat Palio 2012");
    # the text before it says which is the down payment and which the car to trade in.
    [around] = [e for e in read("fordplanes_facebook_1.xml")["extra"] if e["path"] == "(text around the ADF)"]
    assert "Anticipo seleccionado: 30%" in around["text"]
    assert "Entrega Usado: Fiat  Palio 2012" in around["text"]
    assert "<?ADF" not in around["text"]


def test_tradeaccelerator_zero_price_is_no_price() -> None:
    lead = read("tradeaccelerator_1.xml")
    assert lead["vehicles"][0]["price"] is None
    assert lead["vehicles"][0]["condition"] == "used"
    assert lead["trades"][0]["interest"] == "trade-in"


def test_worlddealer_vehicle_price_and_odometer_are_read() -> None:
    lead = read("worlddealer_1.xml")
    (silverado,) = lead["vehicles"]
    assert (silverado["price"], silverado["odometer"], silverado["odometer_units"]) == ("24995.00", 48210, "mi")
    assert (silverado["vin"], silverado["stock"]) == ("1GCVKREC0EZ000000", "P1234")
    assert lead["comments"] == "Need a price on the Silverado & the Equinox"
    assert lead["provider"]["phone"] == "+18664858800"
    assert lead["vendor"]["contact"]["address"]["country"] == "US"


def test_absoluteresults_trade_is_listed_before_in_the_document_but_is_a_trade() -> None:
    lead = read("absoluteresults_1.xml")
    assert lead["vehicles"][0]["preferred"] is True
    assert lead["customer"]["address"]["postal_code"] == "R3T 2N2"
