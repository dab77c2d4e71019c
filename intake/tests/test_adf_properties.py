"""Whatever arrives, the ADF functions answer with prospects or AdfError, never anything else."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.adf import AdfError, Prospect, extract_adf_from_email, parse_adf, parse_document_or_email

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "adf"
DOCUMENTS = sorted(path.read_bytes() for path in FIXTURES.iterdir() if path.suffix in {".xml", ".html", ".txt"})
EMAILS = sorted(path.read_bytes() for path in FIXTURES.glob("*.eml"))

# Characters that make markup interesting, plus some that make encodings interesting.
MARKUP = "<>/&;=\"' \n\t!?[]-#x:019adfprospectvhilmnu“é\x00\ufeff\ud800"
ADF_WORDS = ["<adf>", "</adf>", "<prospect>", "</prospect>", "<![CDATA[", "]]>", "<!--", "-->", "<!DOCTYPE adf>",
             "&amp;", "&nbsp;", "&#0;", "&#", "&lt;", "&gt;", "&lol;", "<?xml?>", "<vehicle interest=trade-in>", "<name part=first>"]  # fmt: skip

PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the tree
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def assert_prospects_or_adf_error(data: bytes | str) -> None:
    refusal: AdfError | None = None
    found: list[Prospect] = []
    try:
        found = parse_adf(data)
    except AdfError as error:
        refusal = error
    if refusal is not None:
        assert isinstance(refusal.args[0], str)
        assert refusal.args[0]
        # Turning an XML parse error or an unexpected exception into AdfError is a safety net:
        # reaching it means the repair step let something through, which is a bug.
        assert refusal.__cause__ is None, repr(refusal.__cause__)
        return
    assert found
    for prospect in found:
        assert isinstance(prospect, Prospect)
        assert prospect.to_dict() == as_contract(prospect)
        json.dumps(prospect.to_dict())


def as_contract(prospect: Prospect) -> dict:
    """The prospect object of CONTRACT §4: every field, as `dataclasses.asdict` gives them, but a
    trade-in's, which is no vehicle the customer wants (`preferred`, `search_vehicle`)."""
    data = asdict(prospect)
    for trade in data["trades"]:
        del trade["preferred"], trade["search_vehicle"]
    return data


@st.composite
def mutated_documents(draw: st.DrawFn) -> bytes:
    """A valid fixture, then a few truncations, insertions, deletions and duplications."""
    data = bytearray(draw(st.sampled_from(DOCUMENTS)))
    for _ in range(draw(st.integers(1, 6))):
        position = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["truncate", "insert", "insert-word", "delete", "duplicate"]))
        if action == "truncate":
            del data[position:]
        elif action == "insert":
            data[position:position] = draw(st.text(MARKUP, min_size=1, max_size=8)).encode("utf-8", "surrogatepass")
        elif action == "insert-word":
            data[position:position] = draw(st.sampled_from(ADF_WORDS)).encode()
        elif action == "delete":
            del data[position : position + draw(st.integers(1, 40))]
        else:
            data[position:position] = data[position : position + draw(st.integers(1, 200))]
    return bytes(data)


@PROPERTY_SETTINGS
@given(st.binary(max_size=3000))
def test_random_bytes_give_prospects_or_adf_error(data: bytes) -> None:
    assert_prospects_or_adf_error(data)


@PROPERTY_SETTINGS
@given(st.text(max_size=3000))
def test_random_text_gives_prospects_or_adf_error(text: str) -> None:
    assert_prospects_or_adf_error(text)


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(st.sampled_from(ADF_WORDS), st.text(MARKUP, max_size=6)), max_size=60).map("".join))
def test_random_markup_gives_prospects_or_adf_error(text: str) -> None:
    assert_prospects_or_adf_error(text)


@PROPERTY_SETTINGS
@given(mutated_documents())
def test_mutated_fixtures_give_prospects_or_adf_error(data: bytes) -> None:
    assert_prospects_or_adf_error(data)


@PROPERTY_SETTINGS
@given(st.sampled_from(EMAILS), st.integers(0, 10_000), st.binary(max_size=20))
def test_mutated_emails_give_prospects_or_adf_error(email: bytes, position: int, noise: bytes) -> None:
    mutated = email[:position] + noise + email[position + len(noise) :]
    documents: list[bytes] = []
    refusal: AdfError | None = None
    try:
        documents = extract_adf_from_email(mutated)
    except AdfError as error:
        refusal = error
    assert refusal is None or refusal.__cause__ is None, repr(refusal.__cause__)
    assert all(isinstance(document, bytes) for document in documents)
    with contextlib.suppress(AdfError):
        parse_document_or_email(mutated)


def test_every_fixture_reads_without_error() -> None:
    for document in DOCUMENTS:
        assert parse_adf(document)
    for email in EMAILS:
        if b"no lead here" not in email:
            assert parse_document_or_email(email)
