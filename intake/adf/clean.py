"""Turning bytes as senders produce them into the text of each ADF document they hold.

Everything here works on plain text with regexes and `str.find`, never with an XML parser: real
senders declare the wrong encoding, put prose before and signatures after the document, or send it
HTML-escaped inside an HTML e-mail body. Every scan is linear in the size of the input.
"""

from __future__ import annotations

import codecs
import html
import re

from .model import AdfError
from .repair import MAX_MARKUP

# An HTML body holding escaped ADF has about two references per tag ("&lt;", "&gt;") and two per
# attribute ("&quot;"); more than this is not a lead, and un-escaping it would cost real time.
MAX_HTML_REFERENCES = 4 * MAX_MARKUP

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']?([A-Za-z0-9._\-]{1,40})""", re.IGNORECASE)
# Declared encodings that are never honoured by name: when the bytes really are UTF-16/32 the BOM or
# the zero bytes say so; when they are not, the declaration is the well-known CarGurus mistake.
_WIDE_ENCODINGS = ("utf-16", "utf16", "utf-32", "utf32", "ucs-2", "ucs2", "ucs-4", "unicode")

_ADF_START = re.compile(r"<adf(?=[\s>/])", re.IGNORECASE)
_ADF_END = re.compile(r"</adf\s*>", re.IGNORECASE)
_PROSPECT_START = re.compile(r"<prospect(?=[\s>/])", re.IGNORECASE)
_PROSPECT_END = re.compile(r"</prospect\s*>", re.IGNORECASE)
_ESCAPED_START = re.compile(r"&lt;(?:adf|prospect)(?=[\s/]|&gt;)", re.IGNORECASE)
# A DOCTYPE or entity declaration before the document travels with it, so that the repair step
# can refuse it: cutting it off would hide an attack instead of reporting it.
_DECLARATION = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^<>]*>")
# html.unescape turns "&#123…;" into int(): past 4300 digits Python refuses; such a character
# does not exist anyway.
_HUGE_DECIMAL_REFERENCE = re.compile(r"&#[0-9]{8,};?")
# A line break tag and the newline that usually follows it in the source become one newline.
_HTML_LINE_BREAK = re.compile(r"<\s*(?:br|/p|/div|/tr)\b[^<>]*>(?:[ \t]*\r?\n)?", re.IGNORECASE)
# A lead forwarded or answered inline in a plain-text email arrives with every line quoted: "> <adf>".
_QUOTED_ADF_START = re.compile(r"^[ \t]*>[> \t]*(?:<\?xml|<\?adf|<adf|<prospect)", re.IGNORECASE | re.MULTILINE)
_QUOTE_MARKS = re.compile(r"^[ \t]*>(?:[ \t]?>)*[ \t]?", re.MULTILINE)


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """Decode bytes whatever they claim to be: BOM, then UTF-16 by its zero bytes, then UTF-8 if the
    bytes are valid UTF-8, then the declared encoding, then cp1252, then latin-1 (which never fails)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    wide = _sniff_utf16(data)
    if wide:
        return data.decode(wide, errors="replace")
    if declared is None:
        found = _DECLARED_ENCODING.search(data[:200])
        declared = found.group(1).decode("ascii") if found else None
    candidates = ["utf-8", _usable_encoding(declared), "cp1252"]
    for encoding in filter(None, candidates):
        try:
            return data.decode(encoding)
        except (UnicodeError, LookupError, ValueError):
            continue  # not this encoding (LookupError: a declared "base64" is not a text encoding)
    return data.decode("latin-1")


def _sniff_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: markup is ASCII, so every other byte of the first characters is zero."""
    head = data[:64]
    if len(head) < 8 or head.count(0) < len(head) // 3:
        return None
    if head[1::2].count(0) >= len(head[1::2]) * 3 // 4:
        return "utf-16-le"
    if head[0::2].count(0) >= len(head[0::2]) * 3 // 4:
        return "utf-16-be"
    return None


def _usable_encoding(name: str | None) -> str | None:
    if not name or name.lower().startswith(_WIDE_ENCODINGS):
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def find_adf_documents(text: str) -> list[str]:
    """The text of every ADF document in `text`: from `<adf` to `</adf>` (or a bare `<prospect>`
    wrapped in one), after un-escaping an HTML body when the ADF is only there as `&lt;adf&gt;`,
    or taking the quote marks off a lead forwarded inline as "> " lines."""
    text = unquote(text)
    if _ADF_START.search(text):
        return _blocks(text)
    if _ESCAPED_START.search(text):
        return find_adf_documents_in_html(text)
    start = _PROSPECT_START.search(text)
    if start:
        ends = list(_PROSPECT_END.finditer(text, start.start()))
        stop = ends[-1].end() if ends else len(text)
        prologue = text[_document_start(text, 0, start.start()) : start.start()]
        return [f"{prologue}<adf>{text[start.start() : stop]}</adf>"]
    return []


