"""CSV bulk import: a preview with per-row errors, then only the valid rows become leads, silently."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from forecourt.testing import run_manage
from leads.models import Lead
from notifications.models import OutboundEmail

CSV = """First Name,Last Name,Email,Phone,Department,Source,Received At,Vehicle Year,Vehicle Make,Vehicle Model,Assigned To,Favourite Colour
Pat,Lee,pat@example.com,(512) 555-0142,sales,Dealer website,2026-03-02 10:15,2021,Toyota,RAV4,carol@example.com,red
,,,,sales,,,,,,,
Sam,Ortiz,,12,sales,,,,,,,
Kim,Nguyen,kim@example.com,,parts,,,,,,,
Lou,Baker,lou@example.com,,,,yesterday,,,,,
Ray,Diaz,ray@example.com,,,,,,,,nobody@example.com,
"""


def upload(client, text: str = CSV):
    return client.post(
        "/intake/import/",
        {"dealership": "riverside-toyota", "file": SimpleUploadedFile("leads.csv", text.encode(), "text/csv")},
    )


def test_the_preview_lists_each_bad_row_with_its_error_and_imports_nothing(client_for, alice, carol):
    response = upload(client_for(alice))

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 of 6 row(s) can be imported" in page
    assert "Line 4 (Sam Ortiz): phone: &#x27;12&#x27; is not a phone number" in page
    assert "department: &#x27;parts&#x27; is not one of sales, service" in page
    assert "received_at: &#x27;yesterday&#x27; is not a date" in page
    assert "assigned_to: nobody &#x27;nobody@example.com&#x27; works at Riverside Toyota" in page
    assert "Ignored unknown columns: favourite_colour" in page
    assert Lead.objects.count() == 0


def test_importing_takes_only_the_valid_rows_in_and_sends_no_alerts(client_for, alice, carol):
    client = client_for(alice)
    preview = upload(client)
    csv_text = preview.context["csv_text"]

    response = client.post(
        "/intake/import/", {"action": "import", "dealership": "riverside-toyota", "csv_text": csv_text}
    )

    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.source_kind == Lead.SourceKind.IMPORT
    assert lead.source_name == "Dealer website"
    assert lead.assigned_to == carol
    assert lead.customer.phones.get().number == "+15125550142"
    assert lead.received_at.isoformat() == "2026-03-02T16:15:00+00:00"  # 10:15 in Austin
    assert lead.vehicles.get().model == "RAV4"
    assert not OutboundEmail.objects.exists()


def test_a_row_with_no_name_phone_or_email_is_an_error(client_for, alice):
    response = upload(client_for(alice), "first_name,last_name,email,phone\n,,,\nAl,,,\n")

    page = response.content.decode()
    assert "1 of 1 row(s)" in page  # the blank line is skipped, Al is fine


def test_phone_numbers_a_spreadsheet_turned_into_decimals_are_read(client_for, alice):
    client = client_for(alice)
    text = "first_name,last_name,phone\nAna,Ruiz,5125550143.0\nBo,Kim,5.125550144E+09\nCy,Ng,5125550145.5\n"
    preview = upload(client, text)
    assert "Line 4 (Cy Ng): phone: &#x27;5125550145.5&#x27; is not a phone number" in preview.content.decode()

    client.post("/intake/import/", {"action": "import", "dealership": "riverside-toyota", "csv_text": text})

    numbers = {lead.customer.first_name: lead.customer.phones.get().number for lead in Lead.objects.all()}
    assert numbers == {"Ana": "+15125550143", "Bo": "+15125550144"}


def test_a_file_without_any_known_column_is_refused_with_the_list_of_columns(client_for, alice):
    response = upload(client_for(alice), "foo,bar\n1,2\n")

    assert response.status_code == 400
    assert "No known column" in response.content.decode()


def test_only_admins_may_import(client_for, carol):
    response = upload(client_for(carol))

    assert response.status_code == 403
    assert Lead.objects.count() == 0


def test_an_admin_cannot_import_into_another_organisations_dealership(client_for, alice, hillside):
    response = upload(client_for(alice), CSV)  # riverside is fine …
    assert response.status_code == 200
    response = client_for(alice).post(
        "/intake/import/", {"action": "import", "dealership": "hillside-ford", "csv_text": CSV}
    )
    assert response.status_code == 404
    assert Lead.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_import_command_imports_valid_rows_and_lists_the_others(tmp_path, riverside, carol):
    path = tmp_path / "leads.csv"
    path.write_text(CSV)

    result = run_manage("import_leads", "riverside-toyota", str(path))

    assert result.returncode == 1
    assert "Imported 1 lead(s); skipped 5 row(s) with errors." in result.stdout
    assert Lead.objects.get().customer.first_name == "Pat"
    assert "line 4: phone: '12' is not a phone number" in result.stderr
