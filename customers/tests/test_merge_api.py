"""The API merges and undoes as the screens do: a manager's token merges, anyone else's gets
404, a second undo is 409, a bad body is 422 and changes nothing."""

from __future__ import annotations

import pytest

from accounts.models import ApiToken
from api.tests.conftest import ApiClient, is_error
from leads.models import Customer

pytestmark = pytest.mark.django_db


def api(user):
    _, raw = ApiToken.issue(user=user, scope=ApiToken.Scope.FULL)
    return ApiClient(raw)


def test_a_manager_merges_through_the_api_and_undoes_it(first_record, second_record, bob):
    kept, removed = first_record.customer_id, second_record.customer_id

    response = api(bob).post(f"/customers/{kept}/merge", {"customer": removed})

    assert response.status_code == 201
    merge = response.json()
    assert (merge["kept"], merge["removed"], merge["merged_by"], merge["undone_at"]) == (
        kept,
        removed,
        "Bob Manager",
        None,
    )
    assert set(Customer.objects.get(pk=kept).leads.all()) == {first_record, second_record}

    undone = api(bob).post(f"/customer-merges/{merge['id']}/undo")
    assert undone.status_code == 200
    assert undone.json()["undo_summary"].startswith(f"Back to Jordan Sample (#{removed}): 1 lead")
    again = api(bob).post(f"/customer-merges/{merge['id']}/undo")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "merge_refused"


@pytest.mark.parametrize("who", ["carol", "erin", "frank"])
def test_people_who_may_not_merge_get_404(who, first_record, second_record, request):
    client = api(request.getfixturevalue(who))

    response = client.post(f"/customers/{first_record.customer_id}/merge", {"customer": second_record.customer_id})

    assert response.status_code == 404
    assert is_error(response.json())
    assert Customer.objects.filter(pk=second_record.customer_id).exists()


@pytest.mark.parametrize(
    ("body", "field"), [({}, "customer"), ({"customer": "x"}, "customer"), ({"customer": 999999}, "customer")]
)
def test_a_bad_body_is_422_and_changes_nothing(body, field, first_record, second_record, bob):
    response = api(bob).post(f"/customers/{first_record.customer_id}/merge", body)

    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == field
    assert Customer.objects.count() == 2


def test_merging_a_customer_into_itself_is_409(first_record, bob):
    response = api(bob).post(f"/customers/{first_record.customer_id}/merge", {"customer": first_record.customer_id})

    assert response.status_code == 409
    assert response.json()["error"]["message"] == "Pick two different customers to merge."
