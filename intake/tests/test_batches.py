"""Stored deliveries taken in by the batch: many at once in one transaction, each with the rules a
lone one gets, a bad one rolled back alone, two batches at once still fair and never doubled.
Each test runs on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import threading
import time
from collections import Counter

import pytest
import time_machine
from django.db import connection, connections, transaction

from accounts.models import Membership
from distribution.tests.conftest import OPEN, seller
from distribution.tests.test_races import in_threads
from escalations.models import LeadSla
from followups.models import FollowUp
from forecourt.lib import batch
from intake.actions import claim_batch, process_batch, store_inbound
from intake.models import InboundEmail
from intake.tasks import sweep_inbound
from intake.tests.conftest import adf, lead_email
from leads.actions import create_customer
from leads.matching import read_ahead
from leads.models import Activity, Customer, Lead
from notifications.models import Notification, OutboundEmail

ROTATION = ["Carol Seller", "Dave Seller", "Gina Seller", "Hank Seller", "Ivy Seller"]


@pytest.fixture
def team(riverside, alice, bob, carol, dave):
    """Five salespeople in this rotation order, as in distribution's tests; Alice and Bob get no leads."""
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    return [carol, dave, *(seller(riverside, name) for name in ("Gina", "Hank", "Ivy"))]


def stored(riverside, count: int, start: int = 0, **fields) -> list[InboundEmail]:
    """`count` lead emails of different customers, stored as smtpd stores them (not yet processed)."""
    return [
        store_inbound(
            dealership=riverside,
            raw=lead_email(
                adf(
                    first=f"Buyer{n}",
                    email=f"buyer{n}@example.com",
                    phone=f"512-555-{2000 + n:04d}",
                    lead_id=f"CG-{500000 + n}",
                    **fields,
                )
            ),
            channel=InboundEmail.Channel.SMTP,
        )
        for n in range(start, start + count)
    ]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_a_batch_takes_every_lead_in_with_owner_clock_follow_ups_and_texts_in_rotation_order(riverside, team):
    rows = stored(riverside, 10)

    results = process_batch(claim_batch([row.pk for row in rows]))

    assert [result.inbound.status for result in results] == [InboundEmail.Status.PROCESSED] * 10
    leads = list(Lead.objects.order_by("pk").select_related("assigned_to", "customer"))
    assert [lead.customer.first_name for lead in leads] == [f"Buyer{n}" for n in range(10)]
    # The rotation goes round twice, in its order, as ten leads one after another would.
    assert list(Lead.objects.order_by("pk").values_list("assigned_to__name", flat=True)) == ROTATION * 2
    for lead in leads:
        assert lead.activities.filter(kind=Activity.Kind.ASSIGNED).count() == 1
        assert LeadSla.objects.filter(lead=lead, stage1_due_at__isnull=False).exists()
        assert FollowUp.objects.filter(lead=lead).exists()
        assert Notification.objects.filter(lead=lead, user=lead.assigned_to).count() == 1
    assert InboundEmail.objects.filter(leads__isnull=True).count() == 0


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_copies_of_one_customers_lead_in_one_batch_make_one_lead_and_resubmissions(riverside, team):
    rows = [
        store_inbound(dealership=riverside, raw=lead_email(adf(lead_id=None)), channel=InboundEmail.Channel.SMTP)
        for _ in range(5)
    ]

    process_batch(claim_batch([row.pk for row in rows]))

    assert Customer.objects.count() == 1
    [lead] = Lead.objects.all()
    assert lead.activities.filter(kind=Activity.Kind.RESUBMISSION).count() == 4
    # The lead had its owner before the copies landed on it, and the owner hears of each.
    told = OutboundEmail.objects.filter(purpose="lead_resubmission")
    assert lead.assigned_to is not None
    assert [email.to for email in told] == [[lead.assigned_to.email]] * 4


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_a_co_buyer_the_same_batch_made_is_met_once_and_given_the_new_number(riverside, team):
    """The batch's first lead makes Buyer0; a later one names her as its co-buyer, with a second
    number: she is one customer, her address held once, with both numbers."""
    first = stored(riverside, 1)
    co_buyer = """<contact primarycontact="0">
        <name part="first">Buyer0</name><name part="last">Sample</name>
        <email>buyer0@example.com</email><phone type="cellphone">512-555-7777</phone>
      </contact>"""
    document = adf(first="Pat", email="pat@example.com", phone="512-555-3000", lead_id="CG-600001")
    document = document.replace("</contact>", "</contact>" + co_buyer, 1)
    second = store_inbound(dealership=riverside, raw=lead_email(document), channel=InboundEmail.Channel.SMTP)

    process_batch(claim_batch([first[0].pk, second.pk]))

    buyer0 = Customer.objects.get(first_name="Buyer0")
    assert Lead.objects.get(customer__first_name="Pat").co_customer == buyer0
    assert list(buyer0.emails.values_list("email", flat=True)) == ["buyer0@example.com"]
    assert set(buyer0.phones.values_list("number", flat=True)) == {"+15125552000", "+15125557777"}
    assert Customer.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_what_a_batch_writes_in_one_go_keeps_every_character_as_sent(riverside, team):
    """On PostgreSQL a batch's rows go in by COPY, whose text format gives tabs, backslashes and
    `\\N` meanings of their own: a customer's words come out as they went in."""
    said = "Price?\tOr trade\\swap \\N ok\nCall after 5 \u2014 Zoë"
    document = adf(first="O\\Brien", email="ob@example.com", lead_id="CG-700001", comments=said)
    rows = [*stored(riverside, 1), store_inbound(dealership=riverside, raw=lead_email(document), channel="smtp")]

    process_batch(claim_batch([row.pk for row in rows]))

    lead = Lead.objects.get(customer__emails__email="ob@example.com")
    assert lead.comments == said
    assert lead.customer.first_name == "O\\Brien"
    assert lead.activities.get(kind=Activity.Kind.CREATED).text == "Lead received from CarGurus"


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_a_lead_sent_twice_in_one_batch_is_one_lead_and_every_delivery_says_so(riverside, team):
    """The same lead twice under its sender's id (a marketplace resending), and the same email
    twice (a sender retrying after a time-out, same Message-ID), among others, in one batch."""
    others = stored(riverside, 3)
    resent = [
        store_inbound(dealership=riverside, raw=lead_email(adf(lead_id="AT-7", first=f"Copy{n}")), channel="smtp")
        for n in range(2)
    ]
    retried = [
        store_inbound(
            dealership=riverside,
            raw=lead_email(adf(lead_id="AT-8", email="r8@example.com", phone="512-555-0808"), message_id="<m8@at>"),
            channel="smtp",
        )
        for _ in range(2)
    ]
    rows = [others[0], resent[0], retried[0], others[1], resent[1], retried[1], others[2]]

    results = process_batch(claim_batch([row.pk for row in rows]))

    assert [result.inbound.status for result in results] == [InboundEmail.Status.PROCESSED] * 7
    assert Lead.objects.count() == 5
    assert results[4].leads == results[1].leads
    assert "already held" in results[4].inbound.reason
    assert results[5].leads == results[2].leads
    assert "Same Message-ID" in results[5].inbound.reason
    assert sorted(Lead.objects.values_list("assigned_to__name", flat=True)) == sorted(ROTATION)
    assert Notification.objects.count() == 5, "each owner told once, of their own lead"


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_every_owner_of_a_batch_gets_their_alerts_by_bell_email_and_text(riverside, team):
    for person in team:
        person.mobile = f"+1512555{person.pk:04d}"
        person.save()
    riverside.leads_phone = "+15125550100"
    riverside.save()

    process_batch(claim_batch([row.pk for row in stored(riverside, 10)]))

    for lead in Lead.objects.select_related("assigned_to"):
        [notification] = Notification.objects.filter(lead=lead).select_related("email")
        assert notification.user == lead.assigned_to
        assert notification.email is not None
        assert notification.email.to == [lead.assigned_to.email]
        [text] = notification.texts.all()
        assert text.to == lead.assigned_to.mobile
        assert f"/leads/{lead.pk}/" in text.body
        assert [a.kind for a in lead.activities.order_by("at", "pk")][:2] == [
            Activity.Kind.CREATED,
            Activity.Kind.ASSIGNED,
        ]


