"""A tolerant, safe ADF 1.0 (Auto-lead Data Format) reader. Pure Python: no Django here.

    parse_adf(data)                 one ADF document (bytes or text) -> [Prospect]
    extract_adf_from_email(raw)     a whole .eml -> the ADF documents in it, as bytes
    parse_document_or_email(data)   either of the two, sniffed -> [Prospect]

Reading goes in four steps: decode (`clean.decode_bytes`: the declared encoding is often wrong),
find the document (`clean.find_adf_documents`: prose around it, HTML-escaped bodies), repair it
into well-formed XML (`repair.repair`: one linear scan, which also refuses entity declarations and
deep nesting), then parse with defusedxml (no DTD, no entities, no external references) and read
the tree (`read.read_prospects`). A document the repair would leave as it is is parsed as it came
(`repair.as_written`). AdfError is the only exception that leaves these functions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from .clean import TEXT_AROUND, decode_bytes, find_adf_documents, text_around
from .mail import DEFAULT_MAX_EMAIL_BYTES, extract_adf_and_text_from_email, extract_adf_from_email, looks_like_email
from .model import AdfError, Extra, Prospect
from .read import read_prospects
from .repair import as_written, repair
from .sizes import DEFAULT_MAX_BYTES, check_size

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element  # the type only; parsing is always defusedxml's

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_EMAIL_BYTES",
    "AdfError",
    "Prospect",
    "extract_adf_from_email",
    "parse_adf",
    "parse_document_or_email",
]


def parse_adf(data: bytes | str, *, country: str = "US", max_bytes: int = DEFAULT_MAX_BYTES) -> list[Prospect]:
    """The prospects in one ADF document, as senders really send it.

    `country` places phone numbers written without a country code. Raises AdfError, and nothing
    else, when the document is too big, hostile, or holds no prospect."""
    try:
        return _parse_adf(data, country=country, max_bytes=max_bytes)
    except AdfError:
        raise
    except Exception as error:  # the promise to callers: AdfError and nothing else
        raise AdfError(f"ADF document could not be read ({type(error).__name__}: {error})") from error


def parse_document_or_email(
    data: bytes | str, *, country: str = "US", max_bytes: int = DEFAULT_MAX_BYTES
) -> list[Prospect]:
    """Prospects from either a bare ADF document or a whole e-mail (.eml) carrying ADF."""
    try:
        raw = data.encode("utf-8", errors="surrogatepass") if isinstance(data, str) else bytes(data)
        if not looks_like_email(raw):
            return _parse_adf(raw, country=country, max_bytes=max_bytes)
        return _parse_email(raw, country=country, max_bytes=max_bytes)
    except AdfError:
        raise
    except Exception as error:  # the promise to callers: AdfError and nothing else
        raise AdfError(f"ADF document could not be read ({type(error).__name__}: {error})") from error


def _parse_email(raw: bytes, *, country: str, max_bytes: int) -> list[Prospect]:
    """Every readable document's prospects. One unreadable document among readable ones does not
    lose the others: each prospect then carries a warning about it."""
    prospects: list[Prospect] = []
    failures: list[str] = []
    found = extract_adf_and_text_from_email(raw, max_email_bytes=max(DEFAULT_MAX_EMAIL_BYTES, max_bytes))
    for document, around in found:
        try:
            parsed = _parse_adf(document, country=country, max_bytes=max_bytes)
        except AdfError as error:
            failures.append(error.message)
            continue
        prospects.extend(_with_text_around(parsed, around))
    if not prospects:
        raise AdfError(failures[0] if len(failures) == 1 else f"no ADF document in the email could be read: {failures}")
    for prospect in prospects:
        prospect.warnings.extend(f"another ADF document in this email could not be read: {f}" for f in failures)
    return prospects


def _parse_adf(data: bytes | str, *, country: str, max_bytes: int) -> list[Prospect]:
    if isinstance(data, str):
        # Characters never outnumber their UTF-8 bytes, so a long text fails before encoding it.
        check_size(len(data), max_bytes)
        check_size(len(data.encode("utf-8", errors="surrogatepass")), max_bytes)
        text = data.removeprefix("\ufeff")
    elif isinstance(data, bytes | bytearray | memoryview):
        check_size(len(data), max_bytes)
        text = decode_bytes(bytes(data))
    else:
        raise AdfError(f"an ADF document is bytes or text, not {type(data).__name__}")
    documents = find_adf_documents(text)
    if not documents:
        raise AdfError("no ADF document found: there is no <adf> or <prospect> element in it")
    prospects: list[Prospect] = []
    for document in documents:
        root = as_written(document)
        if root is None:
            xml = repair(document)
            if not xml:
                continue
            root = _parse_xml(xml)
        prospects.extend(read_prospects(root, country=country.strip().upper() or "US"))
    if not prospects:
        raise AdfError("no ADF document found: the <adf> element holds no <prospect>")
    return _with_text_around(prospects, text_around(text, documents))


def _with_text_around(prospects: list[Prospect], text: str) -> list[Prospect]:
    """Keep what the sender wrote around the ADF on each prospect (in `extra`) rather than drop it."""
    if text:
        for prospect in prospects:
            prospect.extra.append(Extra(path=TEXT_AROUND, text=text, attrs={}))
    return prospects


def _parse_xml(xml: str) -> Element:
    try:
        return fromstring(xml.encode("utf-8"), forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as error:
        raise AdfError(f"document refused for safety: {error!r}") from error
    except ParseError as error:
        raise AdfError(f"document is not readable XML, even after repair: {error}") from error
