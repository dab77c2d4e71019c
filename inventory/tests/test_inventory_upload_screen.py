"""Uploading inventory on the screen: a preview with per-row errors that changes nothing, then the
file applied as a snapshot of the stock, all of it or none of it."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import make_lead
from inventory.models import StockUpload, Vehicle, VehiclePhoto
from inventory.tasks import sweep_inventory
from inventory.vin import with_check_digit
from leads import actions as lead_actions

CAMRY = with_check_digit("4T1B11HK0KU000001")
RAV4 = with_check_digit("2T3P1RFV0KW000002")
TUNDRA = with_check_digit("5TFDY5F10LX000003")

FILE = (
    "Stock #,VIN,Year,Make,Model,Trim,Internet Price,Mileage,Photo URLs,VDP URL,Condition\n"
    f'T100,{CAMRY},2019,Toyota,Camry,SE,"$21,995",41000,'
    '"https://img.example/t100-1.jpg|https://img.example/t100-2.jpg",https://riverside.example/v/t100,used\n'
    f"T101,{RAV4},2019,Toyota,RAV4,XLE,26500,30100,https://img.example/t101.jpg,,used\n"
    f"T102,{TUNDRA[:8]}X{TUNDRA[9:]},2020,Toyota,Tundra,SR5,38000,12000,,,used\n"
    "T103,,2025,Toyota,,LE,29000,5,,,new\n"
    "T104,,2025,Toyota,Corolla,LE,23000,5,,,new\n"
    "T104,,2025,Toyota,Corolla,XSE,25000,5,,,new\n"
)


def upload(client, text: str, name: str = "stock.csv", dealership: str = "riverside-toyota"):
    return client.post(
        "/inventory/upload/",
        {"dealership": dealership, "file": SimpleUploadedFile(name, text.encode(), "text/csv")},
        follow=True,
    )


def test_the_preview_lists_every_bad_row_and_changes_nothing(client_for, alice):
    response = upload(client_for(alice), FILE)

    page = response.content.decode()
    assert "2 of 6 vehicles can be applied" in page
    assert "Line 4 (stock #T102): VIN &#x27;" in page
    assert "fails its check digit" in page
    assert "Line 5 (stock #T103): no model" in page
    assert "Line 6 (stock #T104): stock number &#x27;T104&#x27; is also on line 7" in page
    assert "Line 7 (stock #T104): stock number &#x27;T104&#x27; is also on line 6" in page
    assert "Internet Price → price" in page
    assert "Photo URLs → photo URLs" in page
    assert Vehicle.objects.count() == 0
    assert bytes(StockUpload.objects.get().raw) == FILE.encode()  # the file is kept as it came


def test_applying_the_preview_puts_the_good_rows_in_stock_with_photos_and_listing(client_for, alice):
    client = client_for(alice)
    upload(client, FILE)
    sent = StockUpload.objects.get()

    response = client.post(f"/inventory/upload/{sent.pk}/apply/", follow=True)

    assert "Stock of Riverside Toyota updated: 2 added, 0 updated, 0 marked sold." in response.content.decode()
    camry = Vehicle.objects.get(stock="T100")
    assert (camry.vin, camry.year, camry.trim, camry.price, camry.odometer) == (
        CAMRY,
        2019,
        "SE",
        Decimal("21995.00"),
        41000,
    )
    assert camry.listing_url == "https://riverside.example/v/t100"
    assert [p.url for p in camry.photos.all()] == ["https://img.example/t100-1.jpg", "https://img.example/t100-2.jpg"]
    assert sorted(Vehicle.objects.values_list("stock", flat=True)) == ["T100", "T101"]
    stock = client.get("/inventory/", {"q": "camry"}).content.decode()
    assert "2019 Toyota Camry SE" in stock
    assert "RAV4" not in stock

    again = client.post(f"/inventory/upload/{sent.pk}/apply/", follow=True)
    assert "it cannot be applied now" in again.content.decode()
    assert Vehicle.objects.count() == 2


def test_a_new_file_is_a_snapshot_units_left_out_are_sold_and_leads_keep_them(client_for, alice, riverside):
    client = client_for(alice)
    upload(client, FILE)
    client.post(f"/inventory/upload/{StockUpload.objects.get().pk}/apply/")
    lead = make_lead(riverside)
    rav4 = Vehicle.objects.get(stock="T101")
    lead_actions.add_vehicle(lead=lead, actor=alice, inventory_vehicle=rav4, data={"interest": "buy"})
    newer = (
        "Stock,VIN,Year,Make,Model,Trim,Price,Photos\n"
        f"T100,{CAMRY},2019,Toyota,Camry,SE,20995,https://img.example/t100-3.jpg\n"
        "T200,,2024,Toyota,Sienna,XLE,45000,\n"
    )

    preview = upload(client, newer).content.decode()
    second = StockUpload.objects.latest("id")
    assert "1 in stock but not in this file: marked sold" in preview.replace("<strong>", "").replace("</strong>", "")
    assert Vehicle.objects.get(stock="T101").status == Vehicle.Status.IN_STOCK  # not before it is applied
    client.post(f"/inventory/upload/{second.pk}/apply/")

    second.refresh_from_db()
    assert second.outcome == {"added": 1, "updated": 1, "unchanged": 0, "sold": 1, "skipped": 0}
    rav4.refresh_from_db()
    assert rav4.status == Vehicle.Status.SOLD
    assert rav4.sold_at is not None
    assert lead.vehicles.get().inventory_vehicle == rav4
    assert "RAV4" not in client.get("/inventory/").content.decode()
    assert "RAV4" in client.get("/inventory/", {"status": "sold"}).content.decode()
    camry = Vehicle.objects.get(stock="T100")
    assert camry.price == Decimal("20995.00")
    assert camry.listing_url == ""  # the new file has no listing column: the snapshot says none
    assert [p.url for p in camry.photos.all()] == ["https://img.example/t100-3.jpg"]


def test_a_unit_whose_row_is_broken_is_left_in_stock_not_sold(client_for, alice):
    client = client_for(alice)
    upload(client, FILE)
    client.post(f"/inventory/upload/{StockUpload.objects.get().pk}/apply/")
    broken = "Stock,Make,Model,Year\nT100,Toyota,Camry,2019\nT101,Toyota,RAV4,19\n"

    preview = upload(client, broken).content.decode()
    client.post(f"/inventory/upload/{StockUpload.objects.latest('id').pk}/apply/")

    assert "1 vehicle(s) in stock have rows with errors: they stay as they are." in preview
    assert set(Vehicle.objects.filter(status="in_stock").values_list("stock", flat=True)) == {"T100", "T101"}


def test_a_file_that_is_not_inventory_is_refused_and_nothing_changes(client_for, alice):
    client = client_for(alice)
    upload(client, FILE)
    client.post(f"/inventory/upload/{StockUpload.objects.get().pk}/apply/")

    response = upload(client, "First Name,Last Name,Email\nPat,Lee,pat@example.com\n", name="leads.csv")

    page = response.content.decode()
    assert "This file was not used: No stock number or make or model column in the first line" in page
    assert "Nothing in stock was changed." in page
    assert Vehicle.objects.filter(status="in_stock").count() == 2


def test_discarding_a_preview_changes_nothing(client_for, alice):
    client = client_for(alice)
    upload(client, FILE)
    sent = StockUpload.objects.get()

    client.post(f"/inventory/upload/{sent.pk}/discard/")

    assert client.post(f"/inventory/upload/{sent.pk}/apply/").status_code == 302
    assert Vehicle.objects.count() == 0


def test_a_big_file_is_read_by_the_worker_behind_a_progress_bar(client_for, alice):
    client = client_for(alice)
    rows = [
        f"B{i},,2020,Ford,F-150,XLT,{30000 + i},{i},https://img.example/b{i}-1.jpg|https://img.example/b{i}-2.jpg,https://riverside.example/v/b{i}"
        for i in range(6000)
    ]
    big = "Stock,VIN,Year,Make,Model,Trim,Price,Miles,Photos,URL\n" + "\n".join(rows) + "\n"
    assert len(big) > 512 * 1024

    page = upload(client, big, name="big.csv").content.decode()
    sent = StockUpload.objects.get()
    assert "Reading the file" in page
    assert 'id="upload-progress"' in page
    assert client.get(f"/inventory/upload/{sent.pk}/progress").json() == {
        "status": "received",
        "percent": 0,
        "rows_checked": 0,
        "rows_total": 6000,
        "working": True,
    }

    sweep_inventory()  # the worker's pass
    progress = client.get(f"/inventory/upload/{sent.pk}/progress").json()
    assert (progress["status"], progress["rows_checked"], progress["working"]) == ("checked", 6000, False)
    assert "6,000 of 6,000 vehicles can be applied" in client.get(f"/inventory/upload/{sent.pk}/").content.decode()

    client.post(f"/inventory/upload/{sent.pk}/apply/")
    assert "Applying to stock" in client.get(f"/inventory/upload/{sent.pk}/").content.decode()
    assert Vehicle.objects.count() == 0
    sweep_inventory()

    assert Vehicle.objects.filter(status="in_stock").count() == 6000
    assert VehiclePhoto.objects.count() == 12000
    assert "6,000 added" in client.get(f"/inventory/upload/{sent.pk}/").content.decode()


def test_only_admins_upload_and_only_their_own_dealerships_files(client_for, alice, carol, erin):
    upload(client_for(alice), FILE)
    sent = StockUpload.objects.get()

    assert client_for(carol).get("/inventory/upload/").status_code == 403
    assert client_for(carol).get("/inventory/").status_code == 200
    assert client_for(erin).get(f"/inventory/upload/{sent.pk}/").status_code == 404
    assert client_for(erin).post(f"/inventory/upload/{sent.pk}/apply/").status_code == 404
    refused = upload(client_for(erin), FILE)
    assert refused.status_code == 400
    assert Vehicle.objects.count() == 0


def test_stock_is_seen_only_at_the_dealerships_one_works_at(client_for, alice, erin, riverside, lakeside):
    Vehicle.objects.create(dealership=riverside, stock="R1", make="Toyota", model="Camry")
    Vehicle.objects.create(dealership=lakeside, stock="L1", make="Honda", model="Civic")

    assert "Camry" in client_for(alice).get("/inventory/").content.decode()
    page = client_for(erin).get("/inventory/", {"q": "camry"}).content.decode()
    assert "Camry" not in page
    assert "Civic" in client_for(erin).get("/inventory/", {"q": "L1"}).content.decode()


def test_an_uploaded_units_photos_and_listing_show_on_the_lead_and_in_the_composer(
    client_for, alice, carol, riverside, carols_lead
):
    riverside.leads_phone = "+15125550199"
    riverside.save()
    upload(client_for(alice), FILE)
    client_for(alice).post(f"/inventory/upload/{StockUpload.objects.get().pk}/apply/")
    camry = Vehicle.objects.get(stock="T100")
    lead_actions.add_vehicle(lead=carols_lead, actor=carol, inventory_vehicle=camry, data={"interest": "buy"})

    page = client_for(carol).get(f"/leads/{carols_lead.pk}/").content.decode()

    assert page.count('src="https://img.example/t100-1.jpg"') == 2  # on the vehicle, and offered in the composer
    assert 'href="https://riverside.example/v/t100"' in page
    assert 'data-insert-link="https://riverside.example/v/t100"' in page
    assert "Add listing link: 2019 Toyota Camry SE" in page
