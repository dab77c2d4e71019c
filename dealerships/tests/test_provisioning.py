"""`manage.py provision`: the CONTRACT §3 file, idempotence, refusals with paths, export."""

from __future__ import annotations

import copy
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, User
from dealerships import provisioning
from dealerships.models import Dealership, DealershipChange, Organization
from forecourt.testing import run_manage
from notifications.models import OutboundEmail

EXAMPLE = """\
organization: Example Auto Group
dealerships:
  - slug: riverside-toyota          # [a-z0-9-]
    name: Riverside Toyota
    timezone: America/Chicago
    country: US
    subdivision: TX
    public_holidays: true
    days_off: [2026-12-24]
    hours:
      mon: ["09:00-19:00"]
      tue: ["09:00-19:00"]
      wed: ["09:00-19:00"]
      thu: ["09:00-19:00"]
      fri: ["09:00-19:00"]
      sat: ["09:00-12:30", "13:30-17:00"]
      sun: []
    phones: {leads: "+15125550100", main: "+15125550111", calls_forwarding: "+15125550122"}
    email: {intake: riverside, from_name: Riverside Toyota, send_emails: true}
    after_hours_sms: "Thanks for texting Riverside Toyota! We're closed and will reply when we open."
    escalation:
      stage1_minutes: 30
      reminder_minutes: 10
      stage2_minutes: 60
      resubmission_stage2_minutes: 120
    distribution:
      sales:   {method: round_robin, fallback: alice@example.com, existing_customers: assigned_user}
      service: {method: first_available}
    links: {credit_application: "https://riverside.example.com/credit", service_appointment: "https://riverside.example.com/service", trade_in_value: "https://riverside.example.com/trade"}
users:
  - email: alice@example.com
    name: Alice Admin
    mobile: "+15125550001"
    password: "correct horse battery staple"
    memberships:
      - dealership: riverside-toyota
        role: admin
        departments: [sales, service]
        receives_leads: true
        can_be_assigned: true
        supervisor: bob@example.com
        crm_id: "4711"
        absent: {from: 2026-12-20, until: 2027-01-03}
  - email: bob@example.com
    name: Bob Manager
    memberships:
      - {dealership: riverside-toyota, role: manager, departments: [sales]}
"""


def example() -> dict[str, Any]:
    return provisioning.load_yaml(EXAMPLE)


def provision(tmp_path: Any, document: dict[str, Any] | str) -> list[str]:
    """Run the command on a file; its output lines (CommandError propagates)."""
    path = tmp_path / "forecourt.yaml"
    path.write_text(document if isinstance(document, str) else provisioning.yaml.safe_dump(document))
    out = StringIO()
    call_command("provision", str(path), stdout=out, stderr=StringIO())
    return out.getvalue().splitlines()


def refused(tmp_path: Any, document: dict[str, Any] | str) -> list[str]:
    path = tmp_path / "forecourt.yaml"
    path.write_text(document if isinstance(document, str) else provisioning.yaml.safe_dump(document))
    err = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("provision", str(path), stdout=StringIO(), stderr=err)
    assert raised.value.returncode == 1
    assert "nothing was changed" in str(raised.value)
    return err.getvalue().splitlines()


def snapshot() -> list[Any]:
    """Everything provisioning could change, to prove that a refused file changed nothing."""
    return [
        list(Organization.objects.values().order_by("pk")),
        list(Dealership.objects.values().order_by("pk")),
        list(User.objects.values().order_by("pk")),
        list(Membership.objects.values().order_by("pk")),
        OutboundEmail.objects.count(),
        DealershipChange.objects.count(),
    ]


@pytest.mark.django_db
def test_the_contract_example_file_provisions_organization_dealership_and_users(tmp_path):
    lines = provision(tmp_path, EXAMPLE)

    assert lines == [
        "created organization Example Auto Group",
        "created dealership riverside-toyota",
        "created user alice@example.com",
        "created user bob@example.com",
        "queued password setup email to bob@example.com",
        "created membership alice@example.com @ riverside-toyota",
        "created membership bob@example.com @ riverside-toyota",
    ]
    riverside = Dealership.objects.get(slug="riverside-toyota")
    assert riverside.organization.name == "Example Auto Group"
    assert riverside.hours["sat"] == ["09:00-12:30", "13:30-17:00"]
    assert riverside.hours["sun"] == []
    assert riverside.days_off == ["2026-12-24"]
    assert (riverside.leads_phone, riverside.main_phone) == ("+15125550100", "+15125550111")
    assert riverside.intake_address == "riverside"
    assert riverside.escalation["stage1_minutes"] == 30
    assert riverside.distribution["sales"] == {
        "method": "round_robin",
        "fallback": "alice@example.com",
        "existing_customers": "assigned_user",
    }
    assert riverside.links["trade_in_value"] == "https://riverside.example.com/trade"
    alice = Membership.objects.get(user__email="alice@example.com")
    assert alice.role == "admin"
    assert alice.supervisor is not None
    assert alice.supervisor.email == "bob@example.com"
    assert alice.crm_id == "4711"
    assert str(alice.absent_from) == "2026-12-20"
    assert str(alice.absent_until) == "2027-01-03"
    assert riverside.calendar().holiday_name(__import__("datetime").date(2026, 7, 3)) is not None


