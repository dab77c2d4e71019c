"""The new-lead alert says until when its links work in the dealership's time, not in UTC."""

from __future__ import annotations

import re

import time_machine

from distribution.tests.conftest import OPEN
from distribution.tests.test_allocation import send_alert


@time_machine.travel(OPEN, tick=False)
def test_the_alert_says_until_when_its_links_work_in_the_dealerships_time(riverside, bob):
    _lead, email = send_alert(riverside)
    for body in (email.body, email.html):
        assert "UTC" not in body
        assert re.search(r"until (Mon|Tue|Wed|Thu|Fri|Sat|Sun) Mar \d+, \d+:\d\d [AP]M", body), body
