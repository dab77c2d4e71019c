"""A document with no way to reach anyone is not a lead: a truncated `<adf><prospect>`, or a
prospect with no phone, no email and no name with a postal address. Every door refuses it the
way it refuses mail without ADF; every real sender's lead in the corpus still gets through."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forecourt.testing import run_manage
from intake.actions import process_held, retry_inbound, store_inbound
from intake.adf import parse_adf
from intake.adf.reach import nobody_to_reach
from intake.models import InboundEmail
from intake.tests.conftest import adf, lead_email
from intake.tests.test_http_intake import post
from leads.models import Lead
from notifications.models import OutboundEmail

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "adf-corpus"
FIXTURES = Path(__file__).parent / "fixtures" / "adf"

TRUNCATED = "<adf><prospect>"


def prospect(contact: str, comments: str = "") -> str:
    return (
        "<adf><prospect><vehicle><year>2024</year><make>Toyota</make><model>Camry</model></vehicle>"
        f"<customer><contact>{contact}</contact><comments>{comments}</comments></customer></prospect></adf>"
    )


BLANK_NAME = prospect('<name part="full">  </name>')
NAME_ONLY = prospect('<name part="first">Pat</name><name part="last">Lee</name>')
ADDRESS = "<address><street>12 Oak St</street><city>Austin</city><postalcode>78701</postalcode></address>"


def reach(document: str) -> str | None:
    [read] = parse_adf(document)
    return nobody_to_reach(read.to_dict())


@pytest.mark.parametrize("document", [TRUNCATED, BLANK_NAME, NAME_ONLY, prospect(ADDRESS)])
def test_a_prospect_nobody_could_answer_is_not_a_lead(document):
    assert (
        reach(document)
        == "No way to reach the customer: the lead has no phone number, no email address, and no name with a postal address."
    )


@pytest.mark.parametrize(
    "document",
    [
        prospect("<phone>512-555-0100</phone>"),  # no name, a phone
        prospect("<email>pat@example.com</email>"),  # no name, an email
        prospect("<email>x7f3@anon.cargurus.com</email>"),  # a relay still reaches the customer
        prospect("<name>Pat Lee</name><phone>393-999-3922</phone>"),  # unreadable, kept as written
        prospect(f"<name>Pat Lee</name>{ADDRESS}"),  # a letter reaches them
        prospect("<name>Pat Lee</name>", comments="Please call me on (512) 555-0100 after 5"),
        prospect("", comments="Reply to pat.lee@example.com"),
    ],
)
def test_a_prospect_someone_could_answer_is_a_lead(document):
    assert reach(document) is None


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared ADF corpus is not at {CORPUS}")
@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.xml")) + sorted(FIXTURES.glob("*.xml")), ids=lambda p: p.name)
def test_every_real_senders_lead_can_be_answered(path):
    for read in parse_adf(path.read_bytes()):
        assert nobody_to_reach(read.to_dict()) is None


def test_parse_adf_reports_an_error_and_exits_1(tmp_path):
    truncated, good = tmp_path / "truncated.xml", tmp_path / "good.xml"
    truncated.write_text(TRUNCATED)
    good.write_text(adf())

    result = run_manage("parse_adf", str(truncated), str(good))

    assert result.returncode == 1
    assert f"{truncated}: No way to reach the customer" in result.stderr
    assert "# " + str(truncated) not in result.stdout
    [printed] = json.loads(result.stdout.split(f"# {good}\n", 1)[1])
    assert printed["customer"]["first_name"] == "Jordan"


def test_parse_adf_prints_the_prospects_that_are_leads_and_names_the_one_that_is_not(tmp_path):
    path = tmp_path / "two.xml"
    path.write_text(adf().replace("</adf>", "") + BLANK_NAME.removeprefix("<adf>"))

    result = run_manage("parse_adf", str(path))

    assert result.returncode == 1
    assert f"{path}: prospect 2: No way to reach the customer" in result.stderr
    [printed] = json.loads(result.stdout)
    assert printed["customer"]["first_name"] == "Jordan"


@pytest.mark.parametrize("document", [TRUNCATED, BLANK_NAME])
def test_http_intake_answers_400_invalid_adf_and_keeps_the_body(alice, intake_token, document):
    response = post(intake_token(alice), document)

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_adf",
        "message": "No way to reach the customer: the lead has no phone number, no email address, "
        "and no name with a postal address.",
    }
    assert InboundEmail.objects.get().status == InboundEmail.Status.NO_LEAD
    assert Lead.objects.count() == 0


def test_lead_email_nobody_can_answer_is_kept_as_no_lead_reported_and_shown(riverside, alice, client_for):
    raw = lead_email(BLANK_NAME, subject="New lead: Camry")
    inbound = store_inbound(dealership=riverside, raw=raw, channel=InboundEmail.Channel.SMTP, hold=True)

    process_held(inbound)

    inbound.refresh_from_db()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert Lead.objects.count() == 0
    report = OutboundEmail.objects.get(purpose="intake_report")
    assert "No way to reach the customer" in report.body
    page = client_for(alice).get("/intake/?status=no_lead").content.decode()
    assert "New lead: Camry" in page
    assert "No way to reach the customer" in page
    retry_inbound(inbound=inbound, actor=alice)  # retryable like mail without ADF, reported once
    assert InboundEmail.objects.get(pk=inbound.pk).status == InboundEmail.Status.NO_LEAD
    assert OutboundEmail.objects.filter(purpose="intake_report").count() == 1


def test_one_prospect_nobody_can_answer_does_not_stop_the_others_in_the_same_mail(riverside):
    document = adf().replace("</adf>", "") + BLANK_NAME.removeprefix("<adf>")
    inbound = store_inbound(dealership=riverside, raw=document.encode(), channel=InboundEmail.Channel.SMTP, hold=True)

    result = process_held(inbound)

    assert inbound.status == InboundEmail.Status.PROCESSED
    [lead] = result.leads
    assert lead.customer.first_name == "Jordan"
    assert "1 prospect not taken in: No way to reach the customer" in inbound.reason


@pytest.mark.django_db(transaction=True)
def test_ingest_adf_makes_no_lead_and_exits_1(riverside, tmp_path):
    path = tmp_path / "truncated.xml"
    path.write_text(TRUNCATED)

    result = run_manage("ingest_adf", "riverside-toyota", str(path))

    assert result.returncode == 1
    assert "No way to reach the customer" in result.stderr
    assert InboundEmail.objects.get().status == InboundEmail.Status.NO_LEAD
    assert Lead.objects.count() == 0
