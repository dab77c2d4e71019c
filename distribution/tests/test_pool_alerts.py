"""A lead landing in the pool alerts only the people who asked for pool alerts (pixelconcept: "a
notification of the users does not take place unless this is activated")."""

from __future__ import annotations

import pytest
import time_machine

from accounts.models import Membership
from conftest import make_lead
from distribution.actions import distribute_lead
from distribution.tests.conftest import OPEN, set_policy
from notifications.models import Notification

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]


@time_machine.travel(OPEN, tick=False)
def test_a_pooled_lead_alerts_only_those_who_opted_in(riverside, carol, dave):
    set_policy(riverside, {"sales": {"method": "pool"}})
    Membership.objects.filter(user=carol).update(pool_alerts=True)
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead)
    told = Notification.objects.filter(lead=lead)
    assert [n.user for n in told] == [carol]
    assert told.get().text.startswith("New lead in the pool: Jordan Sample")


@time_machine.travel(OPEN, tick=False)
def test_pool_alerts_are_off_unless_someone_turns_them_on(riverside):
    set_policy(riverside, {"sales": {"method": "pool"}})
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead)
    assert not Notification.objects.filter(lead=lead).exists()


@time_machine.travel(OPEN, tick=False)
def test_someone_who_opted_in_but_cannot_take_leads_from_the_pool_is_not_alerted(riverside, carol):
    set_policy(riverside, {"sales": {"method": "pool"}})
    Membership.objects.filter(user=carol).update(pool_alerts=True, can_be_assigned=False)
    lead = make_lead(riverside, bulk=True)
    distribute_lead(lead=lead)
    assert not Notification.objects.filter(lead=lead, user=carol).exists()
