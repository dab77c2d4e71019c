"""A document the repair would leave as it is is parsed as it came (`intake.adf.repair.as_written`),
in under half the time: it must read exactly as the repaired one does, and whatever the repair
would change or refuse still goes to the repair."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.adf import AdfError, _parse_xml, parse_adf
from intake.adf.clean import decode_bytes, find_adf_documents
from intake.adf.read import read_prospects
from intake.adf.repair import MAX_DEPTH, MAX_ELEMENTS, MAX_MARKUP, as_written, repair
from intake.tests.test_adf_corpus import CORPUS
from intake.tests.test_adf_properties import DOCUMENTS, PROPERTY_SETTINGS, mutated_documents


def read_both_ways(data: bytes | str) -> None:
    """Each document in `data` that is read as it came gives the prospects the repaired one gives."""
    text = decode_bytes(data) if isinstance(data, bytes) else data
    try:
        documents = find_adf_documents(text)
    except AdfError:
        return
    for document in documents:
        if (tree := as_written(document)) is None:
            continue
        repaired = repair(document)  # a document read as written is never one the repair refuses
        assert [p.to_dict() for p in read_prospects(tree, country="US")] == [
            p.to_dict() for p in read_prospects(_parse_xml(repaired), country="US")
        ]


def test_every_real_senders_document_reads_the_same_as_written_and_repaired():
    corpus = [path.read_bytes() for path in sorted(CORPUS.glob("*.xml"))] if CORPUS.is_dir() else []
    as_they_came = 0
    for data in [*corpus, *DOCUMENTS]:
        read_both_ways(data)
        as_they_came += sum(as_written(d) is not None for d in find_adf_documents(decode_bytes(data)))
    assert as_they_came >= 10, "most real documents need no repair"


@PROPERTY_SETTINGS
@given(mutated_documents())
def test_a_mutated_document_reads_the_same_as_written_and_repaired(data: bytes) -> None:
    read_both_ways(data)


# Mostly what needs no repair, with now and then what the repair changes, so that both kinds of
# document, and documents of both kinds of element, come up often.
_PLAIN_NAMES = ["name", "phone", "email", "comments", "id", "vehicle", "year", "make"]
_NAMES = st.sampled_from(_PLAIN_NAMES * 4 + ["br", "Name", "x:y", "\u00e9"])
_ATTRIBUTES = st.dictionaries(
    st.sampled_from(["part", "type", "source", "sequence"] * 4 + ["PART", "xmlns", "xmlns:x", "a.b"]),
    st.text("ab 1\t'\"", max_size=5) | st.text("a\u201c\u201d", max_size=3),
    max_size=2,
)
_TEXT = st.text("ab \n\r\t.>\"'\u201c\u00e9]", max_size=8)


@st.composite
def well_formed_contacts(draw: st.DrawFn) -> str:
    """A prospect whose contact holds well-formed elements the repair may still change: HTML line
    breaks, upper-case and namespace names, curly-quoted values, CDATA, comments."""
    parts = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(_NAMES)
        attributes = "".join(f' {key}="{value.replace(chr(34), "")}"' for key, value in draw(_ATTRIBUTES).items())
        inside = draw(
            st.one_of(_TEXT, _TEXT, _TEXT.map(lambda t: f"<![CDATA[{t}<br/>]]>"), _TEXT.map(lambda t: f"<!--{t}-->"))
        )
        parts.append(f"<{name}{attributes}>{inside}</{name}>" if draw(st.booleans()) else f"<{name}{attributes}/>")
    return (
        f'<?xml version="1.0"?><adf><prospect><customer><contact>{"".join(parts)}</contact></customer></prospect></adf>'
    )


@PROPERTY_SETTINGS
@given(well_formed_contacts())
def test_a_well_formed_document_reads_the_same_as_written_and_repaired(document: str) -> None:
    read_both_ways(document)


def contact(inside: str) -> str:
    return f"<adf><prospect><customer><contact>{inside}</contact></customer></prospect></adf>"


@pytest.mark.parametrize(
    ("inside", "read"),
    [
        ('<name part="first">Jo</name><name part="last">Lee</name>', ("Jo", "Lee", "")),
        ('<name PART="first">Jo</name><name part="last">Lee</name>', ("Jo", "Lee", "")),
        ('<name part="\u201cfirst\u201d">Jo</name><name part="last">Lee</name>', ("Jo", "Lee", "")),
        ('<name part="first" xmlns="urn:x">Jo</name><name part="last">Lee</name>', ("Jo", "Lee", "")),
        ('<name part="first">Jo</name><name part="last">Lee</name></contact><comments>one<br/>two</comments><contact>', ("Jo", "Lee", "one\ntwo")),
        ('<name part="first">Jo</name><name part="last">Lee</name></contact><comments>one<?x a>b?>two</comments><contact>', ("Jo", "Lee", "oneb?>two")),
    ],
)  # fmt: skip
def test_what_the_repair_would_change_in_a_well_formed_document_is_still_changed(inside, read):
    [prospect] = parse_adf(contact(inside))
    assert (prospect.customer.first_name, prospect.customer.last_name, prospect.comments or "") == read


@pytest.mark.parametrize(
    ("document", "refusal"),
    [
        (contact("<x>" * MAX_DEPTH + "</x>" * MAX_DEPTH), "deep"),
        (contact("<x/>" * MAX_ELEMENTS), "elements"),
        (contact(f"<comments><![CDATA[{'<' * MAX_MARKUP}]]></comments>"), "tags"),
        ('<!DOCTYPE adf [<!ENTITY a "aaaaaaaaaa">]>' + contact("<name>Jo</name>"), "declares entities"),
        ('<!DOCTYPE adf [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + contact("<name>&x;</name>"), "declares entities"),
        (contact("<name><![CDATA[Jo]]></name><!DOCTYPE adf [<!ENTITY a 'b'>]>"), "declares entities"),
    ],
)
def test_what_the_repair_refuses_is_refused_even_when_well_formed(document, refusal):
    """Over a limit, or declaring entities (how expansion and external-entity attacks work): never
    parsed as written, and refused as before."""
    assert as_written(document) is None
    with pytest.raises(AdfError, match=refusal):
        parse_adf(document)
