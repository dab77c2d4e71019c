"""Rewriting one ADF document, as sent, into well-formed XML before any XML parser sees it.

A single left-to-right scan (linear: every regex is anchored and possessive or bounded, every
`find` either consumes what it skips or ends the scan; the MAX_* limits bound the Python-level
work, so a hostile 2 MiB document is refused in milliseconds) that
- lower-cases tag and attribute names, so `<Prospect STATUS="New">` matches `</prospect>`;
- quotes unquoted attribute values (`<id sequence=1>`), drops duplicate and namespace attributes;
- escapes bare `&`, stray `<` and `>`, turns HTML named entities (`&nbsp;`, `&eacute;`) into
  characters, drops character references to characters XML forbids;
- drops processing instructions (including the spec's own broken `<?ADF VERSION "1.0"?>`),
  comments and a DOCTYPE without an internal subset (it is never fetched);
- refuses entity declarations: ADF never needs them, and they are how billion-laughs, quadratic
  blow-up and external-entity attacks work;
- balances tags (closes what is left open, drops end tags that close nothing) and refuses
  nesting deeper than MAX_DEPTH, so the parser and the reader never recurse deeply.
The result still goes through defusedxml, which would refuse anything this let slip.

Most documents need none of this: `as_written` parses such a document as it came, in a quarter of
the time the scan and defusedxml take, and leaves to them any document the scan would change.
"""

from __future__ import annotations

import html.entities
import re
from xml.etree.ElementTree import Element, ParseError, XMLParser

from .model import AdfError

MAX_DEPTH = 64  # a real lead nests about 6 deep
MAX_ELEMENTS = 10_000  # a real lead has tens to a few hundred; a long chat transcript a few thousand
MAX_MARKUP = 25_000  # "<" characters: bounds the Python-level work of the scan
MAX_TAG_TOKENS = 50_000  # attributes and stray characters inside tags, all tags together
MAX_REFERENCES = 20_000  # character and HTML entity references (HTML bodies are un-escaped before this)

_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*(?::[A-Za-z_][A-Za-z0-9_.\-]*)?"
_START_TAG = re.compile(rf"<({_NAME})(?=[\s/>])")
_END_TAG = re.compile(rf"</({_NAME})(?=[\s>])[^<>]*>")
# Possessive quantifiers (*+, ++) never give back what they took: without them a long run of spaces
# inside a tag makes these patterns quadratic.
_TAG_CLOSE = re.compile(r"\s*+(/?)\s*+>")
_ATTRIBUTE = re.compile(r"""\s*+([^\s=/<>"']++)(?:\s*+=\s*+(?:"([^"<]*+)"|'([^'<]*+)'|([^\s<>"']++)))?""")
_STRAY = re.compile(r"\s*+[^\s<]")
_ATTRIBUTE_NAME = re.compile(r"[a-z_][a-z0-9_.\-]*\Z")
_DECLARATION_WORD = re.compile(r"<!\s*([A-Za-z]*)")
_DOCTYPE_HEAD = re.compile(r"<!\s*DOCTYPE[^\[>]*", re.IGNORECASE)
_SUBSET_END = re.compile(r"\]\s*>")
_ENTITY_DECLARATION = re.compile(r"<!\s*ENTITY", re.IGNORECASE)
# Every "&" is escaped first (one fast `str.replace`); then what was a reference is put back.
_ESCAPED_REFERENCE = re.compile(r"&amp;(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{0,31}));")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_HTML_VOID = frozenset({"br", "hr", "img", "wbr", "meta", "link", "input", "col", "area", "base", "source", "track"})
_CURLY_QUOTES = "\u201c\u201d\u2018\u2019"

_ENTITY_REFUSAL = (
    "document declares entities (<!ENTITY …>); ADF never needs them and they are how "
    "entity-expansion and external-entity attacks work, so it is refused"
)


# What can precede the root element of a document the scan leaves as it is: the XML declaration and
# the ADF one (`<?adf version="1.0"?>`), which the scan drops (an encoding it declares is not the
# text's: the bytes were decoded already).
_PROLOGUE = re.compile(r"\s*+(?:<\?[^<>]*+\?>\s*+)*+")
_UPPER_CASE_TAG = re.compile(r"</?[a-z0-9_.\-]*+[A-Z]")
_ELEMENT_NAME = re.compile(r"[a-z_][a-z0-9_.\-]*\Z")


