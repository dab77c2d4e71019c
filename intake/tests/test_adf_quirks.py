"""One test per sender quirk the ADF reader tolerates, each on a fixture of our own (fictitious
people, the quirk copied from what real senders do; see ../shared/adf-corpus/SOURCES.md)."""

from __future__ import annotations

import base64
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest

from intake.adf import AdfError, extract_adf_from_email, parse_adf, parse_document_or_email
from intake.tests.conftest import adf, lead_email

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "adf"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def prospects(name: str, *, country: str = "US") -> list[dict[str, Any]]:
    reader = parse_document_or_email if name.endswith(".eml") else parse_adf
    return [prospect.to_dict() for prospect in reader(fixture(name), country=country)]


def only(name: str, *, country: str = "US") -> dict[str, Any]:
    found = prospects(name, country=country)
    assert len(found) == 1, found
    return found[0]


def extra_texts(prospect: dict[str, Any]) -> dict[str, str | None]:
    return {entry["path"]: entry["text"] for entry in prospect["extra"]}


# --- encodings and what surrounds the document -------------------------------------------------


def test_declared_utf16_with_utf8_bytes_is_read() -> None:
    lead = only("declared_utf16_utf8_bytes.xml")
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Zoë", "Martín")
    assert lead["vehicles"][0]["vin"] == "3TMCZ5AN0KM000001"


def test_cp1252_bytes_without_a_declaration_are_read() -> None:
    lead = only("cp1252_bytes.xml")
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("François", "Léger")
    assert lead["comments"] == "Prix \u2013 €? Café"  # an en dash: a cp1252-only byte


def test_utf16_with_a_byte_order_mark_is_read() -> None:
    lead = only("utf16_bom.xml")
    assert lead["customer"]["last_name"] == "Léger"


def test_utf16_without_a_byte_order_mark_is_read() -> None:
    text = fixture("cp1252_bytes.xml").decode("cp1252")
    lead = parse_adf(text.encode("utf-16-le"))[0].to_dict()
    assert lead["customer"]["first_name"] == "François"


def test_text_is_accepted_as_well_as_bytes() -> None:
    lead = parse_adf(fixture("declared_utf16_utf8_bytes.xml").decode("utf-8"))[0].to_dict()
    assert lead["customer"]["first_name"] == "Zoë"


def test_spec_broken_adf_and_xml_headers_are_ignored() -> None:
    lead = only("spec_broken_headers.xml")
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Robin", "Example")
    assert lead["vehicles"][0]["make"] == "Subaru"
    assert lead["vendor"]["name"] == "Example Subaru of Austin"


def test_whitespace_before_the_xml_declaration_is_skipped() -> None:
    lead = only("bare_ampersand.xml")  # it also starts with a blank line and tabs
    assert lead["customer"]["first_name"] == "Jamie"


def test_prose_before_and_signature_after_the_document_are_kept_aside_as_plain_text() -> None:
    lead = only("prose_around.txt")
    assert lead["customer"]["emails"] == ["sam.placeholder@example.com"]
    assert lead["vehicles"][0]["model"] == "Maverick"
    # What the customer asked for is kept; the XML declaration and blank lines are not.
    assert lead["extra"] == [
        {
            "path": "(text around the ADF)",
            "text": "NEW INTERNET LEAD\nCustomer wants a price < $30,000 & a call today.\nName: Sam Placeholder\n\n"
            "--\nSent by LeadRouter 3000. Reply STOP to <unsubscribe>.",
            "attrs": {},
        }
    ]


def test_a_document_alone_has_no_text_around_it() -> None:
    assert only("spec_broken_headers.xml")["extra"] == []


def test_the_text_around_the_adf_in_an_email_body_is_kept_too() -> None:
    raw = lead_email("Please call after 5pm, not before.\n\n" + adf(), how="plain")
    [lead] = [p.to_dict() for p in parse_document_or_email(raw)]
    assert lead["customer"]["first_name"] == "Jordan"
    assert {"path": "(text around the ADF)", "text": "Please call after 5pm, not before.", "attrs": {}} in lead["extra"]


