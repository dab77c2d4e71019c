from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Membership, User
from conftest import make_user
from notifications.models import OutboundEmail


def membership_fields(prefix: str, **values: Any) -> dict[str, Any]:
    data = {
        "role": "salesperson",
        "departments": ["sales"],
        "receives_leads": "on",
        "can_be_assigned": "on",
        "supervisor": "",
        "crm_id": "",
        "absent_from": "",
        "absent_until": "",
        **values,
    }
    return {f"{prefix}-{key}": value for key, value in data.items() if value is not None}


def new_user_form(**membership: Any) -> dict[str, Any]:
    return {
        "user-email": "Lee@Example.com",
        "user-name": "Lee Newhire",
        "user-mobile": "(512) 555-0142",
        "user-forward_calls": "on",
        **membership_fields("new0", **{"dealership": "riverside-toyota", **membership}),
    }


def edit_form(user: User, **memberships: dict[str, Any]) -> dict[str, Any]:
    """The edit screen as posted: the user's details and every membership the admin sees."""
    data: dict[str, Any] = {
        "user-email": user.email,
        "user-name": user.name,
        "user-mobile": user.mobile,
        "user-outbound_phone": user.outbound_phone,
        **({"user-forward_calls": "on"} if user.forward_calls else {}),
    }
    for membership in Membership.objects.filter(user=user):
        current = {
            "role": membership.role,
            "departments": membership.departments,
            "receives_leads": "on" if membership.receives_leads else None,
            "can_be_assigned": "on" if membership.can_be_assigned else None,
            "supervisor": membership.supervisor_id or "",
        }
        current.update(memberships.get(membership.dealership.slug, {}))
        data.update(membership_fields(f"m{membership.pk}", **current))
    return data


def test_alice_adds_a_salesperson_who_is_emailed_a_link_to_choose_a_password(client_for, alice, bob):
    client = client_for(alice)
    assert client.get(reverse("user-new")).status_code == 200
    response = client.post(
        reverse("user-new"),
        new_user_form(departments=["sales", "service"], supervisor=bob.pk, crm_id="4711", absent_from="2026-12-20"),
    )
    lee = User.objects.get(email="lee@example.com")
    assert response.url == reverse("user-edit", kwargs={"pk": lee.pk})
    assert (lee.name, lee.mobile, lee.is_active, lee.has_usable_password()) == (
        "Lee Newhire",
        "+15125550142",
        True,
        False,
    )
    membership = Membership.objects.get(user=lee)
    assert membership.dealership.slug == "riverside-toyota"
    assert (membership.role, membership.departments, membership.supervisor, membership.crm_id) == (
        "salesperson",
        ["sales", "service"],
        bob,
        "4711",
    )
    assert str(membership.absent_from) == "2026-12-20"
    assert OutboundEmail.objects.get().purpose == "password_setup"
    assert "Lee Newhire was added" in client.get(response.url).content.decode()


