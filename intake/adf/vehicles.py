"""Reading `<vehicle>` elements: vehicles of interest and trades (interest `trade-in` or `sell`)."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from . import values
from .aside import Aside, all_text, lower, upper
from .model import Colors, Extra, Finance, Money, Vehicle, VehicleOption

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_VEHICLE_FIELDS = frozenset(
    {
        "year",
        "make",
        "model",
        "trim",
        "vin",
        "stock",
        "price",
        "odometer",
        "condition",
        "doors",
        "bodystyle",
        "transmission",
        "colorcombination",
        "imagetag",
        "pricecomments",
        "option",
        "finance",
        "comments",
    }
)
_INTERESTS = {
    "buy": "buy",
    "purchase": "buy",
    "lease": "lease",
    "sell": "sell",
    "trade-in": "trade-in",
    "tradein": "trade-in",
    "trade": "trade-in",
    "test-drive": "test-drive",
    "testdrive": "test-drive",
}
_CONDITIONS = {
    "new": "new",
    "used": "used",
    "pre-owned": "used",
    "preowned": "used",
    "certified": "used",
    "cpo": "used",
    "certified pre-owned": "used",
}
# "Year: 2008" lines, as senders write a vehicle into the comments.
_COMMENT_FIELD = re.compile(
    r"^[ \t]*+(year|make|model|trim|vin|mileage|odometer|miles)[ \t]*+:[ \t]*+(\S[^\n]*+)",
    re.IGNORECASE | re.MULTILINE,
)
_VIN_SEPARATORS = re.compile(r"[\s\-]")
_WORD_SEPARATORS = re.compile(r"[\s_]+")
_SMALL_INT = re.compile(r"[+-]?\d{1,6}")


class VehicleReader(Aside):
    """Reads vehicles and trades; the prospect reader builds on it."""

    def vehicles(self, prospect: Element) -> list[Vehicle]:
        """Every `<vehicle>` anywhere in the prospect; the first one to buy or lease is preferred
        (failing that, the first test drive)."""
        found = [self.vehicle(element) for element in prospect.iter("vehicle")]
        wanted = [v for v in found if v.interest in {"buy", "lease"}] or [
            v for v in found if v.interest == "test-drive"
        ]
        return [replace(v, preferred=True) if wanted and v is wanted[0] else v for v in found]

    def trade_from_comments(self, trades: list[Vehicle], comments: str | None) -> list[Vehicle]:
        """HD Marketplace's "Value My Trade" sends an empty `<vehicle interest="sell">` and writes the
        motorcycle into the comments as "Year: 2008" lines: the one empty trade is filled from them."""
        if len(trades) != 1 or comments is None or any((trades[0].year, trades[0].make, trades[0].model)):
            return trades
        written: dict[str, str] = {}
        for key, value in _COMMENT_FIELD.findall(comments):
            written.setdefault(key.lower(), value.strip())
        if "make" not in written and "model" not in written:
            return trades
        mileage = written.get("mileage") or written.get("odometer") or written.get("miles")
        vin = values.one_line(written.get("vin"), values.VEHICLE_PLACEHOLDERS)
        self.warnings.append("the trade was read from the comments: its <vehicle> element was empty")
        trade = replace(
            trades[0],
            year=values.whole_number(written.get("year"), low=1900, high=2100)[0],
            make=values.one_line(written.get("make"), values.VEHICLE_PLACEHOLDERS),
            model=values.one_line(written.get("model"), values.VEHICLE_PLACEHOLDERS),
            trim=values.one_line(written.get("trim"), values.VEHICLE_PLACEHOLDERS),
            vin=trades[0].vin or (vin.upper() if vin else None),
            odometer=trades[0].odometer or values.whole_number(mileage)[0],
        )
        return [trade]

    def vehicle(self, element: Element) -> Vehicle:
        self.leftovers(element, _VEHICLE_FIELDS)
        condition = _condition(element.get("status"))
        rating = values.one_line(self.text_of(element, "condition"))
        if _condition(rating) is not None:
            condition, rating = condition or _condition(rating), None  # <condition>Used</condition>
        vin = values.one_line(self.text_of(element, "vin"), values.VEHICLE_PLACEHOLDERS)
        vin = _VIN_SEPARATORS.sub("", vin).upper() if vin else None
        stock = values.one_line(self.text_of(element, "stock"))
        price_element = self.first_of(element, "price")
        price = self.price(price_element)
        odometer_element = self.first_of(element, "odometer")
        units = None
        if odometer_element is not None:
            units = odometer_element.get("units") or odometer_element.get("unit")
        return Vehicle(
            interest=_interest(element.get("interest")),
            condition=condition,
            year=self.number(element.find("year"), "year", low=1900, high=2100),
            make=self.vehicle_name(element.find("make")),
            model=self.vehicle_name(element.find("model")),
            trim=self.vehicle_name(element.find("trim")),
            vin=vin,
            stock=stock,
            price=price,
            price_type=lower(price_element.get("type")) if price_element is not None else None,
            price_currency=upper(price_element.get("currency")) if price_element is not None else None,
            odometer=self.number(odometer_element, "odometer"),
            odometer_units=values.odometer_units(units),
            bodystyle=values.one_line(self.text_of(element, "bodystyle")),
            transmission=values.one_line(self.text_of(element, "transmission")),
            doors=values.one_line(self.text_of(element, "doors")),
            condition_rating=rating,
            colors=[self.colors(c) for c in element.findall("colorcombination")],
            options=[self.option(o) for o in element.findall("option")],
            finance=self.finance(element.find("finance")),
            comments=values.paragraph(self.text_of(element, "comments")),
            price_comments=values.paragraph(self.text_of(element, "pricecomments")),
            image_url=values.one_line(self.text_of(element, "imagetag")),
            preferred=False,
            search_vehicle=vin is None and stock is None,
        )

    def vehicle_name(self, element: Element | None) -> str | None:
        if element is None:
            return None
        written = values.one_line(all_text(element), values.VEHICLE_PLACEHOLDERS)
        value, cut = values.without_url(written)
        if cut and written is not None:
            self.extra.append(Extra(path=self.path(element), text=written, attrs=dict(element.attrib)))
        return value

    def price(self, element: Element | None) -> str | None:
        if element is None:
            return None
        value, readable = values.money(all_text(element))
        if not readable:
            self.unreadable(element, "price", values.one_line(all_text(element)) or "")
        return value

    def colors(self, element: Element) -> Colors:
        self.leftovers(element, frozenset({"interiorcolor", "exteriorcolor", "preference"}))
        return Colors(
            exterior=values.one_line(self.text_of(element, "exteriorcolor")),
            interior=values.one_line(self.text_of(element, "interiorcolor")),
            preference=_small_int(self.text_of(element, "preference")),
        )

    def option(self, element: Element) -> VehicleOption:
        self.leftovers(element, frozenset({"optionname", "manufacturercode", "stock", "weighting", "price"}))
        return VehicleOption(
            name=values.one_line(self.text_of(element, "optionname")),
            manufacturer_code=values.one_line(self.text_of(element, "manufacturercode")),
            stock=values.one_line(self.text_of(element, "stock")),
            weighting=_small_int(self.text_of(element, "weighting")),
            price=values.money(self.text_of(element, "price"))[0],
        )

    def finance(self, element: Element | None) -> Finance | None:
        if element is None:
            return None
        self.leftovers(element, frozenset({"method", "amount", "balance"}))
        return Finance(
            method=lower(self.text_of(element, "method")),
            amounts=[_money(amount) for amount in element.findall("amount")],
            balances=[_money(balance) for balance in element.findall("balance")],
        )


def _interest(text: str | None) -> str:
    key = _WORD_SEPARATORS.sub("-", (text or "").strip().lower())
    return _INTERESTS.get(key, key or "buy")  # ADF's default interest is buy


def _condition(text: str | None) -> str | None:
    # ADF's default status is "new", but a missing status on a 1999 Blazer does not make it new.
    return _CONDITIONS.get((text or "").strip().lower())


def _small_int(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(value) if _SMALL_INT.fullmatch(value) else None


def _money(element: Element) -> Money:
    return Money(
        type=lower(element.get("type")),
        limit=lower(element.get("limit")),
        value=values.money(all_text(element))[0],
        currency=upper(element.get("currency")),
    )