@pytest.fixture
def refuse_make(transactional_db):
    """A database that refuses to store a vehicle of make "Faulty", as a full disk or a broken
    constraint would refuse a row: a failure in the middle of taking a lead in."""
    if connection.vendor == "postgresql":
        statements = [
            "CREATE FUNCTION refuse_faulty() RETURNS trigger AS $$ BEGIN "
            "IF NEW.make = 'Faulty' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_faulty BEFORE INSERT ON leads_vehicleinterest "
            "FOR EACH ROW EXECUTE FUNCTION refuse_faulty()",
        ]
        undo = ["DROP TRIGGER refuse_faulty ON leads_vehicleinterest", "DROP FUNCTION refuse_faulty()"]
    else:
        statements = [
            "CREATE TRIGGER refuse_faulty BEFORE INSERT ON leads_vehicleinterest "
            "WHEN NEW.make = 'Faulty' BEGIN SELECT RAISE(ABORT, 'refused'); END"
        ]
        undo = ["DROP TRIGGER refuse_faulty"]
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    yield
    with connection.cursor() as cursor:
        for sql in undo:
            cursor.execute(sql)


@time_machine.travel(OPEN, tick=True)
def test_a_delivery_that_fails_in_a_batch_is_rolled_back_alone_and_kept_for_a_retry(riverside, team, refuse_make):
    good = stored(riverside, 4)
    [bad] = stored(riverside, 1, start=4, vehicle=("2016", "Faulty", "Wagon", "F1"))
    later = stored(riverside, 2, start=5)

    results = process_batch(claim_batch([row.pk for row in [*good, bad, *later]]))

    assert [r.inbound.status for r in results] == ["processed"] * 4 + ["received"] + ["processed"] * 2
    bad.refresh_from_db()
    assert bad.status == InboundEmail.Status.RECEIVED
    assert "refused" in bad.last_error
    assert not bad.leads.exists()
    assert not Customer.objects.filter(first_name="Buyer4").exists()  # nothing of it was kept
    # The rotation skipped no one for the lead that was rolled back.
    owners = Lead.objects.order_by("pk").values_list("assigned_to__name", flat=True)
    assert list(owners) == ROTATION + ROTATION[:1]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_two_batches_at_once_over_the_same_deliveries_take_each_in_once_and_share_the_leads_evenly(riverside, team):
    rows = stored(riverside, 20)
    ids = [row.pk for row in rows]

    # Two processes sweep at the same moment: each claims what it can, none is taken twice.
    done = in_threads(2, lambda i: len(process_batch(claim_batch(ids if i == 0 else ids[::-1]))))

    assert sum(done) == 20
    assert Lead.objects.count() == 20
    assert InboundEmail.objects.filter(status=InboundEmail.Status.PROCESSED).count() == 20
    assert Counter(Lead.objects.values_list("assigned_to__name", flat=True)) == dict.fromkeys(ROTATION, 4)


