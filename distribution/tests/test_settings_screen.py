"""The distribution settings screen and its YAML twin: save, refuse, warn."""

from __future__ import annotations

import re

import pytest
import yaml

from distribution.models import DepartmentSettings, DistributionGroup
from distribution.store import load_policy
from distribution.tests.conftest import set_policy

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("team")]


def form_data(**overrides: str | list[str]) -> dict[str, object]:
    data: dict[str, object] = {
        "sales-method": "round_robin",
        "sales-after_hours_method": "",
        "sales-fallback": "bob@example.com",
        "sales-existing_customers": "assigned_user",
        "sales-cap": "",
        "sales-counts_twice": ["carol@example.com"],
        "service-method": "first_available",
        "service-after_hours_method": "",
        "service-fallback": "",
        "service-existing_customers": "distribute",
        "groups-TOTAL_FORMS": "1",
        "groups-INITIAL_FORMS": "0",
        "groups-0-name": "Used Hondas",
        "groups-0-position": "1",
        "groups-0-makes": "Honda",
        "groups-0-condition": "used",
        "groups-0-department": "sales",
        "groups-0-hours": "any",
        "groups-0-method": "round_robin",
        "groups-0-members": ["gina@example.com", "hank@example.com"],
        "days": "30",
        "action": "save",
    }
    data.update(overrides)
    return data


def test_an_admin_sets_up_methods_weights_and_groups_on_the_screen(riverside, alice, client_for):
    client = client_for(alice)
    page = client.get("/distribution/riverside-toyota/")
    assert page.status_code == 200
    assert b"Who gets the leads at Riverside Toyota" in page.content
    saved = client.post("/distribution/riverside-toyota/", form_data())
    assert saved.status_code == 302
    riverside.refresh_from_db()
    policy = load_policy(riverside)
    assert policy.department("sales").fallback == "bob@example.com"
    assert policy.department("sales").weights == {"carol@example.com": 2}
    assert policy.department("service").existing_customers == "distribute"
    assert riverside.distribution["sales"]["fallback"] == "bob@example.com"
    group = DistributionGroup.objects.get()
    assert (group.name, group.makes, group.condition) == ("Used Hondas", ["Honda"], "used")
    assert sorted(m.user.email for m in group.members.all()) == ["gina@example.com", "hank@example.com"]
    assert riverside.changes.filter(changes__0__path="distribution.sales.fallback").exists()


def test_a_pool_cannot_be_combined_with_groups_and_nothing_is_saved(riverside, alice, client_for):
    answer = client_for(alice).post("/distribution/riverside-toyota/", form_data(**{"sales-method": "pool"}))
    assert answer.status_code == 422
    assert b"Sales method: a pool cannot be combined with distribution groups" in answer.content
    assert not DistributionGroup.objects.exists()
    assert not DepartmentSettings.objects.exists()


def test_the_screen_warns_against_one_person_distributions(riverside, alice, client_for):
    warnings = set_policy(
        riverside,
        {"groups": [{"name": "Solo", "match": {"sources": ["Edmunds"]}, "members": ["carol@example.com"]}]},
    )
    assert warnings == [
        "groups[0] (Solo): only one member; while they are away its leads go to the fallback user or the admins"
    ]
    page = client_for(alice).get("/distribution/riverside-toyota/")
    assert b"only one member" in page.content


def test_only_the_dealerships_admins_see_its_distribution_settings(riverside, bob, erin, client_for):
    assert client_for(bob).get("/distribution/riverside-toyota/").status_code == 404
    assert client_for(erin).get("/distribution/riverside-toyota/").status_code == 404


def test_the_yaml_editor_round_trips_and_refuses_bad_keys_with_their_path(riverside, alice, client_for):
    client = client_for(alice)
    set_policy(riverside, {"sales": {"method": "round_robin", "cap": 12}})
    page = client.get("/distribution/riverside-toyota/yaml/")
    document = page.context["document"]
    assert yaml.safe_load(document)["sales"]["cap"] == 12
    bad = client.post(
        "/distribution/riverside-toyota/yaml/",
        {"document": "sales:\n  method: lottery\n  fallbak: x\n", "action": "save"},
    )
    assert bad.status_code == 422
    assert (
        b"sales.method: &quot;lottery&quot; is not one of first_available | round_robin | crm_assign | pool"
        in bad.content
    )
    assert b"sales.fallbak: unknown key (did you mean &quot;fallback&quot;?)" in bad.content
    assert load_policy(riverside).department("sales").cap == 12
    good = client.post(
        "/distribution/riverside-toyota/yaml/",
        {"document": document.replace("cap: 12", "cap: 4"), "action": "save"},
    )
    assert good.status_code == 302
    assert load_policy(riverside).department("sales").cap == 4


def test_broken_yaml_is_refused_plainly(riverside, alice, client_for):
    answer = client_for(alice).post("/distribution/riverside-toyota/yaml/", {"document": "sales: [", "action": "save"})
    assert answer.status_code == 422
    assert b"This is not valid YAML" in answer.content


def test_the_distribution_command_exports_and_applies_yaml(riverside, tmp_path):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = StringIO()
    call_command("distribution", "riverside-toyota", "--export", stdout=out)
    assert yaml.safe_load(out.getvalue())["sales"]["method"] == "round_robin"
    good = tmp_path / "good.yaml"
    good.write_text("sales:\n  method: first_available\n  on_shift_only: true\n")
    out = StringIO()
    call_command("distribution", "riverside-toyota", str(good), stdout=out)
    assert "sales.method: 'round_robin' → 'first_available'" in out.getvalue()
    riverside.refresh_from_db()
    assert load_policy(riverside).department("sales").on_shift_only
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups:\n  - name: X\n    members: [nobody@example.com]\n")
    with pytest.raises(CommandError, match=re.escape('groups[0].members[0]: "nobody@example.com" does not work here')):
        call_command("distribution", "riverside-toyota", str(bad))
