from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from accounts import actions
from accounts.models import ApiToken, Membership, User, UserSession
from conftest import PASSWORD


def logged_in(user: User) -> Client:
    client = Client()
    assert client.post(reverse("login"), {"email": user.email, "password": PASSWORD}).status_code == 302
    return client


def test_deactivating_carol_logs_her_out_of_every_device_at_once(carol, dave, alice):
    phone, desk = logged_in(carol), logged_in(carol)
    daves = logged_in(dave)
    assert phone.get(reverse("password-change")).status_code == 200

    actions.deactivate_user(user=carol, actor=alice)

    for client in (phone, desk):
        response = client.get(reverse("password-change"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not UserSession.objects.filter(user=carol).exists()
    assert daves.get(reverse("password-change")).status_code == 200


def test_only_the_deactivated_users_sessions_are_deleted(carol, dave, alice):
    logged_in(carol)
    logged_in(dave)
    daves_key = UserSession.objects.get(user=dave).session_key
    actions.deactivate_user(user=carol, actor=alice)
    assert list(Session.objects.values_list("session_key", flat=True)) == [daves_key]


def test_an_inactive_user_is_refused_on_the_next_request_even_if_their_session_survives(carol):
    client = logged_in(carol)
    User.objects.filter(pk=carol.pk).update(is_active=False)  # no session clean-up at all
    response = client.get(reverse("password-change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivation_revokes_api_tokens_and_stops_leads(carol, alice):
    token, _ = ApiToken.issue(user=carol)
    actions.deactivate_user(user=carol, actor=alice)
    token.refresh_from_db()
    carol.refresh_from_db()
    assert token.revoked_at is not None
    assert not carol.is_active
    assert carol.deactivated_by == alice
    membership = Membership.objects.get(user=carol)
    assert (membership.receives_leads, membership.can_be_assigned) == (False, False)


def test_reactivated_carol_logs_in_again_but_old_tokens_stay_revoked_and_leads_stay_off(carol, alice):
    token, _ = ApiToken.issue(user=carol)
    actions.deactivate_user(user=carol, actor=alice)
    actions.reactivate_user(user=carol, actor=alice)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Membership.objects.get(user=carol).receives_leads is False
    logged_in(carol)


def test_an_admin_cannot_deactivate_themselves(alice):
    with pytest.raises(actions.AccountError, match="cannot deactivate yourself"):
        actions.deactivate_user(user=alice, actor=alice)
    alice.refresh_from_db()
    assert alice.is_active


def test_logging_out_forgets_the_session(carol):
    client = logged_in(carol)
    client.post(reverse("logout"))
    assert not UserSession.objects.exists()