def waiting_on_contacts() -> bool:
    """True when a connection to this database waits for a batch's lock on a customer's contacts."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_two_batches_at_once_wait_for_each_other_only_over_the_same_customer(riverside, team):
    """Two processes taking batches in side by side: one busy with Buyer0 holds up nobody else's
    leads, while another copy of Buyer0's request waits for it and then meets the customer it made."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers take turns: batches side by side need PostgreSQL")
    [earlier, other] = stored(riverside, 2, start=1)
    process_batch(claim_batch([earlier.pk]))  # the dealership's earlier leads
    same = store_inbound(
        dealership=riverside,
        raw=lead_email(adf(first="Buyer0", email="buyer0@example.com", lead_id="CG-900000")),
        channel=InboundEmail.Channel.SMTP,
    )
    holding, release, gave_up = threading.Event(), threading.Event(), threading.Event()

    def busy_with_buyer0() -> None:
        # A batch that matched Buyer0 and is making them, as long as the test lets it.
        try:
            with transaction.atomic(), batch.scope(many=True):
                read_ahead([(riverside.organization, {"emails": ["buyer0@example.com"]}, "US")])
                holding.set()
                if not release.wait(30):
                    gave_up.set()
                data = {"first_name": "Buyer0", "emails": ["buyer0@example.com"], "phones": []}
                create_customer(organization=riverside.organization, data=data, country="US")
                batch.end()
        finally:
            connections.close_all()

    def take_in(row: InboundEmail, into: list) -> None:
        try:
            into.extend(process_batch(claim_batch([row.pk])))
        finally:
            connections.close_all()

    busy = threading.Thread(target=busy_with_buyer0)
    busy.start()
    assert holding.wait(30)
    [result] = process_batch(claim_batch([other.pk]))
    assert not gave_up.is_set(), "another customer's lead waited for the batch busy with Buyer0"
    assert result.leads[0].customer.first_name == "Buyer2"

    copy: list = []
    waiting = threading.Thread(target=take_in, args=(same, copy))
    waiting.start()
    for _ in range(300):
        if waiting_on_contacts() or not waiting.is_alive():
            break
        time.sleep(0.1)
    assert waiting.is_alive(), "Buyer0's copy should wait for the batch making Buyer0"
    assert waiting_on_contacts()
    release.set()
    busy.join(30)
    waiting.join(30)

    made = Customer.objects.get(emails__email="buyer0@example.com")
    assert copy[0].inbound.status == InboundEmail.Status.PROCESSED
    assert copy[0].leads[0].customer == made


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_the_sweep_takes_waiting_deliveries_in_batches_of_the_configured_size(riverside, team, settings):
    settings.INBOUND_BATCH_SIZE = 3
    stored(riverside, 7)

    assert sweep_inbound() == 7

    assert Lead.objects.count() == 7
    assert list(Lead.objects.order_by("pk").values_list("assigned_to__name", flat=True)) == ROTATION + ROTATION[:2]


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_what_the_sweep_made_is_freed_as_soon_as_it_is_done_with(riverside, team):
    """Leads, their customers, vehicles and trades, a co-buyer and a returning customer, taken in
    and dropped, leave Python's cyclic collector nothing to free: in smtpd that collector stops
    every session of the process while it frees what piled up, a quarter of a second at a time."""
    stored(riverside, 5)
    stored(riverside, 1, start=2, comments="Me again")  # Buyer2 again: a known customer's new request
    co_buyer = '<contact primarycontact="0"><name part="first">Pat</name><email>pat@example.com</email></contact>'
    document = adf(first="Sam", email="sam@example.com", phone="512-555-3000", lead_id="CG-600001")
    document = document.replace("</contact>", "</contact>" + co_buyer, 1).replace(
        "</vehicle>", '</vehicle><vehicle interest="trade-in"><year>2012</year><make>Ford</make></vehicle>', 1
    )
    store_inbound(dealership=riverside, raw=lead_email(document), channel=InboundEmail.Channel.SMTP)
    gc.collect()
    gc.disable()
    try:
        assert sweep_inbound() == 7
        left_for_the_collector = gc.collect()
    finally:
        gc.enable()

    assert left_for_the_collector == 0
    assert Lead.objects.count() == 6
    assert Lead.objects.get(customer__first_name="Sam").trades.get().make == "Ford"


