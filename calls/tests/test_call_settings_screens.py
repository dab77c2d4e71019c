"""Call settings on the screens: my phone to ring first and call forwarding (every user, their
own), and recordings on the dealership settings screen (its admins)."""

from __future__ import annotations

import re

import pytest

from dealerships.models import DealershipChange
from dealerships.tests.test_settings_screen import URL, current_form_data

pytestmark = pytest.mark.django_db

MINE = "/calls/settings/"


def test_carol_sets_a_desk_phone_with_an_extension_and_turns_forwarding_off(client_for, carol):
    answer = client_for(carol).post(MINE, {"outbound_phone": "(512) 555-0002,,,42"}, follow=True)

    carol.refresh_from_db()
    assert (carol.outbound_phone, carol.forward_calls) == ("+15125550002,,,42", False)
    assert "Saved: phone to ring first, calls from my customers ring my mobile." in answer.content.decode()


def test_a_phone_that_cannot_be_dialled_is_refused_and_nothing_changes(client_for, carol):
    answer = client_for(carol).post(MINE, {"outbound_phone": "+15125550002,ext 42", "forward_calls": "on"})

    assert answer.status_code == 400
    assert "After the number, write only commas" in answer.content.decode()
    carol.refresh_from_db()
    assert (carol.outbound_phone, carol.forward_calls) == ("", True)


def test_the_screen_says_when_there_is_no_phone_to_ring(client_for, carol):
    page = client_for(carol).get(MINE).content.decode()
    assert "You have no mobile number on your account" in page
    assert re.search(r'<input type="checkbox" name="forward_calls"[^>]* checked', page)  # on by default


def test_an_admin_turns_recordings_on_for_the_dealership(client_for, alice, riverside):
    data = current_form_data(riverside) | {"calls_recordings": "on"}

    answer = client_for(alice).post(URL, data, follow=True)

    assert "Saved: Record calls (both sides hear it announced first)." in answer.content.decode()
    riverside.refresh_from_db()
    assert riverside.call_recordings is True
    change = DealershipChange.objects.get()
    assert change.changes == [{"path": "calls.recordings", "old": False, "new": True}]


def test_recordings_are_off_unless_turned_on(client_for, alice, riverside):
    client_for(alice).post(URL, current_form_data(riverside))
    riverside.refresh_from_db()
    assert riverside.call_recordings is False


def test_an_extension_written_as_ext_is_refused_rather_than_dropped(client_for, carol):
    """ "+15125550002 ext 42" reads as a number with an extension: kept as the number alone, the
    call would ring the switchboard and never reach Carol's desk."""
    answer = client_for(carol).post(MINE, {"outbound_phone": "+15125550002 ext 42", "forward_calls": "on"})

    assert answer.status_code == 400
    assert "Write the extension after commas, a one-second pause each, not as “ext”" in answer.content.decode()
    carol.refresh_from_db()
    assert carol.outbound_phone == ""
