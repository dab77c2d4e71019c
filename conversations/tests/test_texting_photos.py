"""Photos in a text: the lead's stock photos and uploads, checked and kept by Forecourt, served to
the provider at an unguessable address without login."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conversations import photos
from conversations.models import Message, Photo
from inventory.models import Vehicle, VehiclePhoto
from leads import actions as lead_actions

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@pytest.fixture
def lead(texting, carols_lead, carol):
    unit = Vehicle.objects.create(dealership=texting, stock="D9760", year=2016, make="RAM", model="2500")
    VehiclePhoto.objects.create(vehicle=unit, url="https://photos.riverside.example/d9760-1.jpg", position=0)
    VehiclePhoto.objects.create(vehicle=unit, url="https://photos.riverside.example/d9760-2.jpg", position=1)
    lead_actions.add_vehicle(lead=carols_lead, actor=carol, inventory_vehicle=unit, data={"interest": "buy"})
    return carols_lead


def send(client, lead, **data):
    return client.post(reverse("conversation-send", args=[lead.pk]), data, headers=HX)


def test_the_composer_offers_the_stock_vehicles_photos_and_sends_the_ones_ticked(lead, carol, client_for):
    client = client_for(carol)
    page = client.get(reverse("lead-detail", args=[lead.pk])).content.decode()
    assert 'src="https://photos.riverside.example/d9760-1.jpg"' in page
    second = VehiclePhoto.objects.get(position=1)

    assert send(client, lead, body="Here it is", photo=[str(second.pk)]).status_code == 200

    assert Message.objects.get().media == ["https://photos.riverside.example/d9760-2.jpg"]


def test_a_photo_that_is_not_on_the_leads_vehicles_is_not_sent(lead, carol, riverside, client_for):
    other = Vehicle.objects.create(dealership=riverside, stock="X1", make="Toyota", model="Camry")
    stranger = VehiclePhoto.objects.create(vehicle=other, url="https://elsewhere.example/x.jpg")
    send(client_for(carol), lead, body="Hi", photo=[str(stranger.pk)])
    assert Message.objects.get().media == []


def test_an_uploaded_photo_is_kept_and_texted_by_its_unguessable_address(lead, carol, client_for, settings):
    settings.BASE_URL = "https://forecourt.example"
    upload = SimpleUploadedFile("truck.png", PNG, content_type="application/octet-stream")

    assert send(client_for(carol), lead, body="", upload=upload).status_code == 200

    photo = Photo.objects.get()
    assert (photo.content_type, photo.size, photo.name, photo.uploaded_by) == (
        "image/png",
        len(PNG),
        "truck.png",
        carol,
    )
    assert len(photo.token) >= 32
    assert Message.objects.get().media == [f"https://forecourt.example/m/{photo.token}"]

    served = Client().get(f"/m/{photo.token}")  # the provider fetches it without logging in
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served.content == PNG
    other_last = "y" if photo.token.endswith("x") else "x"
    assert Client().get(f"/m/{photo.token[:-1]}{other_last}").status_code == 404
    assert Client().get("/m/nothing").status_code == 404


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.pdf", b"%PDF-1.7 a document", "notes.pdf is not a photo Forecourt can text: send a JPEG, PNG or GIF."),
        ("fake.jpg", b"<svg onload=alert(1)>", "fake.jpg is not a photo Forecourt can text"),
        ("empty.jpg", b"", "empty.jpg is empty."),
    ],
)
def test_an_upload_that_is_not_a_photo_is_refused_and_nothing_is_stored(lead, carol, client_for, name, content, says):
    answer = send(client_for(carol), lead, body="Look", upload=SimpleUploadedFile(name, content))
    assert answer.status_code == 422
    assert says in answer.content.decode()
    assert not Photo.objects.exists()
    assert not Message.objects.exists()


def test_a_photo_over_the_size_limit_is_refused(lead, carol, client_for, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PHOTO_BYTES", 1024)
    big = SimpleUploadedFile("big.jpg", JPEG + b"\x00" * 2048)
    answer = send(client_for(carol), lead, body="Look", upload=big)
    assert answer.status_code == 422
    assert "big.jpg is too big to text: photos up to" in answer.content.decode()
    assert not Photo.objects.exists()


def test_a_text_that_cannot_go_keeps_none_of_its_uploads(lead, carol, client_for):
    lead.customer.phones.all().delete()
    answer = send(client_for(carol), lead, body="Look", upload=SimpleUploadedFile("a.jpg", JPEG))
    assert answer.status_code == 422
    assert not Photo.objects.exists()


def test_more_photos_than_a_text_carries_are_refused(lead, carol, client_for):
    uploads = [SimpleUploadedFile(f"{i}.jpg", JPEG) for i in range(photos.MAX_PHOTOS + 1)]
    answer = send(client_for(carol), lead, body="Look", upload=uploads)
    assert answer.status_code == 422
    assert "A text carries at most 10 photos." in answer.content.decode()
    assert not Photo.objects.exists()


def test_the_thread_shows_our_own_photos_by_path_whatever_host_serves_the_page(settings):
    settings.BASE_URL = "https://forecourt.example"
    assert photos.shown_at("https://forecourt.example/m/abc") == "/m/abc"
    assert photos.shown_at("https://photos.riverside.example/1.jpg") == "https://photos.riverside.example/1.jpg"
