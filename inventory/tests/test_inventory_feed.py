"""The inventory feed: set in provisioning, fetched by the worker from a real HTTP server, applied
as a snapshot; a failing feed leaves the stock as it was and says why on the Inventory screen."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from dealerships import provisioning
from inventory.feeds import poll_due_feeds
from inventory.models import StockFeed, StockUpload, Vehicle
from inventory.tasks import sweep_inventory

FEED = (
    "StockNumber|Year|Make|Model|Trim|Price|Miles|ImageList|VDP URL\n"
    "F1|2022|Toyota|Tacoma|TRD|36500|22000|https://img.example/f1-1.jpg,https://img.example/f1-2.jpg|https://riverside.example/v/f1\n"
    "F2|2021|Toyota|Corolla|LE|19900|31000||https://riverside.example/v/f2\n"
)


def provision_yaml(tmp_path, inventory: str) -> StringIO:
    path = tmp_path / "forecourt.yaml"
    path.write_text(
        f"organization: River Auto Group\ndealerships:\n  - slug: riverside-toyota\n    inventory: {inventory}\n"
    )
    err = StringIO()
    call_command("provision", str(path), stdout=StringIO(), stderr=err)
    return err


def test_the_feed_is_provisioned_exported_and_provisioned_again_unchanged(tmp_path, riverside):
    provision_yaml(tmp_path, '{feed_url: "https://dms.example/riverside.csv", every_minutes: 30}')

    feed = StockFeed.objects.get(dealership=riverside)
    assert (feed.url, feed.every_minutes) == ("https://dms.example/riverside.csv", 30)
    exported = provisioning.export_yaml("riverside-toyota")
    assert "inventory: {feed_url: 'https://dms.example/riverside.csv', every_minutes: 30}" in exported
    document = provisioning.load_yaml(exported)
    assert provisioning.provision(document).changes == []


@pytest.mark.parametrize(
    ("inventory", "error"),
    [
        (
            '{feed_url: "ftp://dms.example/x.csv"}',
            'dealerships[0].inventory.feed_url: "ftp://dms.example/x.csv" is not an http(s) URL',
        ),
        (
            "{every_minutes: 2}",
            "dealerships[0].inventory.every_minutes: 2 is too often: a feed is fetched at most every 5 minutes",
        ),
        ("{every_minutes: soon}", "dealerships[0].inventory.every_minutes:"),
        ('{feed_url: "https://a.example/x.csv", password: x}', "dealerships[0].inventory"),
    ],
)
def test_bad_feed_settings_are_refused_with_their_path_and_nothing_changes(tmp_path, riverside, inventory, error):
    err = StringIO()
    path = tmp_path / "forecourt.yaml"
    path.write_text(
        f"organization: River Auto Group\ndealerships:\n  - slug: riverside-toyota\n    inventory: {inventory}\n"
    )
    with pytest.raises(CommandError):
        call_command("provision", str(path), stdout=StringIO(), stderr=err)
    assert error in err.getvalue()
    assert not StockFeed.objects.exists()


def test_the_worker_fetches_the_feed_and_applies_it(feed_server, riverside, alice, client_for):
    feed_server.serve(FEED)
    StockFeed.objects.create(dealership=riverside, url=feed_server.url, every_minutes=60)

    sweep_inventory()

    assert feed_server.requests == ["/feeds/riverside.csv"]
    tacoma = Vehicle.objects.get(stock="F1")
    assert str(tacoma) == "2022 Toyota Tacoma TRD"
    assert [p.url for p in tacoma.photos.all()] == ["https://img.example/f1-1.jpg", "https://img.example/f1-2.jpg"]
    assert StockUpload.objects.get().status == StockUpload.Status.APPLIED
    feed = StockFeed.objects.get()
    assert feed.last_error == ""
    assert feed.last_success_at is not None
    page = client_for(alice).get("/inventory/").content.decode()
    assert "Riverside Toyota inventory feed, every 60 min: last applied" in page
    assert "2022 Toyota Tacoma TRD" in page

    sweep_inventory()  # not due again for an hour
    assert len(feed_server.requests) == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        feed_server.serve(FEED.splitlines()[0] + "\n" + FEED.splitlines()[2] + "\n")
        sweep_inventory()
    assert len(feed_server.requests) == 2
    assert Vehicle.objects.get(stock="F1").status == Vehicle.Status.SOLD


@pytest.mark.parametrize(
    ("status", "body", "content_type", "shown"),
    [
        (500, "Internal Server Error", "text/plain", "The feed could not be fetched: HTTP 500"),
        (
            200,
            "<html><body>Log in to see inventory</body></html>",
            "text/html",
            "The feed&#x27;s file was refused: No stock number",
        ),
        (200, "Stock,Make,Model\nX1,,\nX2,,\n", "text/csv", "None of the 2 rows could be read"),
    ],
)
def test_a_failing_feed_leaves_the_stock_as_it_was_and_the_screen_says_why(
    feed_server, riverside, alice, client_for, status, body, content_type, shown
):
    feed_server.serve(FEED)
    StockFeed.objects.create(dealership=riverside, url=feed_server.url, every_minutes=60)
    sweep_inventory()
    before = list(Vehicle.objects.values().order_by("pk"))

    feed_server.serve(body, status=status, content_type=content_type)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        sweep_inventory()

    assert list(Vehicle.objects.values().order_by("pk")) == before
    page = client_for(alice).get("/inventory/").content.decode()
    assert "Riverside Toyota inventory feed:" in page
    assert shown in page
    assert "The stock below is as the last good file left it" in page


def test_a_feed_on_a_private_network_is_not_fetched(settings, riverside):
    settings.INVENTORY_FEED_ALLOW_PRIVATE = False
    StockFeed.objects.create(dealership=riverside, url="http://127.0.0.1:9/stock.csv", every_minutes=60)

    poll_due_feeds()

    assert "is on a private network" in StockFeed.objects.get().last_error
    assert not StockUpload.objects.exists()
