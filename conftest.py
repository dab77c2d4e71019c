"""Personas shared by every test.

Riverside Toyota (Austin) and Lakeside Honda (Denver) belong to one group; Hillside Ford
belongs to another organisation entirely.
- Alice is Riverside's admin; Bob its sales manager; Carol and Dave sell there.
- Erin administers Lakeside only; Frank sells at Hillside, another organisation.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from hypothesis import settings as hypothesis_settings

from accounts.models import Membership, User
from dealerships.models import Dealership, Organization
from forecourt.lib import loopback_only
from intake.door import take_in_lead
from leads import actions as lead_actions
from leads.models import Lead

# No property here is about speed, and a loaded machine (CI runs the suite on both databases at
# once, one of them under coverage) can stall one example past hypothesis's 200 ms deadline.
hypothesis_settings.register_profile("forecourt", deadline=None)
hypothesis_settings.load_profile("forecourt")

PASSWORD = "correct horse battery staple"
WEEKDAYS = {day: ["09:00-19:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def make_dealership(org: Organization, slug: str, name: str, tz: str, **extra: Any) -> Dealership:
    return Dealership.objects.create(
        organization=org,
        slug=slug,
        name=name,
        timezone=tz,
        country="US",
        intake_address=slug,
        hours={**WEEKDAYS, "sat": ["09:00-12:30", "13:30-17:00"], "sun": []},
        **extra,
    )


def make_user(email: str, name: str, dealership: Dealership, role: str, **membership: Any) -> User:
    user = User.objects.create_user(email, PASSWORD, name=name)
    Membership.objects.create(
        user=user, dealership=dealership, role=role, departments=membership.pop("departments", ["sales"]), **membership
    )
    return user


def pytest_configure(config: pytest.Config) -> None:
    """No test reaches beyond loopback: this process is guarded, and so is every process a test
    starts (servers, workers, `make run`), through the variable settings.py reads."""
    os.environ["FORECOURT_LOOPBACK_ONLY"] = "1"
    loopback_only.install()
    _empty_postgresql_tables_by_deleting()
    _keep_what_migrate_made_when_emptying()


def _empty_postgresql_tables_by_deleting() -> None:
    """A test that commits (servers, workers, browsers) ends with every table emptied. PostgreSQL's
    TRUNCATE makes each of the ~90 tables anew on disk, about 0.4 s a test; deleting the few rows a
    test leaves takes 20 ms. The foreign keys Django makes on PostgreSQL are deferred to the commit,
    so the tables may be emptied in any order. A flush that resets the sequences still truncates."""
    from collections.abc import Sequence

    from django.core.management.color import Style
    from django.db.backends.base.operations import BaseDatabaseOperations
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: BaseDatabaseOperations,
        style: Style,
        tables: Sequence[str],
        *,
        reset_sequences: bool = False,
        allow_cascade: bool = False,
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        deletes = [f"DELETE FROM {self.quote_name(table)};" for table in tables]  # noqa: S608 - Django's table names
        return ["SET CONSTRAINTS ALL DEFERRED;", *deletes]

    DatabaseOperations.sql_flush = sql_flush  # type: ignore[method-assign]


KEPT_WHEN_EMPTYING = frozenset({"django_content_type", "auth_permission"})


def _keep_what_migrate_made_when_emptying() -> None:
    """After emptying the tables, Django's flush runs every app's post-migrate step again to make
    anew the content types and permissions it emptied with the rest: 0.11 s a test on PostgreSQL,
    0.05 s on SQLite, for rows no test changes. Those two tables are left as migrate made them,
    so there is nothing to make anew."""
    from django.core.management.color import Style
    from django.core.management.commands import flush
    from django.db.backends.base.base import BaseDatabaseWrapper

    def sql_flush(
        style: Style, connection: BaseDatabaseWrapper, reset_sequences: bool = True, allow_cascade: bool = False
    ) -> list[str]:
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        emptied = [table for table in tables if table not in KEPT_WHEN_EMPTYING]
        return connection.ops.sql_flush(style, emptied, reset_sequences=reset_sequences, allow_cascade=allow_cascade)

    def remake_nothing(*args: Any, **kwargs: Any) -> None:
        pass

    flush.sql_flush = sql_flush  # type: ignore[attr-defined]
    flush.emit_post_migrate_signal = remake_nothing  # type: ignore[attr-defined]


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 moment") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} needs its offset from UTC, e.g. {text}+00:00")
    return moment


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--clock-at",
        type=_moment,
        metavar="MOMENT",
        help="run each test with its clock starting at MOMENT (ISO 8601 with an offset, e.g. "
        "2026-12-25T17:00+00:00), to find tests that pass or fail by the day or hour they run",
    )


@pytest.fixture(autouse=True)
def _clock_at(request: pytest.FixtureRequest) -> Iterator[None]:
    """`--clock-at` moves this process's clock; a process a test starts keeps the real one, so
    browser tests and tests marked `real_clock` (their worker compares times with the test's) run
    on it too."""
    moment = request.config.getoption("--clock-at")
    if moment is None or request.node.get_closest_marker("browser") or request.node.get_closest_marker("real_clock"):
        yield
        return
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any, request: pytest.FixtureRequest) -> None:
    """Argon2 is slow on purpose and tests log in hundreds of times. A test that requests
    `real_hasher` (login tests, and browser tests whose server runs the real settings) keeps it."""
    if "real_hasher" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def real_hasher() -> None:
    """Request this fixture to keep the production password hashers in a test."""


@pytest.fixture
def group(db: None) -> Organization:
    return Organization.objects.create(name="River Auto Group")


@pytest.fixture
def riverside(group: Organization) -> Dealership:
    return make_dealership(group, "riverside-toyota", "Riverside Toyota", "America/Chicago", subdivision="TX")


@pytest.fixture
def lakeside(group: Organization) -> Dealership:
    return make_dealership(group, "lakeside-honda", "Lakeside Honda", "America/Denver", subdivision="CO")


@pytest.fixture
def hillside(db: None) -> Dealership:
    other = Organization.objects.create(name="Hill Motors")
    return make_dealership(other, "hillside-ford", "Hillside Ford", "America/New_York", subdivision="NY")


@pytest.fixture
def alice(riverside: Dealership) -> User:
    return make_user("alice@example.com", "Alice Admin", riverside, Membership.Role.ADMIN)


@pytest.fixture
def bob(riverside: Dealership) -> User:
    return make_user("bob@example.com", "Bob Manager", riverside, Membership.Role.MANAGER)


@pytest.fixture
def carol(riverside: Dealership, bob: User) -> User:
    return make_user("carol@example.com", "Carol Seller", riverside, Membership.Role.SALESPERSON, supervisor=bob)


@pytest.fixture
def dave(riverside: Dealership, bob: User) -> User:
    return make_user("dave@example.com", "Dave Seller", riverside, Membership.Role.SALESPERSON, supervisor=bob)


@pytest.fixture
def erin(lakeside: Dealership) -> User:
    return make_user("erin@example.com", "Erin Admin", lakeside, Membership.Role.ADMIN)


@pytest.fixture
def frank(hillside: Dealership) -> User:
    return make_user("frank@example.com", "Frank Seller", hillside, Membership.Role.SALESPERSON)


def make_lead(dealership: Dealership, *, assigned_to: User | None = None, bulk: bool = False, **fields: Any) -> Lead:
    """A lead through the door every new lead takes; with `bulk`, only stored, as an import stores
    past leads (no distribution, clock, follow-ups or alerts)."""
    customer = fields.pop(
        "customer",
        {
            "first_name": "Jordan",
            "last_name": "Sample",
            "emails": ["jordan@example.com"],
            "phones": [{"number": "(512) 555-0100", "type": "cellphone"}],
        },
    )
    store = lead_actions.create_lead if bulk else take_in_lead
    return store(
        dealership=dealership,
        customer=customer,
        source_name=fields.pop("source_name", "CarGurus"),
        actor=None,
        assigned_to=assigned_to,
        **fields,
    )


@pytest.fixture
def carols_lead(riverside: Dealership, carol: User) -> Lead:
    return make_lead(
        riverside,
        assigned_to=carol,
        vehicles=[{"year": 2016, "make": "RAM", "model": "2500", "vin": "3C6UR5ML5GG359865", "stock": "D9760"}],
    )


@pytest.fixture
def client_for(db: None) -> Any:
    def login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login
