from __future__ import annotations

from datetime import date

from accounts.actions import validate_membership

PATH = "users[0].memberships[1]"
GOOD = {
    "dealership": "riverside-toyota",
    "role": "salesperson",
    "departments": ["sales", "service"],
    "receives_leads": True,
    "can_be_assigned": True,
    "supervisor": "bob@example.com",
    "crm_id": "4711",
    "absent": {"from": date(2026, 12, 20), "until": date(2027, 1, 3)},
}
STAFF = {"riverside-toyota": {"bob@example.com", "carol@example.com"}, "lakeside-honda": {"erin@example.com"}}


def problems(**changes):
    return validate_membership({**GOOD, **changes}, path=PATH, dealerships=set(STAFF), staff=STAFF)


def test_a_complete_membership_like_the_provisioning_example_is_valid():
    assert problems() == []


def test_only_dealership_and_role_are_required():
    assert validate_membership({"dealership": "riverside-toyota", "role": "manager"}, path=PATH) == []
    assert validate_membership({}, path=PATH) == [f"{PATH}.dealership: is required", f"{PATH}.role: is required"]


def test_an_unknown_role_names_the_path_and_the_allowed_roles():
    assert problems(role="boss") == [f'{PATH}.role: "boss" is not one of admin, manager, salesperson']


def test_unknown_keys_are_refused():
    assert problems(colour="red") == [
        f"{PATH}.colour: unknown key; expected one of dealership, role, departments, receives_leads, "
        "can_be_assigned, supervisor, crm_id, absent, pool_alerts"
    ]


def test_departments_must_be_a_list_of_sales_and_service():
    assert problems(departments=["sales", "parts"]) == [f'{PATH}.departments[1]: "parts" is not one of sales, service']
    assert problems(departments="sales") == [f"{PATH}.departments: must be a list such as [sales, service]"]
    assert problems(departments=["sales", "sales"]) == [f'{PATH}.departments[1]: "sales" is listed twice']


def test_flags_must_be_true_or_false():
    assert problems(receives_leads="yes") == [f'{PATH}.receives_leads: "yes" is not true or false']


def test_an_absence_may_not_end_before_it_starts():
    assert problems(absent={"from": "2026-12-20", "until": "2026-12-01"}) == [
        f"{PATH}.absent.until: 2026-12-01 is before the first day of absence, 2026-12-20"
    ]


def test_an_absence_needs_a_first_day_and_real_dates_but_may_be_open_ended():
    assert problems(absent={"from": "2026-12-20"}) == []
    assert problems(absent={"until": "2026-12-20"}) == [f"{PATH}.absent.from: is required"]
    assert problems(absent={"from": "20/12/2026"}) == [f'{PATH}.absent.from: "20/12/2026" is not a date (YYYY-MM-DD)']
    assert problems(absent={"from": "2026-12-20", "to": "2026-12-24"}) == [
        f"{PATH}.absent.to: unknown key; expected one of from, until"
    ]


def test_the_supervisor_must_work_at_the_same_dealership():
    assert problems(supervisor="erin@example.com") == [
        f'{PATH}.supervisor: "erin@example.com" does not work at riverside-toyota'
    ]
    assert problems(supervisor="BOB@example.com") == []
    assert problems(supervisor=None) == []


def test_nobody_supervises_themselves():
    errors = validate_membership({**GOOD, "supervisor": "carol@example.com"}, path=PATH, email="carol@example.com")
    assert errors == [f"{PATH}.supervisor: nobody can be their own supervisor"]


def test_the_dealership_must_be_one_the_caller_allows():
    assert problems(dealership="hillside-ford") == [
        f'{PATH}.dealership: "hillside-ford" is not one of lakeside-honda, riverside-toyota'
    ]


def test_without_staff_the_supervisor_is_only_checked_to_be_an_email():
    assert validate_membership({**GOOD, "supervisor": "someone@example.com"}, path=PATH) == []
    assert validate_membership({**GOOD, "supervisor": 42}, path=PATH) == [
        f"{PATH}.supervisor: 42 is not an email address"
    ]


def test_a_numeric_crm_id_is_accepted_as_text():
    assert problems(crm_id=4711) == []
    assert problems(crm_id=True) == [f"{PATH}.crm_id: true is not text"]


def test_something_that_is_not_a_mapping_is_refused_whole():
    assert validate_membership(["admin"], path=PATH) == [
        f"{PATH}: must be a mapping with dealership, role, departments, …"
    ]
