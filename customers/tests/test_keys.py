"""The keys that make two records look like one person: what is the same mailbox, the same
phone, the same name and postcode, and what is not."""

from __future__ import annotations

import pytest

from customers.duplicates import phone_key
from customers.keys import email_key, name_postcode_key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Jordan@Example.com", "jordan@example.com"),  # capitals
        (" jordan@example.com ", "jordan@ example.com"),  # spaces
        ("jordan+cars@example.com", "jordan@example.com"),  # a +tag, on any domain
        ("jordan.sample@gmail.com", "jordansample@gmail.com"),  # Gmail ignores dots
        ("Jordan.Sample+leads@GoogleMail.com", "jordansample@gmail.com"),
    ],
)
def test_one_mailbox_written_two_ways_has_one_key(one, other):
    assert email_key(one) == email_key(other) != ""


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("jo.smith@yahoo.com", "josmith@yahoo.com"),  # dots matter outside Gmail
        ("jordan@example.com", "jordan@example.org"),
    ],
)
def test_different_mailboxes_keep_different_keys(one, other):
    assert email_key(one) != email_key(other)


def test_something_that_is_no_address_has_no_key():
    assert email_key("no address") == email_key("@example.com") == email_key("+tag@example.com") == ""


@pytest.mark.parametrize(
    "written", ["(512) 555-0142", "512.555.0142", "+1 512 555 0142", "1-512-555-0142", "5125550142"]
)
def test_one_phone_written_any_way_is_its_e164_number(written):
    assert phone_key(None, written, "US") == "+15125550142"


def test_a_stored_number_is_its_own_key_and_a_made_up_one_has_none():
    assert phone_key("+15125550142", "whatever was typed", "US") == "+15125550142"
    assert phone_key(None, "555-1234", "US") == ""


def test_name_and_postcode_ignore_case_accents_spacing_and_zip_plus_four():
    assert name_postcode_key("José", "de la Cruz", "78701-1234") == name_postcode_key("JOSE", "De La Cruz", "78701")
    assert name_postcode_key("Ann", "Lee", "SW1A 1AA") == name_postcode_key("ann", "lee", "sw1a1aa")


def test_name_and_postcode_need_all_three():
    assert name_postcode_key("Ann", "", "78701") == name_postcode_key("", "Lee", "78701") == ""
    assert name_postcode_key("Ann", "Lee", "") == ""
