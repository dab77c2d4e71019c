"""The lead of CONTRACT §4, verbatim: the shape every lead the API answers must have."""

from __future__ import annotations

import json
from typing import Any

CONTRACT_LEAD = json.loads("""
{"id": 17, "dealership": "riverside-toyota", "department": "sales", "status": "new",
 "source": {"name": "CarGurus", "kind": "third_party"}, "source_ref": "A-123",
 "received_at": "2026-03-16T20:37:03+00:00",
 "customer": {"id": 5, "first_name": "Jordan", "last_name": "Sample", "business_name": null,
              "emails": ["jordan.sample@example.com"],
              "phones": [{"number": "+15195550100", "type": "voice"}],
              "address": {"street": ["1 Main St"], "city": "Austin", "region": "TX",
                          "postal_code": "78701", "country": "US"}},
 "co_customer": null,
 "vehicles": [{"interest": "buy", "condition": "used", "year": 2016, "make": "RAM",
               "model": "2500", "trim": "Laramie", "vin": "3C6UR5ML5GG359865", "stock": "D9760",
               "price": "34995.00", "odometer": null, "preferred": true, "search_vehicle": false}],
 "trades": [{"year": 2012, "make": "Honda", "model": "Civic", "vin": null, "odometer": 120000}],
 "comments": "…", "timeframe": null,
 "assigned_to": {"email": "carol@example.com", "name": "Carol Seller"},
 "collaborators": [], "first_response_at": null,
 "sla": {"stage1_due_at": "…", "reminder_at": "…", "stage2_due_at": null, "state": "running"},
 "url": "http://127.0.0.1:8000/leads/17"}
""")


def shape(value: Any) -> Any:
    """The keys of `value` all the way down, without values; a list of objects by its first one."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value and isinstance(value[0], dict) else "list"
    return None


# A message of a lead's thread (CONTRACT §4, GET /api/v1/leads/{id}/messages), with example values.
CONTRACT_MESSAGE = json.loads("""
{"id": 41, "at": "2026-03-16T20:40:00+00:00", "channel": "sms", "direction": "out",
 "body": "Hi Jordan, it's Carol at Riverside Toyota.", "media": ["https://example.com/p/1.jpg"],
 "status": "delivered", "error": null, "from": "+15125550199", "to": "+15125550100",
 "automated": false, "sent_by": "carol@example.com"}
""")