def as_written(text: str) -> Element | None:
    """The tree of one document the scan would leave as it is (well-formed, lower-case names, no
    reference, comment, declaration or processing instruction after the XML and ADF declarations,
    nothing over the limits), parsed as it came; None for any other, which goes to `repair`.

    The checks before parsing are text searches; those after, one pass over the tree's elements.
    Whatever the scan would change (an HTML line break, a curly-quoted value, a namespace) makes
    this None, so a document reads the same either way.

    Parsed by the standard library's parser, whose C tree builder takes a fifth of the time of
    defusedxml's Python one. What defusedxml guards against cannot be in such a document: with
    no "<!" but CDATA's there is no DTD and no entity declared, and with no "&" none is used."""
    if "&" in text or text.count("<!") != text.count("<![CDATA[") or text.count("<") > MAX_MARKUP:
        return None
    body = text[prologue.end() :] if (prologue := _PROLOGUE.match(text)) else text
    if "<?" in body or _UPPER_CASE_TAG.search(body) or _INVALID_XML_CHARS.search(body):
        return None
    parser = XMLParser()  # noqa: S314 - nothing defusedxml refuses can be in it (above)
    try:
        parser.feed(body)
        root: Element = parser.close()
    except (ParseError, ValueError):
        return None
    level, depth, elements, tokens = [root], 0, 0, 0
    while level:
        depth += 1
        elements += len(level)
        if depth > MAX_DEPTH or elements > MAX_ELEMENTS:
            return None
        for element in level:
            if element.tag in _HTML_VOID or not _ELEMENT_NAME.match(element.tag):
                return None
            tokens += 1 + len(element.attrib)
            for name, value in element.attrib.items():
                if not _ATTRIBUTE_NAME.match(name) or value != value.strip(_CURLY_QUOTES):
                    return None
        level = [child for element in level for child in element]
    return root if tokens <= MAX_TAG_TOKENS else None


def repair(text: str) -> str:
    """Well-formed XML for one document (empty when it holds no element at all)."""
    text = _INVALID_XML_CHARS.sub("", text)
    markup = text.count("<")
    if markup > MAX_MARKUP:
        raise AdfError(f"document has {markup:,} tags, over the {MAX_MARKUP:,} limit; refused")
    return _Scan(text).run()


