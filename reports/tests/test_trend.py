"""The weekly trend gives the same medians whichever database adds them up."""

from __future__ import annotations

from datetime import date

from reports.period import Period
from reports.queries import report_dealerships, report_leads
from reports.speed import weekly_trend
from reports.tests.conftest import answered_lead
from reports.trend import trend

MONDAYS = [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 7)]


def test_the_weekly_median_is_the_same_in_the_database_and_in_python(riverside, lakeside, carol, alice):
    # Week of 30 Nov at Riverside: 2, 10 and 40 working minutes, and one never answered.
    answered_lead(riverside, arrived="2026-12-01 10:00", replied="2026-12-01 10:02", by=carol)
    answered_lead(riverside, arrived="2026-12-01 21:00", replied="2026-12-02 09:10", by=carol)
    answered_lead(riverside, arrived="2026-12-03 10:00", replied="2026-12-03 10:40", by=carol)
    answered_lead(riverside, arrived="2026-12-04 10:00", replied=None, by=carol)
    # Sunday 29 Nov 23:30 in Chicago is Monday in UTC: it belongs to the week of 23 Nov.
    answered_lead(riverside, arrived="2026-11-29 23:30", replied="2026-11-30 09:07", by=carol)
    dealerships = report_dealerships(alice)
    leads = report_leads(alice, dealerships, Period(MONDAYS[0], date(2026, 12, 13)))

    points = trend(leads, dealerships, MONDAYS)

    assert [(p.monday, p.leads, p.answered, p.median_working_minutes) for p in points] == [
        (date(2026, 11, 23), 1, 1, 7.0),
        (date(2026, 11, 30), 4, 3, 10.0),
        (date(2026, 12, 7), 0, 0, None),
    ]
    assert points == weekly_trend(leads, dealerships, MONDAYS)
