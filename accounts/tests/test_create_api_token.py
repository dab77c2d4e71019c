from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import ApiToken, User, hash_token
from forecourt.testing import run_manage


def create_token(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_the_command_prints_a_token_that_is_stored_only_as_a_hash(carol):
    raw, note = create_token("Carol@Example.com", "--name", "Carol's scripts")
    token = ApiToken.objects.get()
    assert raw.startswith("fc_")
    assert token.token_hash == hash_token(raw)
    assert raw not in str(ApiToken.objects.values_list())
    assert (token.user, token.scope, token.name) == (carol, "full", "Carol's scripts")
    assert "cannot be shown again" in note


def test_an_intake_token_for_a_lead_provider(alice):
    create_token("alice@example.com", "--scope", "intake", "--name", "CarGurus")
    assert ApiToken.objects.get().scope == "intake"


def test_an_unknown_or_deactivated_user_gets_a_clear_error_and_no_token(carol):
    with pytest.raises(CommandError, match=re.escape("No user with the email nobody@example.com")):
        create_token("nobody@example.com")
    User.objects.filter(pk=carol.pk).update(is_active=False)
    with pytest.raises(CommandError, match=re.escape("carol@example.com is deactivated")):
        create_token("carol@example.com")
    assert not ApiToken.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_run_from_the_shell_an_error_exits_with_status_1_and_a_token_prints_alone(carol):
    failed = run_manage("create_api_token", "nobody@example.com")
    assert failed.returncode == 1
    assert "No user with the email nobody@example.com" in failed.stderr
    assert failed.stdout == ""

    done = run_manage("create_api_token", "carol@example.com", "--scope", "intake")
    assert done.returncode == 0
    raw = done.stdout.strip()
    assert ApiToken.objects.get(token_hash=hash_token(raw)).scope == "intake"