class _Scan:
    """One pass over one document; `out` collects the XML, `stack` the elements still open."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.out: list[str] = []
        self.stack: list[str] = []
        self.elements = 0
        self.tokens = 0
        self.references = 0
        self.has_doctype = False
        self.done = False

    def run(self) -> str:
        text, position = self.text, 0
        while position < len(text) and not self.done:
            lt = text.find("<", position)
            if lt < 0:
                self.emit_text(text[position:])
                break
            self.emit_text(text[position:lt])
            position = self.markup(lt)
        while self.stack:
            self.out.append(f"</{self.stack.pop()}>")
        return "".join(self.out)

    def markup(self, lt: int) -> int:
        """Handle the markup starting at `lt`; return where the scan goes on."""
        text = self.text
        # The character after "<" tells the kinds apart; start tags, most of a lead, are settled first.
        kind = text[lt + 1 : lt + 2]
        if kind not in ("!", "?", "/"):
            return self.start_tag(lt)
        if kind == "/":
            return self.end_tag(lt)
        if kind == "?":
            # Processing instructions carry nothing a lead needs; the spec's own header is broken.
            return self.skip_past(">", lt + 2)
        if text.startswith("<!--", lt):
            return self.skip_past("-->", lt + 4)
        if text[lt + 1 : lt + 9].upper() == "![CDATA[":
            return self.cdata(lt)
        return self.declaration(lt)

    def skip_past(self, marker: str, start: int) -> int:
        found = self.text.find(marker, start)
        if found < 0 and marker != ">":
            marker, found = ">", self.text.find(">", start)
        return len(self.text) if found < 0 else found + len(marker)

    def cdata(self, lt: int) -> int:
        end = self.text.find("]]>", lt + 9)
        if end < 0:
            self.emit_text(self.text[lt + 9 :])
            return len(self.text)
        if self.stack:
            self.out.append(f"<![CDATA[{self.text[lt + 9 : end]}]]>")
        return end + 3

    def declaration(self, lt: int) -> int:
        word = _DECLARATION_WORD.match(self.text, lt)
        keyword = word.group(1).upper() if word else ""
        if keyword == "DOCTYPE":
            return self.doctype(lt)
        if keyword == "ENTITY":
            raise AdfError(_ENTITY_REFUSAL)
        return self.skip_past(">", lt + 2)

    def doctype(self, lt: int) -> int:
        """A DOCTYPE is dropped and never fetched; one that declares entities is refused."""
        self.has_doctype = True
        head = _DOCTYPE_HEAD.match(self.text, lt)
        after = head.end() if head else lt + 2
        if after >= len(self.text):
            return len(self.text)
        if self.text[after] == ">":
            return after + 1
        close = _SUBSET_END.search(self.text, after)
        subset_end = close.start() if close else len(self.text)
        if _ENTITY_DECLARATION.search(self.text, after, subset_end):
            raise AdfError(_ENTITY_REFUSAL)
        return close.end() if close else len(self.text)

    def end_tag(self, lt: int) -> int:
        match = _END_TAG.match(self.text, lt)
        if match is None:
            self.emit_text("<")
            return lt + 1
        name = _local_name(match.group(1))
        if name in self.stack:
            while (closed := self.stack.pop()) != name:
                self.out.append(f"</{closed}>")
            self.out.append(f"</{name}>")
            self.done = not self.stack
        return match.end()

    def start_tag(self, lt: int) -> int:
        match = _START_TAG.match(self.text, lt)
        if match is None:
            self.emit_text("<")
            return lt + 1
        attributes: dict[str, str] = {}
        position = match.end()
        while True:
            self.tokens += 1
            if self.tokens > MAX_TAG_TOKENS:
                raise AdfError(f"document has more than {MAX_TAG_TOKENS:,} attributes; refused")
            close = _TAG_CLOSE.match(self.text, position)
            if close:
                self.open(_local_name(match.group(1)), attributes, self_closing=bool(close.group(1)))
                return close.end()
            attribute = _ATTRIBUTE.match(self.text, position)
            if attribute:
                position = self.add_attribute(attributes, attribute)
                continue
            stray = _STRAY.match(self.text, position)  # a lone quote, "=" or "/"
            if stray is None:
                break
            position = stray.end()
        # Ran into the next "<" or the end without a ">": it was never a tag.
        self.emit_text("<")
        return lt + 1

    def add_attribute(self, attributes: dict[str, str], match: re.Match[str]) -> int:
        name = match.group(1).lower()
        value = next((group for group in match.groups()[1:] if group is not None), "")
        end = match.end()
        if match.group(4) is not None and value.endswith("/") and self.text.startswith(">", end):
            value, end = value[:-1], end - 1  # <x a=1/> is self-closing, not a="1/"
        if _ATTRIBUTE_NAME.match(name) and not name.startswith("xmlns") and name not in attributes:
            attributes[name] = value.strip(_CURLY_QUOTES)
        return end

    def open(self, name: str, attributes: dict[str, str], *, self_closing: bool) -> None:
        if name in _HTML_VOID:
            # HTML line breaks inside comments are the sender's newlines; other void tags say nothing.
            if name == "br":
                self.emit_text("\n")
            return
        self.elements += 1
        if self.elements > MAX_ELEMENTS:
            raise AdfError(f"document has more than {MAX_ELEMENTS:,} elements; refused")
        if len(self.stack) >= MAX_DEPTH:
            raise AdfError(f"document nests elements more than {MAX_DEPTH} deep; refused")
        rendered = "".join(f' {key}="{self.escape(value, attribute=True)}"' for key, value in attributes.items())
        if self_closing:
            self.out.append(f"<{name}{rendered}/>")
            self.done = not self.stack
        else:
            self.out.append(f"<{name}{rendered}>")
            self.stack.append(name)

    def emit_text(self, chunk: str) -> None:
        # Text outside the root element (prose before it) is not part of the document.
        if chunk and self.stack:
            self.out.append(self.escape(chunk))

    def escape(self, chunk: str, *, attribute: bool = False) -> str:
        chunk = chunk.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if "&amp;" in chunk:
            chunk = _ESCAPED_REFERENCE.sub(self.reference, chunk)
        return chunk.replace('"', "&quot;") if attribute else chunk

    def reference(self, match: re.Match[str]) -> str:
        """What a reference the sender wrote becomes: kept when XML knows it, the character for an
        HTML entity, nothing for a character XML forbids, and literal text for anything else."""
        self.references += 1
        if self.references > MAX_REFERENCES:
            raise AdfError(f"document has more than {MAX_REFERENCES:,} character references; refused")
        decimal, hexadecimal, name = match.groups()
        if name is None:
            code = int(decimal) if decimal is not None else int(hexadecimal, 16)
            return f"&#{code};" if _is_xml_char(code) else ""
        if name in _XML_ENTITIES:
            return f"&{name};"
        character = html.entities.html5.get(f"{name};")
        if character is not None:
            return character.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        if self.has_doctype:
            # Only the (never loaded) DTD could define it: this is how external-DTD attacks look.
            raise AdfError(f"document uses &{name};, an entity only its DTD could define; DTDs are never loaded")
        return match.group(0)


def _local_name(name: str) -> str:
    """Lower case, namespace prefix dropped: `<ADF:Prospect>` is a prospect."""
    return name.rpartition(":")[2].lower()


def _is_xml_char(code: int) -> bool:
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
