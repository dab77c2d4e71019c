"""The Intake screen: admins see their dealerships' inbound mail, its raw text, and source rules."""

from __future__ import annotations

from django.db import connection
from django.utils.html import escape

from intake.actions import process_held, settings_for, store_inbound
from intake.models import InboundEmail, IntakeSettings, SourceRule
from intake.tests.conftest import adf, lead_email
from leads.models import Lead


def arrived(dealership, raw: bytes) -> InboundEmail:
    inbound = store_inbound(dealership=dealership, raw=raw, channel=InboundEmail.Channel.SMTP, hold=True)
    process_held(inbound)
    inbound.refresh_from_db()
    return inbound


def test_an_admin_sees_the_mail_that_made_no_lead_with_the_reason(riverside, alice, client_for):
    inbound = arrived(riverside, lead_email(how="none", subject="Question about a Camry"))

    page = client_for(alice).get("/intake/?status=no_lead").content.decode()

    assert "Question about a Camry" in page
    assert "No lead found" in page
    assert "ADF" in inbound.reason
    assert escape(inbound.reason[:100]) in page


def test_salespeople_cannot_open_the_intake_screen(riverside, carol, client_for):
    assert client_for(carol).get("/intake/").status_code == 403


def test_an_admin_of_another_dealership_cannot_see_this_ones_mail(riverside, erin, client_for):
    inbound = arrived(riverside, lead_email(how="none", subject="Riverside only"))

    client = client_for(erin)
    assert "Riverside only" not in client.get("/intake/").content.decode()
    assert client.get(f"/intake/{inbound.pk}/").status_code == 404
    assert client.get(f"/intake/{inbound.pk}/raw/").status_code == 404
    assert client.post(f"/intake/{inbound.pk}/retry/").status_code == 404


def test_the_raw_message_is_shown_as_plain_text_never_as_html(riverside, alice, client_for):
    raw = lead_email(how="html")
    inbound = arrived(riverside, raw)

    response = client_for(alice).get(f"/intake/{inbound.pk}/raw/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == raw


def test_the_detail_page_links_the_lead_and_offers_retry_only_when_it_made_none(riverside, alice, client_for):
    good = arrived(riverside, lead_email())
    bad = arrived(riverside, lead_email(how="none"))
    client = client_for(alice)

    good_page = client.get(f"/intake/{good.pk}/").content.decode()
    bad_page = client.get(f"/intake/{bad.pk}/").content.decode()

    assert f"/leads/{Lead.objects.get().pk}/" in good_page
    assert "Retry" not in good_page
    assert "Retry" in bad_page


def test_an_admin_adds_a_source_rule_and_mail_from_that_sender_gets_that_source(riverside, alice, client_for):
    response = client_for(alice).post(
        "/intake/rules/",
        {
            "scope": f"d:{riverside.pk}",
            "field": "from",
            "match": "contains",
            "pattern": "@webleads.example",
            "source_name": "Dealer website",
            "source_kind": "website",
            "position": 10,
        },
    )
    assert response.status_code == 302

    document = adf(provider="", lead_id="W-1001")
    arrived(riverside, lead_email(document=document, sender="Website <form@webleads.example>"))

    lead = Lead.objects.get()
    assert (lead.source_name, lead.source_kind) == ("Dealer website", "website")


def test_a_bad_regular_expression_is_refused_with_a_clear_message(riverside, alice, client_for):
    response = client_for(alice).post(
        "/intake/rules/",
        {
            "scope": f"d:{riverside.pk}",
            "field": "subject",
            "match": "regex",
            "pattern": "([a-z",
            "source_name": "X",
            "source_kind": "third_party",
            "position": 1,
        },
    )

    assert response.status_code == 200
    assert "Not a valid regular expression" in response.content.decode()
    assert not SourceRule.objects.filter(source_name="X").exists()


def test_mail_from_a_known_site_without_a_provider_name_gets_its_source_from_the_built_in_rules(riverside):
    arrived(riverside, lead_email(document=adf(provider="", lead_id=None), sender="TrueCar <leads@truecar.com>"))

    assert Lead.objects.get().source_name == "TrueCar"


def test_mail_from_an_unknown_sender_still_makes_a_lead(riverside):
    arrived(riverside, lead_email(document=adf(provider="", lead_id=None), sender="someone@example.org"))

    assert Lead.objects.get().source_name == "Unknown sender"


def test_the_mailbox_password_is_saved_but_never_shown_again(riverside, alice, client_for, settings):
    settings.MAILBOX_ALLOW_PRIVATE = True  # a mail server on the dealership's own network; nothing is looked up
    client = client_for(alice)
    response = client.post(
        "/intake/settings/riverside-toyota/",
        {
            "report_email": "bdc@riverside.example, gm@riverside.example",
            "crm_email": "",
            "imap_host": "192.168.10.25",
            "imap_port": 993,
            "imap_user": "leads",
            "imap_password": "s3cret-mailbox",
            "imap_folder": "INBOX",
            "imap_ssl": "on",
            "imap_poll_seconds": 60,
        },
    )
    assert response.status_code == 302

    config = IntakeSettings.objects.get(dealership=riverside)
    assert config.imap_password == "s3cret-mailbox"
    assert config.report_addresses == ["bdc@riverside.example", "gm@riverside.example"]
    assert "s3cret-mailbox" not in client.get("/intake/settings/riverside-toyota/").content.decode()
    assert "s3cret-mailbox" not in stored_password(config)  # a stolen backup does not give it away


def stored_password(config: IntakeSettings) -> str:
    """The column as the database holds it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password FROM intake_intakesettings WHERE id = %s", [config.pk])
        return str(cursor.fetchone()[0])


def test_a_mailbox_password_outlives_a_new_secret_key_listed_with_the_old_one_as_fallback(riverside, settings):
    config = settings_for(riverside)
    config.imap_password = "s3cret-mailbox"
    config.save()
    old_key = settings.SECRET_KEY

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-secret-key-" + "x" * 40, [old_key]
    assert IntakeSettings.objects.get(pk=config.pk).imap_password == "s3cret-mailbox"

    settings.SECRET_KEY_FALLBACKS = []  # the old key forgotten: asked for again, never garbage
    assert IntakeSettings.objects.get(pk=config.pk).imap_password == ""


def test_a_password_stored_in_plain_text_before_sealing_is_read_and_sealed_when_saved(riverside):
    config = settings_for(riverside)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE intake_intakesettings SET imap_password = %s WHERE id = %s", ["old-plain", config.pk])

    config = IntakeSettings.objects.get(pk=config.pk)
    assert config.imap_password == "old-plain"
    config.save()
    assert "old-plain" not in stored_password(config)
    assert IntakeSettings.objects.get(pk=config.pk).imap_password == "old-plain"


def test_mail_that_made_no_lead_is_reported_to_the_configured_address(riverside, alice):
    config = settings_for(riverside)
    config.report_email = "bdc@riverside.example"
    config.save()

    arrived(riverside, lead_email(how="none"))

    from notifications.models import OutboundEmail

    assert OutboundEmail.objects.get(purpose="intake_report").to == ["bdc@riverside.example"]
