"""How long a customer waited for a person, measured in the dealership's working time. No Django.

The rule, exactly:

* **Working minutes** are the minutes the dealership was open (its weekly hours, less public
  holidays and days off, through DST changes: `dealerships.calendar`) in the half-open span
  [arrival, first human reply). So a lead that arrives at 21:00 after closing and is answered at
  09:05 next morning, opening at 09:00, waited 5 working minutes; one that arrives on Saturday
  evening and is answered on Monday at 09:30 waited 30.
* A lead that arrives while closed starts the clock at the next opening, and a reply sent before
  that opening (a keen salesperson answering at 07:45) waited **0** working minutes.
* A reply recorded before the lead's arrival time (a clock skew between systems) counts as 0.
* **Clock minutes** are plain elapsed minutes between arrival and reply (0 at least), shown
  beside the working minutes.
* Minutes are kept to the second (fractions of a minute); "within 5" means 5 or fewer.
"""

from __future__ import annotations

from datetime import datetime

from dealerships.calendar import BusinessCalendar


def reply_minutes(calendar: BusinessCalendar, received_at: datetime, replied_at: datetime) -> tuple[float, float]:
    """(working minutes, clock minutes) from arrival to the first human reply; both 0 at least."""
    if replied_at <= received_at:
        return 0.0, 0.0
    working = calendar.working_minutes_between(received_at, replied_at)
    clock = (replied_at - received_at).total_seconds() / 60
    return round(working, 4), round(clock, 4)
