"""Reading the back of a US or Canadian driver's licence: the PDF417 barcode in a phone's photo,
decoded with zxing-cpp, and its AAMVA text turned into the customer's name, address and date of
birth. The photo is only read, never kept.

AAMVA card design standard, in brief: a header ("@", LF, RS, CR, "ANSI ", the issuer's 6-digit IIN,
versions and a directory of subfiles), then a "DL" (or "ID") subfile of elements, each a 3-letter
code and its value, one a line: DCS last name, DAC first, DAD middle (DAA "LAST,FIRST,MIDDLE" on
old cards), DAG/DAH street, DAI city, DAJ state or province, DAK postal code, DBB date of birth
(MMDDCCYY in the US, CCYYMMDD in Canada), DCG country (USA/CAN).
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass, field
from datetime import date

import zxingcpp
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 50_000_000
PROVINCES = frozenset(["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"])
SUBFILE = re.compile(r"(?:DL|ID)(D[A-Z]{2}[^\n\r]*)")
ELEMENT = re.compile(r"^([A-Z]{3})(.*)$")
UNREADABLE = (
    "The licence could not be read. Photograph the barcode on the back of the licence: flat, in good "
    "light, filling most of the picture, without glare."
)


class LicenceUnreadable(ValueError):
    """Why a photo gave no licence, in words for the salesperson."""


@dataclass(frozen=True)
class Licence:
    """What the licence says about its holder."""

    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    street: list[str] = field(default_factory=list)
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country: str = ""
    birth_date: date | None = None


def read_photo(content: bytes) -> Licence:
    """The licence in a photo; LicenceUnreadable when there is no readable licence barcode in it."""
    if not content:
        raise LicenceUnreadable("The photo is empty.")
    if len(content) > MAX_PHOTO_BYTES:
        raise LicenceUnreadable(f"The photo is too big: up to {MAX_PHOTO_BYTES // (1024 * 1024)} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(content))
            if opened.width * opened.height > MAX_PIXELS:
                raise LicenceUnreadable("The photo has too many pixels to read.")
            # A phone stores "this way up" apart from the pixels.
            image = ImageOps.exif_transpose(opened).convert("L")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise LicenceUnreadable("This file is not a photo (send a JPEG, PNG or HEIC taken with the camera).") from None
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.PDF417))
    if not found:
        raise LicenceUnreadable(UNREADABLE)
    return parse_aamva(found[0].bytes.decode("latin-1"))


def parse_aamva(text: str) -> Licence:
    """The holder's details from a licence barcode's text; LicenceUnreadable when it is not AAMVA."""
    if "ANSI" not in text[:40] and "AAMVA" not in text[:40]:
        raise LicenceUnreadable("The barcode is not a driver's licence (no AAMVA header).")
    elements = _elements(text)
    if not elements:
        raise LicenceUnreadable("The licence barcode holds no details.")
    first, middle, last = (
        elements.get("DAC") or elements.get("DCT", ""),
        elements.get("DAD", ""),
        elements.get("DCS", ""),
    )
    if not last and elements.get("DAB"):
        last = elements["DAB"]
    if not (first or last) and elements.get("DAA"):
        last, first, middle = ([*_split_full_name(elements["DAA"]), "", "", ""])[:3]
    if "," in first and not middle:  # some issuers put "FIRST,MIDDLE" in DAC/DCT
        first, middle = (part.strip() for part in first.split(",", 1))
    region = elements.get("DAJ", "").upper()
    country = _country(elements.get("DCG", ""), region)
    return Licence(
        first_name=_name(first),
        middle_name=_name(middle),
        last_name=_name(last),
        street=[_words(s) for s in (elements.get("DAG", ""), elements.get("DAH", "")) if s],
        city=_words(elements.get("DAI", "")),
        region=region,
        postal_code=_postal_code(elements.get("DAK", ""), country),
        country=country,
        birth_date=_birth_date(elements.get("DBB", ""), country),
    )


def _elements(text: str) -> dict[str, str]:
    lines = re.split(r"[\n\r]+", text)
    found: dict[str, str] = {}
    for number, line in enumerate(lines):
        if number < 3 and (start := SUBFILE.search(line)):
            line = start.group(1)  # the first element follows the header on the same line
        match = ELEMENT.match(line.strip("\x1e\x1c\x1d "))
        if match and match.group(1)[0] in "DZ":
            code, value = match.groups()
            value = value.strip()
            if value and value.upper() not in ("NONE", "UNAVL") and code not in found:
                found[code] = value
    return found


def _split_full_name(full: str) -> list[str]:
    separator = "," if "," in full else " "
    return [part.strip() for part in full.split(separator) if part.strip()]


def _name(value: str) -> str:
    """ "O'BRIEN-SMITH" → "O'Brien-Smith"; a name already in mixed case is kept."""
    value = " ".join(value.split())
    if value != value.upper():
        return value
    return re.sub(r"[A-Za-z]+", lambda m: m.group(0).capitalize(), value.lower())


def _words(value: str) -> str:
    return _name(value)


def _country(code: str, region: str) -> str:
    code = code.upper()
    if code in ("USA", "US"):
        return "US"
    if code in ("CAN", "CA"):
        return "CA"
    return "CA" if region in PROVINCES else "US"


def _postal_code(value: str, country: str) -> str:
    compact = re.sub(r"[\s-]", "", value).upper()
    if country == "CA" and re.fullmatch(r"[A-Z]\d[A-Z]\d[A-Z]\d", compact):
        return f"{compact[:3]} {compact[3:]}"
    if re.fullmatch(r"\d{9}", compact):
        return compact[:5] if compact[5:] == "0000" else f"{compact[:5]}-{compact[5:]}"
    return compact


def _birth_date(value: str, country: str) -> date | None:
    digits = re.sub(r"\D", "", value)
    if len(digits) != 8:
        return None
    us = (int(digits[4:]), int(digits[:2]), int(digits[2:4]))
    canada = (int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    for year, month, day in (canada, us) if country == "CA" else (us, canada):
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if 1900 <= born.year <= 2100:
            return born
    return None
