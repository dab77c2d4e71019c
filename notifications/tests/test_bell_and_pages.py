"""The bell with its unread count, the notifications page and the preferences page."""

from __future__ import annotations

from notifications.actions import notify, preferences_for
from notifications.models import Kind, Notification


def test_bell_shows_the_unread_count(carol, carols_quiet_lead, client_for):
    client = client_for(carol)
    assert 'class="bell-count"' not in client.get("/notifications/bell/").content.decode()
    notify(user=carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue: Jordan Sample")
    notify(user=carol, kind=Kind.REMINDER, lead=carols_quiet_lead, text="Reminder: Jordan Sample")
    html = client.get("/notifications/bell/").content.decode()
    assert 'data-unread="2"' in html
    assert "Notifications: 2 unread" in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_lead(carol, carols_quiet_lead, client_for):
    n = notify(user=carol, kind=Kind.ESCALATION, lead=carols_quiet_lead, text="Overdue: Jordan Sample")
    assert n is not None
    client = client_for(carol)
    page = client.get("/notifications/")
    assert "Overdue: Jordan Sample" in page.content.decode()
    answer = client.post(f"/notifications/{n.pk}/open/")
    assert answer.status_code == 302
    assert answer["Location"] == f"/leads/{carols_quiet_lead.pk}/"
    n.refresh_from_db()
    assert n.read_at is not None


def test_mark_all_read_empties_the_bell(carol, carols_quiet_lead, client_for):
    for text in ("one", "two"):
        notify(user=carol, kind=Kind.REMINDER, lead=carols_quiet_lead, text=text)
    client = client_for(carol)
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=carol, read_at__isnull=True).exists()


def test_nobody_opens_anothers_notification(carol, dave, carols_quiet_lead, client_for):
    n = notify(user=carol, kind=Kind.REMINDER, lead=carols_quiet_lead, text="for Carol")
    assert n is not None
    assert client_for(dave).post(f"/notifications/{n.pk}/open/").status_code == 404
    assert "for Carol" not in client_for(dave).get("/notifications/").content.decode()


def test_preferences_page_saves_the_ticked_channels(carol, client_for):
    client = client_for(carol)
    page = client.get("/notifications/preferences/")
    assert 'name="escalation:sms" id="pref-escalation-sms" checked' in page.content.decode()
    answer = client.post("/notifications/preferences/", {"escalation:in_app": "on", "reminder:email": "on"})
    assert answer.status_code == 302
    chosen = preferences_for(carol)
    assert chosen["escalation"] == {"in_app": True, "email": False, "sms": False, "push": False}
    assert chosen["reminder"] == {"in_app": False, "email": True, "sms": False, "push": False}


def test_pages_need_a_login(client):
    assert client.get("/notifications/").status_code == 302