@pytest.mark.django_db
def test_running_the_same_file_twice_changes_nothing_the_second_time_and_says_so(tmp_path):
    provision(tmp_path, EXAMPLE)
    before = snapshot()

    lines = provision(tmp_path, EXAMPLE)

    assert lines == ["no changes: everything is already as the file says"]
    assert snapshot() == before


@pytest.mark.django_db
def test_changes_are_reported_by_the_path_of_each_setting(tmp_path):
    provision(tmp_path, EXAMPLE)
    document = example()
    document["dealerships"][0]["hours"]["sat"] = ["09:00-13:00"]
    document["dealerships"][0]["escalation"]["stage1_minutes"] = 20
    document["users"][1]["memberships"][0]["role"] = "admin"
    document["users"][1]["name"] = "Bob Boss"

    lines = provision(tmp_path, document)

    assert lines == [
        "updated dealership riverside-toyota: hours.sat, escalation.stage1_minutes",
        "updated user bob@example.com: name",
        "updated membership bob@example.com @ riverside-toyota: role",
    ]
    assert Dealership.objects.get().hours["sat"] == ["09:00-13:00"]
    assert Membership.objects.get(user__email="bob@example.com").role == "admin"
    change = DealershipChange.objects.filter(source="provision").first()
    assert change is not None
    assert change.changes[0] == {"path": "hours.sat", "old": ["09:00-12:30", "13:30-17:00"], "new": ["09:00-13:00"]}


@pytest.mark.django_db
def test_keys_left_out_keep_their_current_values(tmp_path):
    provision(tmp_path, EXAMPLE)

    lines = provision(
        tmp_path,
        "organization: Example Auto Group\ndealerships: [{slug: riverside-toyota, after_hours_sms: Closed!}]\n",
    )

    assert lines == ["updated dealership riverside-toyota: after_hours_sms"]
    riverside = Dealership.objects.get()
    assert riverside.after_hours_sms == "Closed!"
    assert riverside.hours["sat"] == ["09:00-12:30", "13:30-17:00"]
    assert riverside.leads_phone == "+15125550100"


