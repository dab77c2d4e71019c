"""`manage.py parse_adf` (no database) and `manage.py ingest_adf` (as if the mail had just arrived)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forecourt.testing import run_manage
from intake.models import InboundEmail
from intake.tests.conftest import adf, lead_email
from leads.models import Lead

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "adf-corpus"
EMAILS = Path(__file__).resolve().parent / "fixtures" / "adf"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "lead.xml"
    good.write_text(adf())
    mail = tmp_path / "lead.eml"
    mail.write_bytes(
        lead_email(
            document=adf(first="Casey", lead_id="CG-9", email="casey@example.com", phone="512-555-0177"), how="base64"
        )
    )
    bad = tmp_path / "bad.xml"
    bad.write_text("this is no lead")
    return {"good": good, "mail": mail, "bad": bad}


def test_parse_adf_prints_the_prospects_of_each_file_as_json(files):
    result = run_manage("parse_adf", str(files["good"]))

    assert result.returncode == 0, result.stderr
    [prospect] = json.loads(result.stdout)
    assert prospect["status"] == "new"
    assert prospect["customer"]["first_name"] == "Jordan"
    assert prospect["customer"]["phones"][0]["number"] == "+15125550100"


def test_parse_adf_reads_a_whole_email(files):
    result = run_manage("parse_adf", str(files["mail"]))

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[0]["customer"]["first_name"] == "Casey"


def test_parse_adf_exits_1_and_names_the_bad_file_but_still_prints_the_good_one(files):
    result = run_manage("parse_adf", str(files["good"]), str(files["bad"]))

    assert result.returncode == 1
    assert f"{files['bad']}:" in result.stderr
    assert "no ADF" in result.stderr
    assert '"first_name": "Jordan"' in result.stdout


def test_parse_adf_reads_numbers_without_country_code_in_the_given_country(tmp_path):
    path = tmp_path / "uk.xml"
    path.write_text(adf(phone="020 7946 0018"))

    result = run_manage("parse_adf", "--country", "GB", str(path))

    assert json.loads(result.stdout)[0]["customer"]["phones"][0]["number"] == "+442079460018"


@pytest.mark.django_db(transaction=True)
def test_ingest_adf_takes_documents_and_emails_in_and_prints_their_leads(riverside, files):
    result = run_manage("ingest_adf", "riverside-toyota", str(files["good"]), str(files["mail"]))

    assert result.returncode == 0, result.stderr
    assert Lead.objects.count() == 2
    assert InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() == 2
    printed = [json.loads(chunk) for chunk in _json_chunks(result.stdout)]
    assert [p["leads"][0]["customer"]["first_name"] for p in printed] == ["Jordan", "Casey"]
    assert printed[0]["leads"][0]["source"] == {"name": "CarGurus", "kind": "third_party"}


@pytest.mark.django_db(transaction=True)
def test_ingest_adf_keeps_a_bad_file_and_exits_1(riverside, files):
    result = run_manage("ingest_adf", "riverside-toyota", str(files["bad"]))

    assert result.returncode == 1
    assert "no lead" in result.stderr
    inbound = InboundEmail.objects.get()
    assert inbound.status == InboundEmail.Status.NO_LEAD
    assert inbound.raw_bytes == b"this is no lead"


@pytest.mark.django_db(transaction=True)
def test_ingest_adf_refuses_an_unknown_dealership(files):
    result = run_manage("ingest_adf", "nowhere", str(files["good"]))

    assert result.returncode == 1
    assert "No dealership" in result.stderr


@pytest.mark.skipif(not CORPUS.exists(), reason="the shared ADF corpus is not on this machine")
@pytest.mark.django_db(transaction=True)
def test_every_real_world_sample_makes_a_lead(riverside):
    samples = sorted(CORPUS.glob("*.xml"))
    result = run_manage("ingest_adf", "riverside-toyota", *map(str, samples), timeout=120)

    assert result.returncode == 0, result.stderr
    assert InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() == len(samples)


@pytest.mark.django_db(transaction=True)
def test_lead_emails_as_senders_send_them_make_leads_and_one_without_adf_makes_none(riverside):
    emails = sorted(EMAILS.glob("*.eml"))
    assert emails, "the parser's email fixtures are missing"

    result = run_manage("ingest_adf", "riverside-toyota", *map(str, emails), timeout=120)

    statuses = dict(InboundEmail.objects.values_list("rcpt_to", "status"))
    for path in emails:
        expected = InboundEmail.Status.NO_LEAD if path.name == "no_adf.eml" else InboundEmail.Status.PROCESSED
        assert statuses[f"file:{path}"] == expected, (path.name, result.stderr)


def _json_chunks(output: str) -> list[str]:
    """ingest_adf prints `# FILE` before each file's JSON when given several files."""
    chunks: list[str] = []
    current: list[str] = []
    for line in output.splitlines():
        if line.startswith("# "):
            if current:
                chunks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    if current:
        chunks.append("\n".join(current))
    return chunks
