"""On PostgreSQL a process keeps what intake read of a dealership's settings from one batch to the
next (`forecourt.lib.batch.read_settled`), and the first lead after a change follows it, however
the change was written: a screen's save, a bulk update, SQL by hand (a trigger moves the settings
version). The changes are followed on SQLite too, which keeps nothing. With real commits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from distribution.tests.conftest import OPEN
from followups.models import FollowUp
from intake.actions import claim_batch, process_batch
from intake.tests.test_batches import stored, team  # noqa: F401 - the fixture
from leads.models import Lead
from notifications.models import NotificationPreference, OutboundText

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _open() -> Iterator[None]:
    with time_machine.travel(OPEN, tick=True):
        yield


def take_in(riverside, n: int) -> Lead:
    """The lead of one more stored lead email, taken in alone (a batch of one, as smtpd does)."""
    [row] = stored(riverside, 1, start=n)
    [result] = process_batch(claim_batch([row.pk]))
    [lead] = result.leads
    return Lead.objects.select_related("assigned_to").get(pk=lead.pk)


def test_a_salesperson_taken_off_new_leads_by_a_bulk_update_gets_none_of_the_next(riverside, team):  # noqa: F811
    carol, dave, gina = team[:3]
    assert take_in(riverside, 0).assigned_to == carol

    Membership.objects.filter(user=dave).update(receives_leads=False)  # no save(), no signal

    assert take_in(riverside, 1).assigned_to == gina


def test_default_follow_ups_changed_by_hand_in_sql_are_the_next_leads(riverside, team):  # noqa: F811
    first = take_in(riverside, 0)
    before = set(FollowUp.objects.filter(lead=first).values_list("title", flat=True))

    with connection.cursor() as cursor:
        cursor.execute("UPDATE followups_defaulttask SET title = 'Call back within the hour'")

    second = take_in(riverside, 1)
    assert "Call back within the hour" not in before
    assert set(FollowUp.objects.filter(lead=second).values_list("title", flat=True)) == {"Call back within the hour"}


def test_a_salesperson_who_turns_texts_off_gets_no_text_for_the_next_lead(riverside, team):  # noqa: F811
    carol = team[0]
    carol.mobile = "+15125557000"
    carol.save()
    Membership.objects.filter(dealership=riverside).exclude(user=carol).update(receives_leads=False)
    assert take_in(riverside, 0).assigned_to == carol
    texts = OutboundText.objects.count()
    assert texts > 0  # her new-lead text

    NotificationPreference.objects.create(user=carol, kind="new_lead", in_app=True, email=True, sms=False)

    assert take_in(riverside, 1).assigned_to == carol
    assert OutboundText.objects.count() == texts


def test_the_settings_are_read_once_while_nothing_changes_them(riverside, team):  # noqa: F811
    if connection.vendor != "postgresql":
        pytest.skip("only PostgreSQL keeps settings between batches: SQLite reads them for every batch")
    take_in(riverside, 0)
    take_in(riverside, 1)  # the first batch after a setting was written reads them again

    with CaptureQueriesContext(connection) as third:
        take_in(riverside, 2)
    Membership.objects.filter(user=team[4]).update(receives_leads=False)
    with CaptureQueriesContext(connection) as after_a_change:
        take_in(riverside, 3)

    def read_settings(captured: CaptureQueriesContext) -> list[str]:
        tables = ("distribution_departmentsettings", "followups_defaulttask", "accounts_membership")
        return [q["sql"] for q in captured.captured_queries if any(f'FROM "{t}"' in q["sql"] for t in tables)]

    assert read_settings(third) == []
    assert len(read_settings(after_a_change)) >= 3