def _set(path: str, value: Any) -> Any:
    """A change to the example document: `path` like "dealerships.0.hours.sat" gets `value`."""

    def change(document: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
        target: Any = document
        for key in parents:
            target = target[key]
        target[last] = value

    return change


BAD_VALUES = [
    ("dealerships.0.hourz", {}, "dealerships[0].hourz: unknown key"),
    ("dealerships.0.slug", "Riverside_Toyota", 'dealerships[0].slug: "Riverside_Toyota" is not a slug'),
    ("dealerships.0.timezone", "America/Atlantis", 'dealerships[0].timezone: unknown time zone "America/Atlantis"'),
    ("dealerships.0.country", "XX", 'dealerships[0].country: unknown country "XX"'),
    ("dealerships.0.subdivision", "ZZ", 'dealerships[0].subdivision: unknown subdivision "ZZ" of US'),
    (
        "dealerships.0.hours.sat",
        ["09:00-12:30", "13:30-12:00"],
        'dealerships[0].hours.sat[1]: "13:30-12:00" ends before it starts',
    ),
    ("dealerships.0.hours.mon", ["09:00-13:00", "12:00-17:00"], 'dealerships[0].hours.mon[1]: "12:00-17:00" overlaps'),
    ("dealerships.0.hours.tue", ["9 to 5"], 'dealerships[0].hours.tue[0]: "9 to 5" is not an interval'),
    ("dealerships.0.days_off", ["2026-12-24", "2026-02-30"], 'dealerships[0].days_off[1]: "2026-02-30" is not a date'),
    ("dealerships.0.phones.leads", "555-12", 'dealerships[0].phones.leads: "555-12" is not a phone number'),
    ("dealerships.0.escalation.stage1_minutes", 0, "dealerships[0].escalation.stage1_minutes: 0 is not a positive"),
    ("dealerships.0.escalation.stage2_minutes", -5, "dealerships[0].escalation.stage2_minutes: -5 is not a positive"),
    (
        "dealerships.0.distribution.sales.method",
        "lottery",
        'dealerships[0].distribution.sales.method: "lottery" is not one of first_available | round_robin',
    ),
    (
        "dealerships.0.distribution.sales.existing_customers",
        "whoever",
        'dealerships[0].distribution.sales.existing_customers: "whoever" is not one of assigned_user | distribute',
    ),
    (
        "dealerships.0.distribution.sales.fallback",
        "nobody@example.com",
        'dealerships[0].distribution.sales.fallback: "nobody@example.com" is not a user in this file or in Forecourt',
    ),
    (
        "dealerships.0.links.credit_application",
        "javascript:alert(1)",
        'dealerships[0].links.credit_application: "javascript:alert(1)" is not an http(s) URL',
    ),
    ("dealerships.0.email.send_emails", "yes", 'dealerships[0].email.send_emails: expected true or false, not "yes"'),
    ("users.0.email", "alice-at-example.com", 'users[0].email: "alice-at-example.com" is not an email address'),
    ("users.1.email", "ALICE@example.com", 'users[1].email: "alice@example.com" is already users[0]'),
    (
        "users.0.memberships.0.dealership",
        "nowhere-motors",
        'users[0].memberships[0].dealership: "nowhere-motors" is not a dealership in this file or in Forecourt',
    ),
    ("users.0.memberships.0.role", "boss", 'users[0].memberships[0].role: "boss" is not one of admin'),
    ("users.0.memberships.0.departments", ["parts"], 'users[0].memberships[0].departments[0]: "parts" is not one of'),
    (
        "users.0.memberships.0.supervisor",
        "ghost@example.com",
        'users[0].memberships[0].supervisor: "ghost@example.com" is not a user in this file or in Forecourt',
    ),
    (
        "users.0.memberships.0.absent",
        {"from": "2026-12-20", "until": "2026-12-01"},
        "users[0].memberships[0].absent.until:",
    ),
    ("users.0.mobile", "call me", 'users[0].mobile: "call me" is not a phone number'),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "value", "error"), BAD_VALUES, ids=[case[0] + "=" + str(case[1]) for case in BAD_VALUES]
)
def test_a_bad_value_is_refused_with_its_path_and_nothing_changes(tmp_path, path, value, error):
    provision(tmp_path, EXAMPLE)
    before = snapshot()
    document = copy.deepcopy(example())
    document["dealerships"][0]["name"] = "Renamed, but refused with the rest"
    _set(path, value)(document)

    errors = refused(tmp_path, document)

    assert any(line.startswith(error) for line in errors), errors
    assert snapshot() == before


@pytest.mark.django_db
def test_a_new_file_with_errors_creates_nothing_and_lists_every_error(tmp_path):
    document = example()
    document["dealerships"][0]["hourz"] = {}
    document["dealerships"][0]["hours"]["sat"] = ["13:30-12:00"]
    document["users"][0]["memberships"][0]["role"] = "boss"

    errors = refused(tmp_path, document)

    assert errors == [
        'dealerships[0].hourz: unknown key (did you mean "hours"?)',
        'dealerships[0].hours.sat[0]: "13:30-12:00" ends before it starts',
        'users[0].memberships[0].role: "boss" is not one of admin, manager, salesperson',
    ]
    assert not Organization.objects.exists()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_an_intake_address_of_another_dealership_is_refused(tmp_path, lakeside):
    document = example()
    document["dealerships"][0]["email"]["intake"] = "lakeside-honda"

    errors = refused(tmp_path, document)

    assert 'dealerships[0].email.intake: "lakeside-honda" is already the intake address of lakeside-honda' in errors


@pytest.mark.django_db
def test_a_dealership_of_another_organization_is_refused(tmp_path, hillside):
    document = example()
    document["dealerships"][0]["slug"] = "hillside-ford"

    errors = refused(tmp_path, document)

    assert 'dealerships[0].slug: "hillside-ford" belongs to another organization ("Hill Motors")' in errors


@pytest.mark.django_db
def test_fallback_and_supervisor_may_be_users_already_in_forecourt(tmp_path, riverside, alice, bob):
    document = example()
    document["organization"] = "River Auto Group"
    document["users"] = []

    lines = provision(tmp_path, document)

    assert lines[0].startswith("updated dealership riverside-toyota: ")


