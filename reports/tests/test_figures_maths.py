"""The pure parts: percentiles, periods and chart geometry."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from reports.charts import bar_chart, trend_chart
from reports.period import Period, parse_period, preset
from reports.stats import percentile


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 0.5, None),
        ([7], 0.9, 7),
        ([1, 2, 3, 4], 0.5, 2.5),
        (list(range(1, 11)), 0.9, 9.1),
        ([2, 5, 10, 40], 0.9, 31),
        ([0, 0, 100], 0.5, 0),
    ],
)
def test_percentiles_interpolate_between_ranks_as_percentile_cont_does(values, p, expected):
    assert percentile(values, p) == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("this_week", date(2026, 11, 30), date(2026, 12, 6)),
        ("last_week", date(2026, 11, 23), date(2026, 11, 29)),
        ("this_month", date(2026, 12, 1), date(2026, 12, 31)),
        ("last_month", date(2026, 11, 1), date(2026, 11, 30)),
    ],
)
def test_named_periods_around_a_saturday(name, first, last):
    assert preset(name, date(2026, 12, 5)) == Period(first, last)


def test_a_period_is_whole_local_days_even_across_a_clock_change():
    start, end = Period(date(2026, 11, 1), date(2026, 11, 1)).bounds("America/Chicago")

    assert (start, end) == (datetime(2026, 11, 1, 5, tzinfo=UTC), datetime(2026, 11, 2, 6, tzinfo=UTC))


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-12-01", "2026-11-30", "the period ends (2026-11-30) before it starts (2026-12-01)"),
        ("2025-01-01", "2026-12-31", "a report covers at most 366 days"),
        ("01/12/2026", "2026-12-31", 'from: "01/12/2026" is not a date (YYYY-MM-DD)'),
    ],
)
def test_a_bad_custom_period_says_what_is_wrong(first, last, message):
    with pytest.raises(ValueError, match=re.escape(message) + "$"):
        parse_period(first, last)


def test_bars_are_as_long_as_their_values_and_a_missing_value_draws_none():
    chart = bar_chart("t", [("Carol", 10), ("Dave", 40), ("Erin", None), ("Zed", 0)], " min")

    assert [bar.width for bar in chart.bars] == [69.0, 276.0, 0, 0]
    assert [bar.shown for bar in chart.bars] == ["10 min", "40 min", "—", "0 min"]


def test_the_trend_line_skips_weeks_without_replies_and_labels_the_latest_week():
    chart = trend_chart("t", [("Nov 2", 10), ("Nov 9", None), ("Nov 16", 20), ("Nov 23", 5)])

    assert chart.line == "8.0,77.0 210.7,14.0 312.0,108.5"
    assert [p.label for p in chart.points if p.show_label][-1] == "Nov 23"
