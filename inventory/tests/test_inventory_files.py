"""Reading dealer inventory files as they come out of real dealer systems: odd headers, Excel's
encodings and delimiters, broken rows, duplicate stock numbers and mistyped VINs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.sheet import SheetError, read_sheet
from inventory.vin import vin_problem, with_check_digit

GOOD_VIN = "1HGCM82633A004352"  # a Honda built in the United States, check digit 3
MEXICAN_VIN = with_check_digit("3C6UR5ML0GG359865")  # a RAM built in Mexico
JAPANESE_BAD_CHECK = "JTDKB20U177654321"  # made in Japan; its position 9 is not the check digit


def test_a_dealer_management_system_export_is_read_by_its_own_column_names():
    data = (
        "Stock #,VIN,Year,Make,Model,Trim,Internet Price,Odometer,ImageList,VDP URL,New/Used,Exterior Color\n"
        f'D9760,{MEXICAN_VIN},2016,RAM,2500,Laramie,"$34,995.00","52,110",'
        '"https://img.example/d9760-1.jpg|https://img.example/d9760-2.jpg",https://riverside.example/used/d9760,Used,Blue\n'
    ).encode()

    sheet = read_sheet(data)

    (row,) = sheet.rows
    assert row.ok, row.errors
    assert row.stock == "D9760"
    assert row.vehicle["vin"] == MEXICAN_VIN
    assert row.vehicle["price"] == Decimal("34995.00")
    assert row.vehicle["odometer"] == 52110
    assert row.vehicle["condition"] == "used"
    assert row.vehicle["color"] == "Blue"
    assert row.vehicle["listing_url"] == "https://riverside.example/used/d9760"
    assert row.photos == ["https://img.example/d9760-1.jpg", "https://img.example/d9760-2.jpg"]
    assert sheet.columns["price"] == "Internet Price"
    assert sheet.columns["photos"] == "ImageList"


def test_internet_price_wins_over_msrp_and_unknown_columns_are_listed():
    data = b"StockNumber;MSRP;Internet Price;Make;Model;Dealer Notes\nA1;40000;38500;Toyota;Camry;clean\n"

    sheet = read_sheet(data)

    assert sheet.delimiter == ";"
    assert sheet.rows[0].vehicle["price"] == Decimal("38500.00")
    assert sheet.ignored == ["MSRP", "Dealer Notes"]


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffStock,Make,Model,Trim\nB2,Citroën,C3,Série Spéciale\n".encode(), "utf-8-sig"),
        ("Stock,Make,Model,Trim\nB2,Citroën,C3,Série Spéciale\n".encode("cp1252"), "cp1252"),
        ("Stock\tMake\tModel\tTrim\r\nB2\tCitroën\tC3\tSérie Spéciale\r\n".encode("utf-16"), "utf-16"),
    ],
)
def test_excel_encodings_keep_accented_names(data, encoding):
    sheet = read_sheet(data)

    assert sheet.encoding == encoding
    assert sheet.rows[0].vehicle["make"] == "Citroën"
    assert sheet.rows[0].vehicle["trim"] == "Série Spéciale"


def test_a_pipe_delimited_feed_with_comma_separated_photos():
    data = b"stock|make|model|photos\nC3|Ford|F-150|https://a.example/1.jpg, https://a.example/2.jpg\n"

    sheet = read_sheet(data)

    assert sheet.delimiter == "|"
    assert sheet.rows[0].photos == ["https://a.example/1.jpg", "https://a.example/2.jpg"]


def test_broken_rows_each_say_what_is_wrong_on_which_line():
    data = (
        "Stock,VIN,Year,Make,Model,Price,Mileage,Condition,Listing URL\n"
        f"OK1,{GOOD_VIN},2003,Honda,Accord,12995,88000,used,\n"
        ",,2020,Kia,Soul,,,,\n"
        "E2,,20XX,Kia,,,,,\n"
        "E3,,,Kia,Rio,call for price,lots,,\n"
        "E4,,,Kia,Rio,12.5k,,demo-ish,ftp://x\n"
    ).encode()

    sheet = read_sheet(data)

    assert [row.line for row in sheet.valid] == [2]
    errors = {row.line: row.errors for row in sheet.invalid}
    assert errors[3] == ["no stock number"]
    assert errors[4] == ["no model", "year '20XX' is not a model year"]
    assert errors[5] == ["mileage 'lots' is not a number of miles"]
    assert errors[6] == [
        "condition 'demo-ish' is not new or used",
        "price '12.5k' is not an amount",
        "listing URL 'ftp://x' is not an http(s) address",
    ]


def test_a_quoted_cell_over_several_lines_keeps_the_line_numbers_of_later_rows():
    data = b'Stock,Make,Model,Trim\nA1,Ford,Focus,"two\nlines"\nA2,Ford,,\n'

    sheet = read_sheet(data)

    assert sheet.rows[0].vehicle["trim"] == "two\nlines"
    assert sheet.invalid[0].line == 4


def test_duplicate_stock_numbers_are_refused_on_every_line_they_appear():
    data = b"Stock,Make,Model\nP100,Ford,Edge\nP101,Ford,Escape\nP100,Ford,Explorer\n"

    sheet = read_sheet(data)

    assert [row.stock for row in sheet.valid] == ["P101"]
    assert sheet.rows[0].errors == ["stock number 'P100' is also on line 4"]
    assert sheet.rows[2].errors == ["stock number 'P100' is also on line 2"]


def test_a_mistyped_north_american_vin_is_refused_and_a_foreign_one_only_warned():
    typo = GOOD_VIN[:8] + "4" + GOOD_VIN[9:]
    data = (
        "Stock,VIN,Year,Make,Model\n"
        f"N1,{typo},2003,Honda,Accord\n"
        f"J1,{JAPANESE_BAD_CHECK},2007,Toyota,Prius\n"
        "Q1,1HGCM82633A00435Q,2003,Honda,Accord\n"
        "S1,1HGCM8263,2003,Honda,Accord\n"
        "C1,124370S123456,1978,Chevrolet,Corvette\n"
    ).encode()

    rows = {row.stock: row for row in read_sheet(data).rows}

    assert rows["N1"].errors == [f"VIN {typo!r} fails its check digit (position 9 should be 3: a typo?)"]
    assert rows["J1"].ok
    assert "VINs made outside North America need not carry one" in rows["J1"].warnings[0]
    assert rows["Q1"].errors == ["VIN '1HGCM82633A00435Q' has an I, O or Q, which VINs never use"]
    assert rows["S1"].errors == ["VIN '1HGCM8263' has 9 characters, not 17"]
    assert rows["C1"].ok  # a 1978 Corvette's VIN predates the 17-character standard
    assert "accepted for a 1978 vehicle" in rows["C1"].warnings[0]


def test_vin_rules_in_isolation():
    assert vin_problem(GOOD_VIN, 2003) == ("", "")
    assert vin_problem(with_check_digit("2T1BURHE0JC000000"), None) == ("", "")
    assert vin_problem("2T1BURHE0JC000000"[:8] + "X" + "2T1BURHE0JC000000"[9:], None)[0]  # Canada, unknown year
    assert vin_problem("WVWZZZ1JZXW000001", 1999) == (
        "",
        "VIN 'WVWZZZ1JZXW000001' fails its check digit (position 9 should be 0; accepted: VINs made outside"
        " North America need not carry one)",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"PK\x03\x04rest-of-a-zip", "This is an Excel workbook"),
        (b"%PDF-1.7", "This is a PDF"),
        (b"Year,Make,Model\n2020,Kia,Soul\n", "No stock number column in the first line (found: Year, Make, Model)"),
        (b"Stock,Make,Model\n", "The file names its columns but has no vehicles."),
        (b"\x00\x01\x02garbage\xff\xfe\x00", "could not be read as text"),
    ],
)
def test_files_that_are_not_inventory_are_refused_as_a_whole(data, message):
    with pytest.raises(SheetError, match=None) as refused:
        read_sheet(data)
    assert message in str(refused.value)


def test_photo_addresses_that_are_not_web_addresses_are_left_out_with_a_warning():
    data = (
        b'Stock,Make,Model,Photos\nA1,Kia,Soul,"https://a.example/1.jpg|C:\\\\pics\\\\2.jpg|https://a.example/1.jpg"\n'
    )

    (row,) = read_sheet(data).rows

    assert row.ok
    assert row.photos == ["https://a.example/1.jpg"]
    assert row.warnings == ["1 photo address(es) left out: not http(s) or longer than 500 characters"]


def test_progress_is_reported_while_a_long_file_is_read():
    lines = ["Stock,Make,Model"] + [f"S{i},Kia,Soul" for i in range(5000)]
    seen: list[int] = []

    read_sheet("\n".join(lines).encode(), progress=seen.append, every=1000)

    assert seen == [1000, 2000, 3000, 4000, 5000]
