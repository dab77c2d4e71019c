"""Reading a parsed (already repaired, lower-cased) ADF tree into Prospects.

Every child an element has that is not read into a field is kept in `extra` with its path, and
so is stray text between elements: senders put real information in vendor-specific elements
(`<messages>`, `<employment>`, `<salesperson>`) and even in annotations outside any tag.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from . import values
from .aside import NO_PLACEHOLDERS, all_text
from .model import Address, Contact, Extra, Phone, Prospect, Provider, SourceId, Timeframe, Vendor
from .vehicles import VehicleReader

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

_PROSPECT_FIELDS = frozenset({"id", "requestdate", "vehicle", "customer", "vendor", "provider"})
_CUSTOMER_FIELDS = frozenset({"contact", "timeframe", "comments", "comment", "vehicle"})
_CONTACT_FIELDS = frozenset({"name", "email", "phone", "address", "comments", "comment"})
_ADDRESS_FIELDS = frozenset({"street", "apartment", "city", "regioncode", "postalcode", "country"})
_VENDOR_FIELDS = frozenset({"id", "vendorname", "url", "contact"})
_PROVIDER_FIELDS = frozenset({"id", "name", "service", "url", "email", "phone", "contact"})
_TIMEFRAME_FIELDS = frozenset({"description", "earliestdate", "latestdate"})
_NAME_PARTS = frozenset({"first", "middle", "last", "suffix", "full"})
_SALESPERSON_SOURCES = frozenset({"salesperson", "salespersonid", "salesrep", "salesrepid", "salesman", "salesagent"})


def read_prospects(root: Element, *, country: str) -> list[Prospect]:
    """Every `<prospect>` under `root` (not inside another prospect), read into a Prospect."""
    prospects = list(_prospect_elements(root))
    document_extra = _Reader(root, country).document_extra(root)
    return [_Reader(element, country).prospect(element, document_extra) for element in prospects]


def _prospect_elements(element: Element) -> Iterable[Element]:
    # Depth is bounded by the repair step (MAX_DEPTH), so recursion here is shallow.
    for child in element:
        if child.tag == "prospect":
            yield child
        else:
            yield from _prospect_elements(child)


class _Reader(VehicleReader):
    """Reads one prospect, collecting what it keeps aside (`extra`) and what it could not read."""

    def document_extra(self, root: Element) -> list[Extra]:
        """Whatever the `<adf>` element holds besides prospects belongs to each of its leads."""
        self.leftovers(root, frozenset({"prospect"}), skip_inside={"prospect"})
        return self.extra

    # --- the prospect -------------------------------------------------------------------------

    def prospect(self, element: Element, document_extra: list[Extra]) -> Prospect:
        self.extra.extend(document_extra)
        self.leftovers(element, _PROSPECT_FIELDS)
        customers = element.findall("customer")
        contacts = [contact for customer in customers for contact in self.customer_contacts(customer)]
        primary = next((c for c in contacts if values.is_yes(c.get("primarycontact"))), None)
        primary = primary if primary is not None else (contacts[0] if contacts else None)
        second = next((c for c in contacts if c is not primary), None)
        for other in contacts:
            if other is not primary and other is not second:
                self.keep_unknown(other)  # a third person has no field; keep them aside
        vehicles = self.vehicles(element)
        comments = self.comments(customers, contacts)
        trades = self.trade_from_comments([vehicle for vehicle in vehicles if vehicle.is_trade], comments)
        return Prospect(
            status=self.status(element),
            request_date=self.date(element.find("requestdate"), "requestdate"),
            ids=self.ids(element),
            vendor=self.vendor(self.first_of(element, "vendor")),
            provider=self.provider(self.first_of(element, "provider")),
            customer=self.contact(primary) if primary is not None else _empty_contact(),
            co_customer=self.contact(second) if second is not None else None,
            vehicles=[vehicle for vehicle in vehicles if not vehicle.is_trade],
            trades=trades,
            comments=comments,
            timeframe=self.timeframe(next((t for c in customers for t in c.findall("timeframe")), None)),
            salesperson=self.salesperson(element),
            extra=self.extra,
            warnings=self.warnings,
        )

    def status(self, element: Element) -> str:
        written = values.one_line(element.get("status"), NO_PLACEHOLDERS)
        if written is not None and written.lower() not in {"new", "resend"}:
            self.warnings.append(f"status {written!r} is neither new nor resend; read as new")
        return "resend" if written is not None and written.lower() == "resend" else "new"

    def ids(self, element: Element) -> list[SourceId]:
        found = []
        for child in element.findall("id"):
            value = values.one_line(all_text(child), NO_PLACEHOLDERS)
            if value is not None:
                found.append(SourceId(source=values.one_line(child.get("source"), NO_PLACEHOLDERS), value=value))
        return found

    def salesperson(self, element: Element) -> str | None:
        """The sending CRM's salesperson: `<id source="salesperson">` or a `<salesperson>` element."""
        for child in element.iter("id"):
            if _compact(child.get("source")) in _SALESPERSON_SOURCES:
                value = values.one_line(all_text(child))
                if value is not None:
                    return value
        for child in element.iter("salesperson"):
            inner_id, inner_name = child.find("id"), child.find("name")
            for candidate in (
                child.get("id"),
                all_text(inner_id) if inner_id is not None else None,
                child.text,
                all_text(inner_name) if inner_name is not None else None,
                all_text(child),
            ):
                value = values.one_line(candidate)
                if value is not None:
                    return value
        return None

    # --- people -------------------------------------------------------------------------------

    def customer_contacts(self, customer: Element) -> list[Element]:
        contacts = customer.findall("contact")
        if contacts:
            self.leftovers(customer, _CUSTOMER_FIELDS)
            return contacts
        # Some senders put name/email/phone straight into <customer>: it is the contact then.
        if any(customer.find(tag) is not None for tag in ("name", "email", "phone")):
            return [customer]
        self.leftovers(customer, _CUSTOMER_FIELDS)
        return []

    def contact(self, element: Element, *, person: bool = True) -> Contact:
        """A contact; for the vendor and provider (`person=False`) a whole name is not split, since
        it is usually a business or a role ("Sample Ford Lincoln", "Internet Manager")."""
        known = _CONTACT_FIELDS | (_CUSTOMER_FIELDS if element.tag == "customer" else frozenset())
        self.leftovers(element, known)
        first, last, business, name = self.names(element.findall("name"), split=person)
        return Contact(
            name=name,
            first_name=first,
            last_name=last,
            business_name=business,
            emails=self.emails(element.findall("email")),
            phones=self.phones(element.findall("phone")),
            address=self.address(element.find("address")),
        )

    def names(
        self, elements: list[Element], *, split: bool = True
    ) -> tuple[str | None, str | None, str | None, str | None]:
        """First, last, business and whole name from ADF's `<name part=… type=…>` elements."""
        parts: dict[str, str] = {}
        business = None
        for element in elements:
            text = values.one_line(all_text(element))
            if text is None:
                continue
            part = (element.get("part") or "").strip().lower()
            kind = (element.get("type") or "").strip().lower()
            if part not in _NAME_PARTS:
                part = "full"  # no part, or the part written into `type` (type="full")
            if kind == "business" and part == "full":
                business = business or text
                continue
            parts.setdefault(part, text)
        first, last = parts.get("first"), parts.get("last")
        if split and not first and not last and "full" in parts:
            first, last = values.split_full_name(parts["full"])
        elif split and first and not last and " " in first:
            first, last = values.split_full_name(first)  # "Lucía Gómez" sent as the first name
        written = " ".join(p for p in (first, parts.get("middle"), last, parts.get("suffix")) if p)
        return first, last, business, parts.get("full") or written or business

    def emails(self, elements: list[Element]) -> list[str]:
        found: list[str] = []
        for element in elements:
            written = values.one_line(all_text(element))
            if written is None:
                continue
            addresses = [values.email_address(word) for word in re.split(r"[;,\s]+", written)]
            readable = [address for address in addresses if address is not None]
            if not readable:
                self.unreadable(element, "e-mail", written)
            found.extend(address for address in readable if address not in found)
        return found

    def phones(self, elements: list[Element]) -> list[Phone]:
        found: list[Phone] = []
        for element in elements:
            written = values.one_line(all_text(element))
            if written is None:
                continue
            number = values.phone(
                written,
                kind=element.get("type"),
                preferred=element.get("preferredcontact"),
                time=element.get("time"),
                country=self.country,
            )
            if number.number is None:
                self.warnings.append(f"phone {written!r} could not be read as a number; kept as written")
            if all((p.number or p.raw, p.type) != (number.number or number.raw, number.type) for p in found):
                found.append(number)
        return found

    def address(self, element: Element | None) -> Address:
        if element is None:
            return _empty_address()
        self.leftovers(element, _ADDRESS_FIELDS)
        lines = sorted(element.findall("street"), key=lambda line: _line_number(line.get("line")))
        street = [values.one_line(all_text(line)) for line in [*lines, *element.findall("apartment")]]
        region = values.one_line(self.text_of(element, "regioncode"))
        return Address(
            street=[line for line in street if line is not None],
            city=values.one_line(self.text_of(element, "city")),
            region=region.upper() if region and len(region) <= 3 else region,
            postal_code=values.postal_code(self.text_of(element, "postalcode")),
            country=values.country_code(self.text_of(element, "country")),
        )

    def comments(self, customers: list[Element], contacts: list[Element]) -> str | None:
        texts: list[str] = []
        for holder in [*customers, *contacts]:
            for child in holder:
                if child.tag in {"comments", "comment"}:
                    text = values.paragraph(all_text(child))
                    if text is not None and text not in texts:
                        texts.append(text)
        return "\n\n".join(texts) or None

    def timeframe(self, element: Element | None) -> Timeframe | None:
        if element is None:
            return None
        self.leftovers(element, _TIMEFRAME_FIELDS)
        found = Timeframe(
            description=values.paragraph(self.text_of(element, "description")),
            earliest_date=self.date(element.find("earliestdate"), "timeframe earliestdate"),
            latest_date=self.date(element.find("latestdate"), "timeframe latestdate"),
        )
        return found if any((found.description, found.earliest_date, found.latest_date)) else None

    # --- vendor and provider ------------------------------------------------------------------

    def vendor(self, element: Element | None) -> Vendor:
        if element is None:
            return Vendor(name=None, contact=None, ids=[], url=None)
        self.leftovers(element, _VENDOR_FIELDS)
        contact_element = element.find("contact")
        contact = self.contact(contact_element, person=False) if contact_element is not None else None
        name = values.one_line(self.text_of(element, "vendorname"))
        if name is None and contact is not None:
            name = contact.business_name or contact.name
        return Vendor(
            name=name, contact=contact, ids=self.ids(element), url=values.one_line(self.text_of(element, "url"))
        )

    def provider(self, element: Element | None) -> Provider:
        if element is None:
            return Provider(name=None, service=None, url=None, email=None, phone=None, ids=[], contact=None)
        self.leftovers(element, _PROVIDER_FIELDS)
        contact_element = element.find("contact")
        names = (values.one_line(all_text(name)) for name in element.findall("name"))
        phones = self.phones(element.findall("phone"))
        emails = self.emails(element.findall("email"))
        return Provider(
            name=next((name for name in names if name is not None), None),
            service=values.one_line(self.text_of(element, "service")),
            url=values.one_line(self.text_of(element, "url")),
            email=emails[0] if emails else None,
            phone=(phones[0].number or phones[0].raw) if phones else None,
            ids=self.ids(element),
            contact=self.contact(contact_element, person=False) if contact_element is not None else None,
        )

    # --- vehicles -----------------------------------------------------------------------------


def _compact(text: str | None) -> str:
    return re.sub(r"[^a-z]", "", (text or "").lower())


def _line_number(text: str | None) -> int:
    return int(text) if text and text.strip().isdigit() and len(text.strip()) < 4 else 999


def _empty_address() -> Address:
    return Address(street=[], city=None, region=None, postal_code=None, country=None)


def _empty_contact() -> Contact:
    return Contact(
        name=None, first_name=None, last_name=None, business_name=None, emails=[], phones=[], address=_empty_address()
    )
