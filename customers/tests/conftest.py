"""Two records of one person at Riverside Toyota, as they come about: Jordan Sample sent a
lead from CarGurus with her phone, and later one from the website with her Gmail address
written another way (and a phone the old system stored only as typed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.forms.models import model_to_dict

from calls.models import Call
from conftest import make_lead
from conversations.models import ConsentChange, Conversation, Message
from leads.models import Customer, CustomerPhone, Lead
from messenger.models import MessengerContact
from relay.models import BouncedAddress


def lead_of(dealership: Any, customer: dict[str, Any], **fields: Any) -> Lead:
    return make_lead(dealership, bulk=True, customer=customer, **fields)


@pytest.fixture
def first_record(riverside: Any) -> Lead:
    return lead_of(
        riverside,
        {
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["jordan.sample@gmail.com"],
            "phones": [{"number": "(512) 555-0142", "type": "cellphone"}],
        },
        source_name="CarGurus",
    )


@pytest.fixture
def second_record(riverside: Any) -> Lead:
    lead = lead_of(
        riverside,
        {
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["JordanSample+cars@GoogleMail.com"],
            "address": {
                "street": ["12 Oak St"],
                "city": "Austin",
                "region": "TX",
                "postal_code": "78701",
                "country": "US",
            },
        },
        source_name="Website",
    )
    # Imported years ago: kept as typed, never read as a number.
    CustomerPhone.objects.create(customer=lead.customer, number=None, raw="512.555.0142", type="voice")
    return lead


def snapshot(customer_id: int) -> dict[str, Any]:
    """Everything that is a customer's: their row, and every row of theirs, field by field."""

    def rows(model: Any, **where: Any) -> list[dict[str, Any]]:
        return [model_to_dict(row) | {"id": row.pk} for row in model.objects.filter(**where).order_by("pk")]

    leads = Lead.objects.filter(customer_id=customer_id).order_by("pk")
    return {
        "customer": model_to_dict(Customer.objects.get(pk=customer_id))
        | {"created_at": Customer.objects.get(pk=customer_id).created_at},
        "phones": rows(CustomerPhone, customer_id=customer_id),
        "emails": [(e.pk, e.email) for e in Customer.objects.get(pk=customer_id).emails.all()],
        "consent": rows(ConsentChange, customer_id=customer_id),
        "leads": list(leads.values("pk", "co_customer_id", "search_first_name", "search_last_name")),
        "co_leads": list(Lead.objects.filter(co_customer_id=customer_id).values_list("pk", flat=True)),
        "messages": list(
            Message.objects.filter(conversation__lead__customer_id=customer_id).values_list("pk", "conversation_id")
        ),
        "conversations": list(Conversation.objects.filter(lead__customer_id=customer_id).values_list("pk", "lead_id")),
        "calls": list(Call.objects.filter(customer_id=customer_id).values_list("pk", flat=True)),
        "messenger": rows(MessengerContact, customer_id=customer_id),
        "bounced": rows(BouncedAddress, customer_id=customer_id),
    }
