"""A NUL byte typed or pasted into a search box or a form is refused with a clear 400, on every
screen, never a server error (PostgreSQL cannot store or compare text holding one)."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken

SEARCH_SCREENS = [
    "/accounts/users/?q=%00",
    "/leads/?q=Jordan%00",
    "/leads/new/customers/?customer_q=%00",
    "/leads/{lead}/co-customer/search/?customer_q=%00",
    "/leads/{lead}/vehicles/stock/?stock_q=%00",
    "/distribution/leads/{lead}/allocate/?q=%00",
    "/distribution/leads/{lead}/allocate/users/?q=%00",
]


@pytest.mark.parametrize("url", SEARCH_SCREENS)
def test_a_nul_byte_in_a_search_box_is_a_clear_400(url, alice, carols_lead, client_for):
    response = client_for(alice).get(url.format(lead=carols_lead.pk))

    assert response.status_code == 400
    assert "cannot be used" in response.content.decode()


def test_a_nul_byte_in_the_api_search_is_a_400_in_the_api_error_shape(alice, carols_lead, client):
    token = ApiToken.issue(user=alice, scope=ApiToken.Scope.FULL)[1]

    response = client.get("/api/v1/leads?q=%00", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_a_nul_byte_in_a_form_is_refused_and_nothing_is_saved(alice, carols_lead, client_for):
    response = client_for(alice).post(f"/leads/{carols_lead.pk}/notes/", {"text": "Call back\x00 at noon"})

    assert response.status_code == 400
    assert not carols_lead.activities.filter(text__contains="Call back").exists()


def test_searches_without_a_nul_byte_still_work(alice, carols_lead, client_for):
    assert client_for(alice).get("/accounts/users/?q=Carol").status_code == 200


def test_a_form_over_the_upload_limit_is_refused_as_too_large_on_screens_and_in_the_api(alice, carols_lead, client_for):
    # Refused from its announced length, before the body is read.
    for path, shape in ((f"/leads/{carols_lead.pk}/notes/", "text"), ("/api/v1/leads", "json")):
        response = client_for(alice).generic(
            "POST", path, b"text=x", content_type="application/x-www-form-urlencoded", CONTENT_LENGTH="10485760"
        )

        assert response.status_code == 413
        if shape == "json":
            assert response.json()["error"]["code"] == "too_large"
        else:
            assert "too large" in response.content.decode()