def forwarded_with_a_note(note_plain: str | None, note_html: str | None) -> bytes:
    """A manager's email: a note (plain, HTML or both as alternatives), the lead email attached,
    and a text file attached that is nobody's note."""
    forward = EmailMessage()
    forward["From"] = "manager@dealer.example"
    forward["To"] = "leads@intake.example"
    forward["Subject"] = "FW: New CarGurus lead"
    if note_plain is not None:
        forward.set_content(note_plain)
        if note_html is not None:
            forward.add_alternative(note_html, subtype="html")
    else:
        forward.set_content(note_html or "", subtype="html")
    forward.add_attachment(BytesParser(policy=policy.default).parsebytes(lead_email(how="xml-attachment")))
    forward.add_attachment(b"VIN,price\n1FT,42000\n", maintype="text", subtype="plain", filename="stock.csv")
    return forward.as_bytes()


def test_a_forwarders_note_in_another_part_of_the_email_is_kept_with_the_lead() -> None:
    note = "Customer called too, wants to come in Saturday.\n\nMike"
    html_note = "<p>Customer called too, wants to come in <b>Saturday</b>.</p><p>Mike</p>"
    [lead] = [p.to_dict() for p in parse_document_or_email(forwarded_with_a_note(note, html_note))]
    assert lead["customer"]["first_name"] == "Jordan"
    # The plain alternative only (the HTML one says the same), then the lead email's own body,
    # in the email's order; the attached text file is not a note.
    [kept] = [entry["text"] for entry in lead["extra"] if entry["path"] == "(text around the ADF)"]
    assert kept == f"{note}\n\nYou have a new lead from CarGurus.\n\nThe lead is attached."


def test_an_html_only_note_is_kept_as_the_text_a_mail_program_shows() -> None:
    html_note = (
        "<html><head><title>FW</title><style>p {color: red}</style></head><body><!-- Outlook -->"
        "<div>Customer called too,&nbsp;wants&nbsp;Saturday.</div>\n   <div>Mike</div></body></html>"
    )
    [lead] = [p.to_dict() for p in parse_document_or_email(forwarded_with_a_note(None, html_note))]
    [kept] = [entry["text"] for entry in lead["extra"] if entry["path"] == "(text around the ADF)"]
    assert kept.startswith("Customer called too, wants Saturday.\nMike\n\n")


def test_a_lead_forwarded_inline_with_quoted_lines_is_read_without_the_quote_marks() -> None:
    document = adf(comments="Call me after 5pm.\nNot before, I am at work.")
    quoted = "\n".join(f">> {line}" if n % 2 else f"> > {line}" for n, line in enumerate(document.splitlines()))
    body = f"Can someone take this one?\n\nOn Mon, CarGurus Leads <leads@cargurus.com> wrote:\n{quoted}\n"
    [lead] = [p.to_dict() for p in parse_document_or_email(lead_email(body, sender="manager@dealer.example"))]
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Jordan", "Sample")
    assert lead["comments"] == "Call me after 5pm.\nNot before, I am at work."
    assert lead["extra"] == [
        {
            "path": "(text around the ADF)",
            "text": "Can someone take this one?\n\nOn Mon, CarGurus Leads <leads@cargurus.com> wrote:",
            "attrs": {},
        }
    ]


def test_quote_marks_are_left_alone_when_the_adf_is_not_quoted() -> None:
    [lead] = [p.to_dict() for p in parse_adf(adf(comments="> I saw this one online\n> is it sold?"))]
    assert lead["comments"] == "> I saw this one online\n> is it sold?"


def test_html_escaped_adf_in_an_html_body_is_unescaped() -> None:
    lead = only("html_escaped_body.html")
    assert lead["ids"] == [{"source": "ChatVendor", "value": "c-7781"}]
    assert lead["customer"]["emails"] == ["avery.testperson@example.com"]  # was auto-linked
    assert lead["customer"]["phones"][0]["number"] == "+17375550123"
    assert lead["vehicles"][0]["interest"] == "lease"
    # "&amp;amp;" in the HTML is "&amp;" in the XML, which is "&".
    assert lead["comments"] == "Lease & finance options?\nVisitor: is the EV6 in stock?"
    assert lead["provider"]["name"] == "Example Chat Co"


def test_a_document_cut_short_is_read_up_to_where_it_ends() -> None:
    lead = only("truncated.xml")
    assert lead["customer"]["last_name"] == "Truncated"
    assert lead["comments"] == "Please call me back"


def test_a_prospect_without_adf_around_it_is_read() -> None:
    assert only("bare_prospect.xml")["customer"]["first_name"] == "Pat"


# --- markup that is not quite XML ---------------------------------------------------------------


def test_bare_ampersands_are_text() -> None:
    lead = only("bare_ampersand.xml")
    assert lead["vendor"]["name"] == "Smith & Sons Chevrolet"
    assert lead["customer"]["last_name"] == "Q&A"
    assert lead["comments"] == "Compare the Tahoe & the Suburban; A&W rootbeer is not a trim. AT&T &copy &c"


