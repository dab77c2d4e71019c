"""The lead page speaks as a dealer would: "just now", never "(now ago)"."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.utils import timezone

from conftest import make_lead


def test_a_lead_that_just_arrived_says_just_now(riverside, carol, client_for):
    moment = timezone.now()
    with time_machine.travel(moment, tick=False):
        lead = make_lead(riverside, assigned_to=carol, received_at=moment)
        page = client_for(carol).get(f"/leads/{lead.pk}/").content.decode()
    assert "(just now)" in page
    assert "now ago" not in page
    with time_machine.travel(moment + timedelta(minutes=4), tick=False):
        page = client_for(carol).get(f"/leads/{lead.pk}/").content.decode()
    assert "(4m ago)" in page
