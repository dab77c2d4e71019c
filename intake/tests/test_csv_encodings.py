"""A CSV is read in whatever encoding a spreadsheet saved it (UTF-8 with or without its mark,
UTF-16 as Excel's "Unicode Text" writes it, Windows' cp1252); a file that is not text gets a
message a dealership can act on, never a Python error."""

from __future__ import annotations

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

CSV = "First Name,Last Name,Email,Phone,Department\r\nRené,Müller,rene@example.com,(512) 555-0142,sales\r\n"


def upload(client, data: bytes):
    return client.post(
        "/intake/import/",
        {"dealership": "riverside-toyota", "file": SimpleUploadedFile("leads.csv", data, "text/csv")},
    )


@pytest.mark.parametrize(
    "data",
    [
        CSV.encode("utf-8"),
        codecs.BOM_UTF8 + CSV.encode("utf-8"),
        codecs.BOM_UTF16_LE + CSV.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + CSV.encode("utf-16-be"),
        CSV.encode("utf-16-le"),
        CSV.encode("utf-16-be"),
        CSV.encode("cp1252"),
    ],
    ids=[
        "utf-8",
        "utf-8 with BOM",
        "utf-16 LE",
        "utf-16 BE",
        "utf-16 LE without BOM",
        "utf-16 BE without BOM",
        "cp1252",
    ],
)
def test_the_csv_is_read_in_the_encoding_it_was_saved_in(data, client_for, alice):
    response = upload(client_for(alice), data)

    page = response.content.decode()
    assert response.status_code == 200, page
    assert "1 of 1 row(s) can be imported" in page
    assert "René" in page
    assert "Müller" in page


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "not a text file"),
        (b"First Name\r\n\x81\x8d\x8f\x90\x9d\r\n", "could not be read"),
    ],
    ids=["xlsx", "picture", "undecodable"],
)
def test_a_file_that_is_not_csv_text_gets_a_message_in_plain_words(data, words, client_for, alice):
    response = upload(client_for(alice), data)

    page = response.content.decode()
    assert response.status_code == 400
    assert words in page
    assert "CSV UTF-8" in page  # what to do about it
    for python_words in ("codec", "NUL", "Error", "byte 0x", "position"):
        assert python_words not in page
