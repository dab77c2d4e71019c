"""Scanning a driver's licence on the new-lead screen: a photo of its PDF417 barcode (made in the
test with zxing-cpp's writer) fills the customer's name, address and date of birth; a blurry photo
or one without a licence gets a clear message and fills nothing."""

from __future__ import annotations

import io
import random
from datetime import date

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from intake.licence import LicenceUnreadable, parse_aamva, read_photo
from leads.models import Lead

# AAMVA 2016 (version 08) layout: header, directory, then the DL subfile, one element a line.
TEXAS = (
    "@\n\x1e\rANSI 636015080002DL00410262ZT03030012DLDAQ12345678\nDCSO'BRIEN-SMITH\nDACJORDAN\n"
    "DADLEE\nDBD01152024\nDBB03141988\nDBA03142030\nDBC1\nDAYBRO\nDAG1 MAIN ST\nDAHAPT 4\nDAIAUSTIN\n"
    "DAJTX\nDAK787010000  \nDCF12345\nDCGUSA\nDDEN\nDDFN\nDDGN\r\nZTZTA0\r"
)
ONTARIO = (
    "@\n\x1e\rANSI 636012070002DL00410242ZO02830030DLDCAG\nDCSTREMBLAY\nDACMARIE\nDADCLAIRE\n"
    "DBB19900702\nDAG200 BAY ST\nDAITORONTO\nDAJON\nDAKM5J2J2   \nDCGCAN\r"
)


def photo_of(text: str, *, blur: float = 0) -> bytes:
    """A JPEG like a phone's: the barcode on a grey card in a bigger frame, slightly tilted."""
    barcode = zxingcpp.write_barcode_to_image(zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.PDF417), scale=3)
    height, width = barcode.shape[0], barcode.shape[1]
    code = Image.frombuffer("L", (width, height), bytes(memoryview(barcode)), "raw", "L", 0, 1)
    card = Image.new("L", (width + 160, height + 220), 235)
    card.paste(code, (80, 110))
    frame = Image.new("L", (card.width + 400, card.height + 400), 90)
    frame.paste(card.rotate(3, expand=True, fillcolor=90), (200, 200))
    if blur:
        frame = frame.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    frame.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def noise() -> bytes:
    rng = random.Random(7)
    image = Image.frombytes("L", (600, 400), bytes(rng.randrange(256) for _ in range(600 * 400)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_us_licence_photo_gives_name_address_and_birth_date() -> None:
    licence = read_photo(photo_of(TEXAS))
    assert (licence.first_name, licence.middle_name, licence.last_name) == ("Jordan", "Lee", "O'Brien-Smith")
    assert licence.street == ["1 Main St", "Apt 4"]
    assert (licence.city, licence.region, licence.postal_code, licence.country) == ("Austin", "TX", "78701", "US")
    assert licence.birth_date == date(1988, 3, 14)  # MMDDCCYY in the US


def test_a_canadian_licence_reads_its_date_year_first_and_its_postal_code() -> None:
    licence = read_photo(photo_of(ONTARIO))
    assert (licence.first_name, licence.last_name) == ("Marie", "Tremblay")
    assert (licence.city, licence.region, licence.postal_code, licence.country) == ("Toronto", "ON", "M5J 2J2", "CA")
    assert licence.birth_date == date(1990, 7, 2)  # CCYYMMDD in Canada


def test_an_old_licence_with_one_full_name_element() -> None:
    licence = parse_aamva("@\n\x1e\rANSI 6360100102DL00390187DLDAAPUBLIC,JOHN,Q\nDAG5 ELM ST\nDAKM\nDBB07041970\r")
    assert (licence.first_name, licence.middle_name, licence.last_name) == ("John", "Q", "Public")
    assert licence.birth_date == date(1970, 7, 4)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (photo_of(TEXAS, blur=6), "could not be read"),
        (noise(), "could not be read"),
        (b"%PDF-1.4 not a photo", "not a photo"),
        (b"", "empty"),
    ],
    ids=["blurry", "noise", "not-an-image", "empty"],
)
def test_a_photo_without_a_readable_licence_says_so(content: bytes, words: str) -> None:
    with pytest.raises(LicenceUnreadable, match=words):
        read_photo(content)


def test_a_barcode_that_is_no_licence_says_so() -> None:
    with pytest.raises(LicenceUnreadable, match="not a driver's licence"):
        read_photo(photo_of("Hello, this is just a barcode"))


def test_the_licence_photo_fills_the_new_lead_and_the_lead_keeps_it(client_for, carol):
    client = client_for(carol)
    upload = io.BytesIO(photo_of(TEXAS))
    upload.name = "licence.jpg"

    page = client.post("/leads/new/licence/", {"licence": upload})

    assert page.status_code == 200
    form = page.context["form"]
    assert form.initial["first_name"] == "Jordan Lee"
    assert form.initial["last_name"] == "O'Brien-Smith"
    assert form.initial["street"] == "1 Main St, Apt 4"
    assert form.initial["birth_date"] == date(1988, 3, 14)
    body = page.content.decode()
    assert 'value="O&#x27;Brien-Smith"' in body
    assert 'value="1988-03-14"' in body
    assert 'accept="image/*" capture="environment"' in body

    posted = {k: v for k, v in form.initial.items() if v is not None}
    posted.update(dealership=form.initial["dealership"], department="sales", birth_date="1988-03-14")
    created = client.post("/leads/new/", posted)
    assert created.status_code == 302, created.content.decode()
    customer = Lead.objects.get().customer
    assert (customer.first_name, customer.last_name, customer.city, customer.postal_code) == (
        "Jordan Lee",
        "O'Brien-Smith",
        "Austin",
        "78701",
    )
    assert customer.street == ["1 Main St, Apt 4"]
    assert customer.birth_date == date(1988, 3, 14)
    lead_page = client.get(created["Location"]).content.decode()
    assert "Born Mar 14, 1988" in lead_page
    assert "1 Main St, Apt 4, Austin, TX 78701" in lead_page


def test_a_blurry_licence_photo_gets_a_clear_message_and_fills_nothing(client_for, carol):
    upload = io.BytesIO(photo_of(TEXAS, blur=6))
    upload.name = "licence.jpg"

    page = client_for(carol).post("/leads/new/licence/", {"licence": upload})

    assert page.status_code == 422
    assert "The licence could not be read" in page.content.decode()
    assert not page.context["form"].initial.get("last_name")
    assert not Lead.objects.exists()