@pytest.mark.django_db
def test_a_key_written_twice_or_broken_yaml_is_refused(tmp_path):
    errors_twice = StringIO()
    path = tmp_path / "twice.yaml"
    path.write_text("organization: A\norganization: B\n")
    with pytest.raises(CommandError, match='line 2, column 1: the key "organization" is written twice'):
        call_command("provision", str(path), stdout=StringIO(), stderr=errors_twice)
    path.write_text("organization: [unclosed\n")
    with pytest.raises(CommandError, match="not valid YAML"):
        call_command("provision", str(path), stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_local_phone_numbers_are_read_in_the_dealerships_country(tmp_path):
    document = example()
    document["dealerships"][0]["phones"] = {"leads": "(512) 555-0100", "main": "512.555.0111", "calls_forwarding": ""}
    document["users"][1]["mobile"] = "512-555-0002"

    provision(tmp_path, document)

    riverside = Dealership.objects.get()
    assert (riverside.leads_phone, riverside.main_phone, riverside.calls_forwarding_phone) == (
        "+15125550100",
        "+15125550111",
        "",
    )
    assert User.objects.get(email="bob@example.com").mobile == "+15125550002"


@pytest.mark.django_db
def test_passwords_are_stored_hashed_with_argon2_and_never_exported(tmp_path, real_hasher):
    provision(tmp_path, EXAMPLE)

    alice = User.objects.get(email="alice@example.com")
    assert alice.password.startswith("argon2")
    assert alice.check_password("correct horse battery staple")
    exported = provisioning.export_yaml("riverside-toyota")
    assert "password" not in exported
    assert "argon2" not in exported


@pytest.mark.django_db
def test_a_user_without_a_password_is_emailed_a_link_to_choose_one(tmp_path):
    provision(tmp_path, EXAMPLE)

    email = OutboundEmail.objects.get(to=["bob@example.com"])
    assert email.purpose == "password_setup"
    assert not User.objects.get(email="bob@example.com").has_usable_password()
    assert not OutboundEmail.objects.filter(to=["alice@example.com"]).exists()


@pytest.mark.django_db
def test_export_writes_yaml_that_provision_takes_back_unchanged(tmp_path, riverside, alice, bob, carol, lakeside, erin):
    out = StringIO()
    call_command("provision", "--export", "riverside-toyota", stdout=out)
    exported = out.getvalue()
    before = snapshot()

    lines = provision(tmp_path, exported)

    assert lines == ["no changes: everything is already as the file says"]
    assert snapshot() == before
    document = provisioning.load_yaml(exported)
    assert document["organization"] == "River Auto Group"
    assert [d["slug"] for d in document["dealerships"]] == ["riverside-toyota"]
    assert [u["email"] for u in document["users"]] == ["alice@example.com", "bob@example.com", "carol@example.com"]
    assert document["users"][2]["memberships"] == [
        {
            "dealership": "riverside-toyota",
            "role": "salesperson",
            "departments": ["sales"],
            "receives_leads": True,
            "can_be_assigned": True,
            "supervisor": "bob@example.com",
            "crm_id": "",
            "absent": None,
            "pool_alerts": False,
        }
    ]


@pytest.mark.django_db
def test_an_exported_file_recreates_the_dealership_in_an_empty_database(tmp_path):
    provision(tmp_path, EXAMPLE)
    exported = provisioning.export(slug="riverside-toyota")
    Membership.objects.all().delete()
    User.objects.all().delete()
    DealershipChange.objects.all().delete()
    Dealership.objects.all().delete()
    Organization.objects.all().delete()

    provision(tmp_path, provisioning.yaml.safe_dump(exported))

    assert provisioning.export(slug="riverside-toyota") == exported


@pytest.mark.django_db
def test_export_of_an_unknown_dealership_is_an_error():
    with pytest.raises(CommandError, match='no dealership with the slug "nowhere"'):
        call_command("provision", "--export", "nowhere", stdout=StringIO())


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_command_exits_1_and_prints_every_error_for_a_bad_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(EXAMPLE.replace('sat: ["09:00-12:30", "13:30-17:00"]', 'sat: ["09:00-12:30", "13:30-12:00"]'))

    result = run_manage("provision", str(path))

    assert result.returncode == 1
    assert 'dealerships[0].hours.sat[1]: "13:30-12:00" ends before it starts' in result.stderr
    assert not Dealership.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("text", ["", "- just\n- a list\n"])
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path, text):
    assert refused(tmp_path, text)[0].startswith(
        "document: expected a mapping with organization, dealerships and users"
    )


@pytest.mark.django_db
def test_a_dry_run_says_what_would_change_and_changes_nothing(tmp_path):
    path = tmp_path / "forecourt.yaml"
    path.write_text(EXAMPLE)
    out = StringIO()

    call_command("provision", str(path), "--dry-run", stdout=out, stderr=StringIO())

    assert "would have created dealership riverside-toyota" in out.getvalue()
    assert not Organization.objects.exists()
    assert not OutboundEmail.objects.exists()