def test_html_named_entities_become_characters() -> None:
    lead = only("html_named_entities.xml")
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Renée", "Nuñez")
    # &#0; is a character XML forbids: it is dropped, not fatal.
    assert lead["comments"] == "Price\xa0please — thanks & regards ™"


def test_cdata_values_are_read() -> None:
    lead = only("cdata_values.xml")
    assert lead["customer"]["last_name"] == "Sample-Smith"
    assert lead["customer"]["phones"][0]["number"] == "+15125550188"
    assert lead["provider"]["name"] == "Example Autos & Trucks"
    assert lead["comments"] == "Wants <b>AWD</b> & heated seats"


def test_unquoted_attribute_values_are_read() -> None:
    lead = only("unquoted_attributes.xml")
    assert lead["ids"] == [{"source": "WebForm", "value": "F-2231"}]
    vehicle = lead["vehicles"][0]
    assert (vehicle["interest"], vehicle["condition"], vehicle["stock"]) == ("buy", "used", "H889")
    assert lead["customer"]["phones"][0]["type"] == "cellphone"


def test_stray_text_and_commented_out_markup_are_kept_in_extra() -> None:
    lead = only("mixed_content.xml", country="AR")
    texts = extra_texts(lead)
    assert texts["prospect/customer/contact/text()"] == "IDENTIFICADOR"
    assert texts["prospect/customer/contact/address/text()"] == "LOCALIDAD"
    assert texts["prospect/customer/contact/identification"] == "11222333"
    assert texts["prospect/provider/text()"] == "//"
    assert lead["provider"]["ids"] == [{"source": None, "value": "WEB"}, {"source": "OEM", "value": "99812"}]
    assert lead["customer"]["address"]["city"] == "Rosario"
    assert lead["request_date"] == "2026-03-07T14:28:21-03:00"


def test_a_doctype_line_is_dropped_and_never_fetched() -> None:
    lead = only("doctype_line.xml")
    assert lead["customer"]["last_name"] == "Doctype"


def test_tags_and_attribute_values_are_case_insensitive() -> None:
    lead = only("mixed_case.xml")
    assert lead["status"] == "resend"
    assert lead["ids"] == [{"source": "CRM", "value": "A-77"}]
    assert lead["request_date"] == "2026-03-09T12:00:00-05:00"
    assert [(v["interest"], v["condition"], v["model"]) for v in lead["vehicles"]] == [("buy", "new", "CX-50")]
    assert [(t["interest"], t["model"]) for t in lead["trades"]] == [("trade-in", "3")]
    assert lead["customer"]["phones"][0]["type"] == "cellphone"


def test_html_line_breaks_and_a_stray_less_than_in_comments_are_text() -> None:
    lead = only("html_in_comments.xml")
    assert lead["comments"] == "Budget < $30k\nNeeds 3 rows\nColor: red or blue"


def test_xml_namespaces_and_prefixes_are_ignored() -> None:
    lead = only("namespaces.xml")
    assert lead["customer"]["phones"][0]["number"] == "+15125550184"


def test_vendor_specific_elements_are_kept_in_extra() -> None:
    lead = only("vendor_specific.xml")
    texts = extra_texts(lead)
    assert texts["prospect/leadsource"] == "Website Chat"
    assert texts["prospect/customer/messages/message[2]/text"] == "Yes!"
    assert texts["prospect/customer/contact/newsletter"] == "NO"
    assert {"path": "prospect/leadsource", "text": "Website Chat", "attrs": {"channel": "chat"}} in lead["extra"]


# --- e-mail -------------------------------------------------------------------------------------


def test_an_email_with_plain_and_html_alternatives_is_one_lead() -> None:
    lead = only("lead_alternative.eml")
    assert (lead["customer"]["first_name"], lead["customer"]["last_name"]) == ("Dominique", "García")
    assert lead["comments"] == "¿Sigue disponible? Is the truck still available?"
    assert len(extract_adf_from_email(fixture("lead_alternative.eml"))) == 1


def test_an_xml_attachment_is_read_whatever_its_content_type() -> None:
    lead = only("lead_attachment.eml")
    assert lead["vehicles"][0]["vin"] == "1GCUYDED0LZ000001"
    assert lead["customer"]["last_name"] == "García"


