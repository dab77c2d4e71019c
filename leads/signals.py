"""What happens to a lead that the apps above `leads/` react to.

`leads/` imports nothing above it, so the SLA clock (escalations) and the sold follow-ups
(followups) listen here instead of being called. Both signals are sent inside the transaction
that records the change, so a receiver's writes commit or roll back with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# A person answered the customer (message, connected call, logged contact): lead, at, actor.
human_replied = Signal()

# The lead's status changed: lead, old, new, actor.
status_changed = Signal()
