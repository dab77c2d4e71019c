"""Finding the ADF documents in a whole e-mail, the way lead providers send them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from email.errors import HeaderParseError
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.policy import Policy, compat32

from .clean import MAX_TEXT_AROUND, decode_bytes, find_adf_documents, note_text, text_around
from .model import AdfError
from .sizes import check_size

# A lead email is a handful of parts; a few attachments make dozens. Every part costs header
# parsing and a look for ADF, so 100,000 tiny parts (3.6 MB) once cost 91 s: the parser stops at
# this many, and the email is refused with the reason (the caller keeps it, shown, as "no lead").
MAX_PARTS = 200
DEFAULT_MAX_EMAIL_BYTES = 25 * 1024 * 1024  # e-mails carry PDFs and photos; the ADF in them is capped separately

_XML_TYPES = frozenset({"application/xml", "text/xml", "application/adf+xml", "application/x-adf", "text/x-adf"})
_XML_SUFFIXES = (".xml", ".adf")
_HEADER_LINE = re.compile(rb"[!-9;-~]+:")
_KNOWN_HEADER = re.compile(
    rb"(?:from|to|cc|subject|date|received|return-path|message-id|mime-version|content-type|"
    rb"delivered-to|reply-to|sender|x-[a-z0-9-]+):",
    re.IGNORECASE,
)


def extract_adf_from_email(raw: bytes | str, *, max_email_bytes: int = DEFAULT_MAX_EMAIL_BYTES) -> list[bytes]:
    """The ADF documents in an RFC 822 e-mail, each as UTF-8 bytes, in the order they appear.

    Looks at text/plain and text/html bodies (transfer encodings undone by the `email` package;
    HTML bodies un-escaped) and at attachments named *.xml/*.adf or typed as XML. Of the
    alternatives of one multipart/alternative, the first that holds ADF is used, so the plain and
    HTML renderings of one lead do not make two leads. Raises AdfError and nothing else."""
    return [document for document, _ in extract_adf_and_text_from_email(raw, max_email_bytes=max_email_bytes)]


def extract_adf_and_text_from_email(
    raw: bytes | str, *, max_email_bytes: int = DEFAULT_MAX_EMAIL_BYTES
) -> list[tuple[bytes, str]]:
    """`extract_adf_from_email`, each document with the text around it in its part of the email
    (`clean.text_around`: what the sender wrote above or below the ADF; often "")."""
    try:
        return _extract(raw, max_email_bytes)
    except AdfError:
        raise
    except Exception as error:  # the promise to callers: AdfError and nothing else
        raise AdfError(f"email could not be read ({type(error).__name__}: {error})") from error


def _extract(raw: bytes | str, max_email_bytes: int) -> list[tuple[bytes, str]]:
    data = raw.encode("utf-8", errors="surrogatepass") if isinstance(raw, str) else bytes(raw)
    check_size(len(data), max_email_bytes, what="email")
    # compat32: of each part only its type, name, disposition, charset and payload are read, and
    # the modern policy's structured parse of every header fetched was most of an email's cost.
    message = BytesParser(_class=_counting_factory(MAX_PARTS), policy=compat32).parsebytes(data)
    found_in_parts: list[tuple[int, list[str], str]] = []
    notes: list[tuple[int, str]] = []
    checked: list[str] = []
    for index, part in enumerate(_readable_parts(message, checked)):
        text = _part_text(part)
        found = find_adf_documents(text)
        if found:
            found_in_parts.append((index, found, text_around(text, found)))
        elif _is_note(part):
            notes.append((index, note_text(text, is_html=part.get_content_type() == "text/html")))
    documents: list[tuple[bytes, str]] = []
    seen: set[str] = set()
    for index, found, around in found_in_parts:
        # What the sender wrote in the other parts (a forwarder's note above the lead attached)
        # travels with the text around the document in its own part, in the email's order.
        around = _join_texts(text for _, text in sorted([*notes, (index, around)]))
        for document in found:
            key = re.sub(r"\s+", "", document)
            if key not in seen:
                seen.add(key)
                documents.append((document.encode("utf-8"), around))
    if not documents:
        raise AdfError(f"email has no ADF document: checked {len(checked)} parts ({', '.join(checked) or 'none'})")
    return documents


class _TooManyParts(AdfError):
    pass


def _counting_factory(limit: int) -> Callable[..., Message]:
    """A message factory for the parser that refuses the part after the `limit`th, so the parse
    stops there instead of building every part first."""
    made = -1  # the parser makes one message up front to try the factory

    def make(policy: Policy = compat32) -> Message:  # the parser passes `policy=`
        nonlocal made
        made += 1
        if made > limit:
            raise _TooManyParts(
                f"email has too many parts (more than {limit} sections and attachments) to be a lead email: "
                "kept, not read"
            )
        return Message(policy=policy)

    return make


def _is_note(part: Message) -> bool:
    """A body part someone wrote (not an attachment, not XML) that holds no ADF."""
    return part.get_content_type() in {"text/plain", "text/html"} and part.get_content_disposition() != "attachment"


def _join_texts(texts: Iterable[str]) -> str:
    joined = "\n\n".join(dict.fromkeys(text for text in texts if text))
    return joined if len(joined) <= MAX_TEXT_AROUND else joined[:MAX_TEXT_AROUND] + "…"


def looks_like_email(data: bytes) -> bool:
    """True when `data` opens with RFC 822 header lines, at least one of them a mail header."""
    head = data[:8192].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"From "):
        return True  # an mbox "From " line
    known = False
    for line in head.split(b"\n")[:100]:
        line = line.rstrip(b"\r")
        if not line:
            return known
        if line[:1] in (b" ", b"\t"):
            continue  # a folded header continues
        if not _HEADER_LINE.match(line):
            return False
        known = known or bool(_KNOWN_HEADER.match(line))
    return known


def _readable_parts(part: Message, checked: list[str]) -> Iterator[Message]:
    """Leaf parts that may hold ADF, depth first; `checked` records every leaf looked at."""
    if part.is_multipart():
        payload = part.get_payload()
        children = [child for child in payload if isinstance(child, Message)] if isinstance(payload, list) else []
        if part.get_content_type() == "multipart/alternative":
            yield from _first_alternative_with_adf(children, checked)
            return
        for child in children:
            yield from _readable_parts(child, checked)
        return
    kind = part.get_content_type()
    if _may_hold_adf(part):
        checked.append(kind)
        yield part
    else:
        checked.append(f"{kind} skipped")


def _first_alternative_with_adf(children: list[Message], checked: list[str]) -> Iterator[Message]:
    """The parts of the first alternative that holds ADF; when none does, those of the plain-text
    alternative (else the first), which are then read as a note."""
    readable = [list(_readable_parts(child, checked)) for child in children]
    for parts in readable:
        if any(find_adf_documents(_part_text(part)) for part in parts):
            yield from parts
            return
    plain = [parts for child, parts in zip(children, readable, strict=True) if child.get_content_type() == "text/plain"]
    yield from (plain or readable or [[]])[0]


def _may_hold_adf(part: Message) -> bool:
    kind = part.get_content_type()
    return kind in {"text/plain", "text/html"} or kind in _XML_TYPES or _filename(part).lower().endswith(_XML_SUFFIXES)


def _filename(part: Message) -> str:
    """The attachment's name as its sender meant it: mailers write a non-ASCII or long name as
    RFC 2047 encoded-words (`=?utf-8?q?lead.xml?=`), which compat32 leaves encoded."""
    filename = part.get_filename() or ""
    if "=?" not in filename:
        return filename
    try:
        chunks = decode_header(filename)
    except HeaderParseError:
        return filename  # a broken encoded-word: the name as written
    return "".join(chunk if isinstance(chunk, str) else _decoded(chunk, charset) for chunk, charset in chunks).strip()


def _decoded(chunk: bytes, charset: str | None) -> str:
    try:
        return chunk.decode(charset or "latin-1", errors="replace")
    except LookupError:  # a charset unknown here: the ASCII in it, where the suffix is, still reads
        return chunk.decode("ascii", errors="replace")


def _part_text(part: Message) -> str:
    try:
        payload = part.get_payload(decode=True)
        charset = part.get_content_charset()
    except Exception:  # a malformed part is skipped: the other parts may still hold the lead
        return ""
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, declared=charset)