def find_adf_documents_in_html(text: str) -> list[str]:
    """ADF pasted into an HTML body arrives escaped, with `<p>`, `<br />` and auto-linked e-mail
    addresses woven through it: drop the real tags, then un-escape to get the XML back."""
    references = text.count("&")
    if references > MAX_HTML_REFERENCES:
        raise AdfError(f"HTML body has {references:,} character references, over the {MAX_HTML_REFERENCES:,} limit")
    text = _HUGE_DECIMAL_REFERENCE.sub("", text)
    plain = html.unescape(_HTML_TAG.sub("", _HTML_LINE_BREAK.sub("\n", text)))
    # One level of escaping is undone, no more: a body still escaped after that (`&amp;lt;adf`) is
    # not a lead anyone sends, and un-escaping in a loop is work an attacker could multiply.
    if _ESCAPED_START.search(plain) and not _ADF_START.search(plain) and not _PROSPECT_START.search(plain):
        return []
    return find_adf_documents(plain)


def _blocks(text: str) -> list[str]:
    """Each `<adf>…</adf>`; a document cut short ends after its last `</prospect>` (or at the end)."""
    blocks: list[str] = []
    position = 0
    while start := _ADF_START.search(text, position):
        begin = _document_start(text, position, start.start())
        end = _ADF_END.search(text, start.end())
        if end is None:
            ends = list(_PROSPECT_END.finditer(text, start.end()))
            stop = ends[-1].end() if ends else len(text)
            blocks.append(text[begin:stop])
            break
        blocks.append(text[begin : end.end()])
        position = end.end()
    return blocks


def _document_start(text: str, floor: int, start: int) -> int:
    declaration = _DECLARATION.search(text, floor, start)
    return declaration.start() if declaration else start


def unquote(text: str) -> str:
    """`text` with the quote marks ("> ", ">> ") taken off its lines when the ADF in it is quoted,
    as in a lead forwarded or answered inline; otherwise `text` as it is."""
    if not _QUOTED_ADF_START.search(text):
        return text
    return _QUOTE_MARKS.sub("", text)


TEXT_AROUND = "(text around the ADF)"  # the path of the `Extra` that keeps it
MAX_TEXT_AROUND = 4000
_PROCESSING_INSTRUCTION = re.compile(r"<\?[^<>]{0,200}\?>")
_LAYOUT_TAG = re.compile(
    r"</?(?:html|head|body|p|div|span|br|hr|pre|table|tbody|tr|td|th|font|b|i|u|strong|em|a|meta|title|center)"
    r"(?=[\s/>])[^<>]{0,500}>",
    re.IGNORECASE,
)
_BLANK_LINES = re.compile(r"\n\s*\n(\s*\n)+")
# Control characters other than line breaks and tabs: never meant in prose, and NUL is one that
# PostgreSQL cannot store in text or JSON (the text around an email's ADF may hold its headers,
# when a line break in one ended them early).
_CONTROLS = re.compile("[\x00-\x08\x0e-\x1b\x1f\x7f]")


def text_around(text: str, documents: list[str]) -> str:
    """What the sender wrote outside the ADF documents of `text` (a note before, a footer after),
    as plain text, so that it is kept rather than dropped. "" when there is none, or when the
    documents are not `text` verbatim (an HTML body un-escaped, a bare prospect wrapped here)."""
    rest = unquote(text)
    for document in documents:
        head, found, tail = rest.partition(document)
        if not found:
            return ""
        rest = f"{head}\n{tail}"
    if len(rest) > 4 * MAX_TEXT_AROUND:  # bounded work, whatever the size of the text
        rest = f"{rest[: 2 * MAX_TEXT_AROUND]}\n…\n{rest[-2 * MAX_TEXT_AROUND :]}"
    return _prose(html.unescape(_LAYOUT_TAG.sub("", _PROCESSING_INSTRUCTION.sub("", rest))))


def note_text(text: str, *, is_html: bool) -> str:
    """What an email part without ADF says (a forwarder's "Customer called too, wants Saturday"),
    as plain text: for HTML, without its head, styles, scripts, comments and tags. "" when it says
    nothing."""
    text = text[: 16 * MAX_TEXT_AROUND]  # bounded work: only the start of a part is kept
    if is_html:
        # Line breaks in HTML source are spaces; blocks and <br> are what break lines.
        text = " ".join(_drop_hidden(text).split())
        text = html.unescape(_HTML_TAG.sub("", _HTML_BLOCK_END.sub("\n", text)))
        text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    return _prose(text)


_HTML_HIDDEN = re.compile(r"<(head|style|script|title)(?=[\s>])|<!--", re.IGNORECASE)


def _drop_hidden(text: str) -> str:
    """HTML without what a mail program does not show: its head, styles, scripts and comments
    (one pass: each search starts where the last one ended)."""
    lower = text.lower()
    kept, position = [], 0
    while start := _HTML_HIDDEN.search(text, position):
        kept.append(text[position : start.start()])
        name = start.group(1)
        closer = f"</{name.lower()}" if name else "-->"
        end = lower.find(closer, start.end())
        if end < 0:
            return "".join(kept)
        position = end + len(closer)
        if name:
            position = lower.find(">", position) + 1 or len(text)
    kept.append(text[position:])
    return "".join(kept)


_HTML_BLOCK_END = re.compile(r"<\s*(?:br|/p|/div|/tr|/li|/h\d|/blockquote)\b[^<>]*>", re.IGNORECASE)


def _prose(text: str) -> str:
    text = _CONTROLS.sub("", text)
    prose = _BLANK_LINES.sub("\n\n", "\n".join(line.rstrip() for line in text.splitlines())).strip()
    if not any(ch.isalnum() for ch in prose):
        return ""
    return prose if len(prose) <= MAX_TEXT_AROUND else prose[:MAX_TEXT_AROUND] + "…"