def mailed_attachment(filename: str, *, boundary: str = '"lead-boundary"') -> bytes:
    """An email whose ADF travels as an attachment typed only as bytes: its name says it is ADF."""
    separator = boundary.strip('"')
    return (
        "From: Example Listings <leads@listings.example>\r\nTo: riverside@intake.example\r\n"
        f"Subject: New lead\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary={boundary}\r\n\r\n"
        f"--{separator}\r\nContent-Type: text/plain\r\n\r\nThe lead is attached.\r\n"
        f"--{separator}\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; filename={filename}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        f"{base64.encodebytes(adf(last='Müller').encode()).decode()}\r\n--{separator}--\r\n"
    ).encode()


@pytest.mark.parametrize(
    "filename",
    [
        '"=?utf-8?q?lead.xml?="',
        '"=?UTF-8?B?bGVhZC54bWw=?="',
        '"=?iso-8859-1?Q?Anfrage_M=FCller.adf?="',
        '"=?utf-8?q?Lead_for_Riverside_Motors_from?= =?utf-8?q?_Example_Listings.xml?="',
    ],
)
def test_an_adf_attachment_whose_name_the_mail_program_encoded_makes_its_lead(filename: str) -> None:
    assert parse_document_or_email(mailed_attachment(filename))[0].customer.last_name == "Müller"


def test_an_attachment_encoded_with_a_charset_unknown_here_is_still_read_by_its_name() -> None:
    email = mailed_attachment('"=?x-mac-unheard-of?q?lead.xml?="')
    assert parse_document_or_email(email)[0].customer.last_name == "Müller"


def test_an_email_whose_mail_program_left_the_part_boundary_unquoted_makes_its_lead() -> None:
    # "=" is not allowed in an unquoted boundary, but some mail programs write it so anyway.
    email = mailed_attachment('"lead.xml"', boundary="----=_Part_1234_5678.1700000000000")
    assert parse_document_or_email(email)[0].customer.last_name == "Müller"


def test_an_html_only_latin1_quoted_printable_email_is_read() -> None:
    lead = only("lead_html_only.eml")
    assert lead["customer"]["last_name"] == "García"
    assert lead["ids"] == [{"source": "ExampleListings", "value": "EL-5521"}]


def test_a_forwarded_lead_inside_an_email_is_read() -> None:
    assert only("forwarded_lead.eml")["customer"]["phones"][0]["number"] == "+15125550175"


def test_extract_returns_the_adf_documents_as_bytes() -> None:
    (document,) = extract_adf_from_email(fixture("lead_attachment.eml"))
    assert document.startswith(b"<adf>")
    assert document.endswith(b"</adf>")
    assert parse_adf(document)[0].customer.last_name == "García"


def test_an_email_without_adf_says_what_it_checked() -> None:
    with pytest.raises(AdfError, match=r"email has no ADF document: checked 2 parts \(text/plain, image/png skipped\)"):
        extract_adf_from_email(fixture("no_adf.eml"))
    with pytest.raises(AdfError, match="email has no ADF document"):
        parse_document_or_email(fixture("no_adf.eml"))


def test_a_bare_document_is_not_mistaken_for_an_email() -> None:
    # Its prose opens with "Name: …" lines, which look like headers but are not mail headers.
    lead = parse_document_or_email(fixture("prose_around.txt"))[0]
    assert lead.customer.first_name == "Sam"


# --- what is refused ----------------------------------------------------------------------------


def test_text_without_adf_is_refused_with_a_clear_message() -> None:
    with pytest.raises(AdfError, match="no ADF document found"):
        parse_adf(b"Hello, I would like a quote on a truck.")


def test_an_adf_element_without_a_prospect_is_refused() -> None:
    with pytest.raises(AdfError, match="no ADF document found: the <adf> element holds no <prospect>"):
        parse_adf("<adf><note>nothing here</note></adf>")


def test_something_that_is_neither_bytes_nor_text_is_refused() -> None:
    with pytest.raises(AdfError, match="bytes or text"):
        parse_adf(42)  # type: ignore[arg-type]


def test_a_doctype_with_only_element_declarations_is_dropped() -> None:
    document = "<!DOCTYPE adf [<!ELEMENT adf ANY>]><adf><prospect><customer><comments>ok</comments></customer></prospect></adf>"
    assert parse_adf(document)[0].comments == "ok"


def test_an_email_given_as_text_is_read() -> None:
    text = fixture("lead_alternative.eml").decode("ascii")
    assert parse_document_or_email(text)[0].customer.first_name == "Dominique"
