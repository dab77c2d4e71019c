"""Deactivating someone hands their open leads on through distribution, so no customer is left
waiting on a person who can no longer log in."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Membership
from conftest import make_lead
from leads.models import Activity, Lead
from notifications.models import Notification


def customer(n: int) -> dict[str, object]:
    return {"first_name": f"Buyer{n}", "last_name": "Sample", "emails": [f"buyer{n}@example.com"]}


def test_deactivating_a_salesperson_distributes_their_open_leads_again(client_for, riverside, alice, bob, carol, dave):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)  # Dave is the one left
    open_leads = [make_lead(riverside, assigned_to=carol, customer=customer(n)) for n in range(2)]
    sold = make_lead(riverside, assigned_to=carol, customer=customer(3))
    Lead.objects.filter(pk=sold.pk).update(status=Lead.Status.SOLD)
    admin = client_for(alice)
    url = reverse("user-deactivate", kwargs={"pk": carol.pk})

    assert "Carol Seller has 2 open leads." in admin.get(url).content.decode()
    page = admin.post(url, {"open_leads": "distribute"}, follow=True).content.decode()

    assert "Carol Seller was deactivated and logged out everywhere." in page
    assert "2 open leads distributed again: 2 to Dave Seller." in page
    for lead in open_leads:
        lead.refresh_from_db()
        assert lead.assigned_to == dave
        texts = list(
            lead.activities.filter(kind=Activity.Kind.ASSIGNED).order_by("at", "pk").values_list("text", flat=True)
        )
        assert texts[-2] == "Unassigned from Carol Seller: Carol Seller was deactivated. Distributed again."
        assert texts[-1].startswith("Assigned to Dave Seller: round robin")
        assert Notification.objects.filter(user=dave, lead=lead).exists()
    sold.refresh_from_db()
    assert sold.assigned_to == carol  # closed leads keep their history


def test_an_admin_may_leave_the_open_leads_with_them_to_reassign_by_hand(client_for, riverside, alice, carol, dave):
    lead = make_lead(riverside, assigned_to=carol)

    page = (
        client_for(alice)
        .post(reverse("user-deactivate", kwargs={"pk": carol.pk}), {"open_leads": "keep"}, follow=True)
        .content.decode()
    )

    assert "Carol Seller was deactivated" in page
    assert "distributed again" not in page
    lead.refresh_from_db()
    assert lead.assigned_to == carol


def test_with_nobody_left_to_take_them_the_leads_go_to_the_fallback_and_are_never_unowned(
    client_for, riverside, alice, bob, carol
):
    Membership.objects.filter(user__in=[alice, bob]).update(receives_leads=False)
    lead = make_lead(riverside, assigned_to=carol)

    client_for(alice).post(reverse("user-deactivate", kwargs={"pk": carol.pk}), {"open_leads": "distribute"})

    lead.refresh_from_db()
    assert lead.assigned_to == alice  # the dealership's admin, the last resort