@time_machine.travel(OPEN, tick=True)
def test_a_lone_delivery_that_fails_keeps_nothing_and_waits_for_its_retry(riverside, team, refuse_make):
    [bad] = stored(riverside, 1, vehicle=("2016", "Faulty", "Wagon", "F1"))

    [result] = process_batch(claim_batch([bad.pk]))

    assert result.inbound.status == InboundEmail.Status.RECEIVED
    bad.refresh_from_db()
    assert bad.attempts == 1
    assert "refused" in bad.last_error
    assert not Lead.objects.exists()
    assert not Customer.objects.exists()


@pytest.mark.django_db(transaction=True)
@time_machine.travel(OPEN, tick=True)
def test_a_batch_whose_leads_bring_more_vehicles_than_the_last_batchs_keeps_every_one(riverside, team):
    """A batch takes its rows' keys in blocks sized by the batch before it (on PostgreSQL): leads
    with three vehicles and a trade-in each, after leads with one vehicle, still keep them all."""
    process_batch(claim_batch([row.pk for row in stored(riverside, 3)]))
    more = """<vehicle interest="buy" status="new"><year>2025</year><make>Toyota</make><model>Camry</model></vehicle>
    <vehicle interest="buy" status="new"><year>2025</year><make>Toyota</make><model>RAV4</model></vehicle>
    <vehicle interest="trade-in" status="used"><year>2012</year><make>Honda</make><model>Civic</model></vehicle>
    <customer>"""
    rows = [
        store_inbound(
            dealership=riverside,
            raw=lead_email(
                adf(first=f"Many{n}", email=f"many{n}@example.com", phone=f"512-555-{3000 + n}", lead_id=None).replace(
                    "<customer>", more
                )
            ),
            channel=InboundEmail.Channel.SMTP,
        )
        for n in range(4)
    ]

    process_batch(claim_batch([row.pk for row in rows]))

    leads = Lead.objects.filter(customer__first_name__startswith="Many").order_by("pk")
    assert [sorted(lead.vehicles.values_list("model", flat=True)) for lead in leads] == [["2500", "Camry", "RAV4"]] * 4
    assert [list(lead.trades.values_list("model", flat=True)) for lead in leads] == [["Civic"]] * 4
    assert Lead.objects.count() == 7
    assert all(lead.assigned_to is not None for lead in leads)