def test_a_new_user_needs_a_valid_membership_and_bad_input_changes_nothing(client_for, alice):
    client = client_for(alice)
    response = client.post(
        reverse("user-new"), new_user_form(role="boss", absent_from="2026-12-20", absent_until="2026-12-01")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice. boss is not one of the available choices." in body
    response = client.post(reverse("user-new"), new_user_form(absent_from="2026-12-20", absent_until="2026-12-01"))
    assert "2026-12-01 is before the first day of absence, 2026-12-20" in response.content.decode()
    assert not User.objects.filter(email="lee@example.com").exists()
    assert not OutboundEmail.objects.exists()


def test_an_email_already_in_use_or_a_bad_mobile_is_refused(client_for, alice, carol):
    client = client_for(alice)
    body = client.post(
        reverse("user-new"), {**new_user_form(), "user-email": "CAROL@example.com", "user-mobile": "12"}
    ).content.decode()
    assert "Someone already uses this email address in Forecourt." in body
    assert "Enter a mobile number such as +1 512 555 0100." in body
    assert User.objects.count() == 3  # alice, bob (carol's supervisor), carol


def test_a_supervisor_must_work_at_the_same_dealership(client_for, alice, lakeside, erin):
    Membership.objects.create(user=alice, dealership=lakeside, role="admin")
    client = client_for(alice)
    body = client.post(reverse("user-new"), new_user_form(supervisor=erin.pk)).content.decode()
    assert "&quot;erin@example.com&quot; does not work at riverside-toyota" in body
    assert not User.objects.filter(email="lee@example.com").exists()


def test_alice_makes_carol_a_manager(client_for, alice, carol):
    client = client_for(alice)
    page = client.get(reverse("user-edit", kwargs={"pk": carol.pk})).content.decode()
    assert "At Riverside Toyota" in page
    response = client.post(
        reverse("user-edit", kwargs={"pk": carol.pk}), edit_form(carol, **{"riverside-toyota": {"role": "manager"}})
    )
    assert response.status_code == 302
    assert Membership.objects.get(user=carol).role == "manager"


def test_alice_adds_carol_at_a_second_dealership_she_administers(client_for, alice, carol, lakeside):
    Membership.objects.create(user=alice, dealership=lakeside, role="admin")
    client = client_for(alice)
    data = {**edit_form(carol), **membership_fields("new0", dealership="lakeside-honda", departments=["service"])}
    assert client.post(reverse("user-edit", kwargs={"pk": carol.pk}), data).status_code == 302
    assert set(Membership.objects.filter(user=carol).values_list("dealership__slug", flat=True)) == {
        "riverside-toyota",
        "lakeside-honda",
    }


def test_saving_an_edit_with_the_add_form_left_alone_adds_no_membership(client_for, alice, carol, lakeside):
    Membership.objects.create(user=alice, dealership=lakeside, role="admin")
    client = client_for(alice)
    page = client.get(reverse("user-edit", kwargs={"pk": carol.pk})).content.decode()
    assert '<option value="lakeside-honda" selected>' not in page
    untouched_add_form = membership_fields("new0", dealership="")  # as a browser posts it
    response = client.post(reverse("user-edit", kwargs={"pk": carol.pk}), {**edit_form(carol), **untouched_add_form})
    assert response.status_code == 302
    assert list(Membership.objects.filter(user=carol).values_list("dealership__slug", flat=True)) == [
        "riverside-toyota"
    ]


def test_alice_cannot_take_away_her_own_admin_role(client_for, alice):
    client = client_for(alice)
    response = client.post(
        reverse("user-edit", kwargs={"pk": alice.pk}), edit_form(alice, **{"riverside-toyota": {"role": "manager"}})
    )
    assert "You cannot remove your own admin role" in response.content.decode()
    assert Membership.objects.get(user=alice).role == "admin"


def test_alice_deactivates_and_reactivates_carol_after_confirming(client_for, alice, carol):
    admin, carols = client_for(alice), client_for(carol)
    confirm = admin.get(reverse("user-deactivate", kwargs={"pk": carol.pk}))
    assert "Deactivate Carol Seller?" in confirm.content.decode()
    carol.refresh_from_db()
    assert carol.is_active  # asking is not doing

    admin.post(reverse("user-deactivate", kwargs={"pk": carol.pk}))
    carol.refresh_from_db()
    assert not carol.is_active
    assert carols.get(reverse("password-change")).status_code == 302
    listing = admin.get(reverse("user-list"), {"status": "inactive"}).content.decode()
    assert "Carol Seller" in listing
    assert "Deactivated" in listing

    admin.post(reverse("user-reactivate", kwargs={"pk": carol.pk}))
    carol.refresh_from_db()
    assert carol.is_active


def test_alice_cannot_deactivate_herself(client_for, alice):
    client = client_for(alice)
    response = client.post(reverse("user-deactivate", kwargs={"pk": alice.pk}), follow=True)
    assert "You cannot deactivate yourself" in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_the_user_list_searches_by_name_or_email_and_shows_each_role(client_for, alice, bob, carol, dave):
    client = client_for(alice)
    page = client.get(reverse("user-list")).content.decode()
    for name in ("Alice Admin", "Bob Manager", "Carol Seller", "Dave Seller"):
        assert name in page
    assert "Manager at Riverside Toyota" in page
    found = client.get(reverse("user-list"), {"q": "carol@"}).content.decode()
    assert "Carol Seller" in found
    assert "Dave Seller" not in found
    assert "Dave Seller" in client.get(reverse("user-list"), {"q": "dave"}).content.decode()


@pytest.mark.parametrize("route", ["user-list", "user-new"])
def test_a_salesperson_gets_404_for_the_user_screens(client_for, carol, route):
    assert client_for(carol).get(reverse(route)).status_code == 404


def test_a_salesperson_cannot_edit_or_deactivate_a_colleague(client_for, carol, dave):
    client = client_for(carol)
    for route in ("user-edit", "user-deactivate", "user-reactivate"):
        assert client.get(reverse(route, kwargs={"pk": dave.pk})).status_code == 404
        assert client.post(reverse(route, kwargs={"pk": dave.pk})).status_code == 404
    dave.refresh_from_db()
    assert dave.is_active


def test_the_users_link_shows_only_for_admins(client_for, alice, carol):
    assert f'href="{reverse("user-list")}"' in client_for(alice).get(reverse("password-change")).content.decode()
    assert f'href="{reverse("user-list")}"' not in client_for(carol).get(reverse("password-change")).content.decode()


def test_erin_of_lakeside_cannot_see_or_touch_a_riverside_only_user(client_for, erin, carol):
    client = client_for(erin)
    assert "Carol Seller" not in client.get(reverse("user-list")).content.decode()
    for route in ("user-edit", "user-deactivate", "user-send-password-email"):
        assert client.post(reverse(route, kwargs={"pk": carol.pk})).status_code == 404
    assert client.get(reverse("user-edit", kwargs={"pk": carol.pk})).status_code == 404
    carol.refresh_from_db()
    assert carol.is_active


def test_erin_edits_only_her_own_dealership_part_of_someone_shared_with_riverside(client_for, erin, lakeside, alice):
    shared = make_user("sam@example.com", "Sam Shared", lakeside, Membership.Role.SALESPERSON)
    riverside_membership = Membership.objects.create(
        user=shared, dealership=alice.memberships.get().dealership, role="manager", departments=["sales"]
    )
    client = client_for(erin)
    page = client.get(reverse("user-edit", kwargs={"pk": shared.pk})).content.decode()
    assert "At Lakeside Honda" in page
    assert "Riverside Toyota" not in page
    assert "also works at a dealership you don&#x27;t administer" in page

    lakeside_membership = Membership.objects.get(user=shared, dealership=lakeside)
    data = {
        "user-email": "erin-owns-this@example.com",
        **membership_fields(f"m{lakeside_membership.pk}", role="manager"),
        **membership_fields(f"m{riverside_membership.pk}", role="salesperson"),
    }
    assert client.post(reverse("user-edit", kwargs={"pk": shared.pk}), data).status_code == 302
    shared.refresh_from_db()
    assert shared.email == "sam@example.com"
    assert Membership.objects.get(pk=lakeside_membership.pk).role == "manager"
    assert Membership.objects.get(pk=riverside_membership.pk).role == "manager"

    client.post(reverse("user-deactivate", kwargs={"pk": shared.pk}))
    shared.refresh_from_db()
    assert shared.is_active


def test_an_admin_can_resend_the_password_email(client_for, alice, carol):
    client_for(alice).post(reverse("user-send-password-email", kwargs={"pk": carol.pk}))
    email = OutboundEmail.objects.get()
    assert (email.to, email.purpose) == (["carol@example.com"], "password_setup")


def test_alice_sets_carols_phone_to_ring_first_and_turns_her_call_forwarding_off(client_for, alice, carol):
    client = client_for(alice)
    page = client.get(reverse("user-edit", kwargs={"pk": carol.pk})).content.decode()
    assert '<label for="id_user-outbound_phone">Phone to ring first:</label>' in page
    assert 'id="id_user-forward_calls" checked' in page  # on, as Carol has it

    posted = edit_form(carol) | {"user-outbound_phone": "(512) 555-0102 ,,,42"}
    del posted["user-forward_calls"]  # unticked
    assert client.post(reverse("user-edit", kwargs={"pk": carol.pk}), posted).status_code == 302
    carol.refresh_from_db()
    assert (carol.outbound_phone, carol.forward_calls) == ("+15125550102,,,42", False)
    # What Carol sees on her own call settings is what Alice set.
    own = client_for(carol).get(reverse("call-settings")).content.decode()
    assert 'value="+15125550102,,,42"' in own
    assert 'id="id_forward_calls" checked' not in own


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12", "is not a phone number."),
        ("+15125550102 ext 42", "Write the extension after commas, a one-second pause each, not as “ext”"),
        ("+15125550102,,,4-2", "After the number, write only commas (a one-second pause each) and the digits to dial."),
    ],
)
def test_a_phone_to_ring_first_that_cannot_be_dialled_is_refused_and_nothing_changes(
    client_for, alice, carol, typed, error
):
    carol.outbound_phone = "+15125550102"
    carol.save()
    posted = edit_form(carol, **{"riverside-toyota": {"role": "manager"}}) | {
        "user-outbound_phone": typed,
        "user-name": "Carol Renamed",
    }
    del posted["user-forward_calls"]
    answer = client_for(alice).post(reverse("user-edit", kwargs={"pk": carol.pk}), posted)
    assert answer.status_code == 200
    assert error in answer.content.decode()
    carol.refresh_from_db()
    assert (carol.outbound_phone, carol.forward_calls, carol.name) == ("+15125550102", True, "Carol Seller")
    assert Membership.objects.get(user=carol).role == "salesperson"


def test_a_new_user_gets_the_call_settings_given(client_for, alice):
    form = new_user_form() | {"user-outbound_phone": "+1 512 555 0177"}
    del form["user-forward_calls"]
    assert client_for(alice).post(reverse("user-new"), form).status_code == 302
    lee = User.objects.get(email="lee@example.com")
    assert (lee.outbound_phone, lee.forward_calls) == ("+15125550177", False)
