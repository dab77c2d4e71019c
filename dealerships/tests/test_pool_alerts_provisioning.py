"""The membership key `pool_alerts` in the provisioning YAML: applied, exported and taken back
unchanged, refused with its key path when it is not true or false."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership
from dealerships import provisioning
from dealerships.tests.test_provisioning import EXAMPLE, provision, snapshot

pytestmark = pytest.mark.django_db

WITH_POOL_ALERTS = EXAMPLE.replace('        crm_id: "4711"\n', '        crm_id: "4711"\n        pool_alerts: true\n', 1)


def test_pool_alerts_are_applied_exported_and_taken_back_unchanged(tmp_path):
    assert "pool_alerts: true" in WITH_POOL_ALERTS
    provision(tmp_path, WITH_POOL_ALERTS)
    assert Membership.objects.get(user__email="alice@example.com").pool_alerts
    out = StringIO()
    call_command("provision", "--export", "riverside-toyota", stdout=out)
    document = provisioning.load_yaml(out.getvalue())
    alice = next(u for u in document["users"] if u["email"] == "alice@example.com")
    assert alice["memberships"][0]["pool_alerts"] is True
    before = snapshot()
    assert provision(tmp_path, out.getvalue()) == ["no changes: everything is already as the file says"]
    assert snapshot() == before


def test_pool_alerts_are_off_unless_the_file_turns_them_on(tmp_path):
    provision(tmp_path, EXAMPLE)
    assert not Membership.objects.get(user__email="alice@example.com").pool_alerts


def test_a_pool_alerts_value_that_is_not_true_or_false_is_refused_with_its_path_and_changes_nothing(tmp_path):
    provision(tmp_path, EXAMPLE)
    before = snapshot()
    path = tmp_path / "forecourt.yaml"
    path.write_text(WITH_POOL_ALERTS.replace("pool_alerts: true", 'pool_alerts: "often"'))
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("provision", str(path), stdout=StringIO(), stderr=err)
    assert 'users[0].memberships[0].pool_alerts: "often" is not true or false' in err.getvalue()
    assert snapshot() == before
