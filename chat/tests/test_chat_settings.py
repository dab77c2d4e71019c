"""The websites a dealership's chat works on: in the provisioning YAML (round trip, bad ones refused
with the key path) and on the settings screen, which shows the line to paste."""

from __future__ import annotations

import yaml

from dealerships import provisioning
from dealerships.models import Dealership


def document(origins: object) -> dict:
    return {
        "organization": "River Auto Group",
        "dealerships": [{"slug": "riverside-toyota", "chat": {"origins": origins}}],
    }


def test_origins_are_provisioned_normalised_and_exported_the_same_way(riverside):
    outcome = provisioning.provision(
        document(["https://WWW.Riverside-Toyota.example/", "http://127.0.0.1:8123", "https://x.example:443"])
    )
    assert outcome.ok, outcome.errors
    riverside.refresh_from_db()
    assert riverside.chat_origins == [
        "https://www.riverside-toyota.example",
        "http://127.0.0.1:8123",
        "https://x.example",
    ]
    assert "chat.origins" in outcome.settings_changed["riverside-toyota"]
    exported = yaml.safe_load(yaml.safe_dump(provisioning.export("riverside-toyota")))
    assert exported["dealerships"][0]["chat"] == {"origins": riverside.chat_origins}
    again = provisioning.provision(exported)
    assert again.ok
    assert again.settings_changed.get("riverside-toyota", []) == []


def test_bad_origins_are_refused_with_their_key_path_and_nothing_changes(riverside):
    riverside.chat_origins = ["https://www.riverside-toyota.example"]
    riverside.save()
    outcome = provisioning.provision(
        document(["https://ok.example", "https://www.riverside-toyota.example/contact", "*", "ftp://x.example"])
    )
    assert outcome.errors == [
        'dealerships[0].chat.origins[1]: "https://www.riverside-toyota.example/contact" is not a website address '
        'like "https://www.example.com" (no path)',
        'dealerships[0].chat.origins[2]: "*" is not a website address like "https://www.example.com" (no path)',
        'dealerships[0].chat.origins[3]: "ftp://x.example" is not a website address like "https://www.example.com" '
        "(no path)",
    ]
    unknown = provisioning.provision(
        {"organization": "River Auto Group", "dealerships": [{"slug": "riverside-toyota", "chat": {"origin": []}}]}
    )
    assert unknown.errors == ['dealerships[0].chat.origin: unknown key (did you mean "origins"?)']
    assert Dealership.objects.get(pk=riverside.pk).chat_origins == ["https://www.riverside-toyota.example"]


def test_the_settings_screen_edits_the_origins_and_shows_the_snippet(riverside, alice, client_for, settings):
    page = client_for(alice)
    url = f"/dealerships/{riverside.slug}/settings/"
    shown = page.get(url)
    assert (
        f'&lt;script src="{settings.BASE_URL}/chat/riverside-toyota.js" async&gt;&lt;/script&gt;'
        in shown.content.decode()
    )
    form = dict(shown.context["form"].initial)
    form["chat_origins"] = "https://www.riverside-toyota.example\nnot a site"
    refused = page.post(url, {k: v for k, v in form.items() if v is not None and v is not False})
    assert refused.status_code == 400
    assert "is not a website address" in refused.context["form"].errors["chat_origins"][0]
    assert Dealership.objects.get(pk=riverside.pk).chat_origins == []
    form["chat_origins"] = "https://www.riverside-toyota.example"
    saved = page.post(url, {k: v for k, v in form.items() if v is not None and v is not False})
    assert saved.status_code == 302
    assert Dealership.objects.get(pk=riverside.pk).chat_origins == ["https://www.riverside-toyota.example"]


def test_origins_are_written_as_browsers_send_them(riverside):
    outcome = provisioning.provision(
        document(["http://[::1]:8000", "https://Bücher.example", "http://shop.example:80"])
    )
    assert outcome.ok, outcome.errors
    riverside.refresh_from_db()
    assert riverside.chat_origins == ["http://[::1]:8000", "https://xn--bcher-kva.example", "http://shop.example"]


def test_an_admin_tries_the_chat_on_a_page_of_forecourt_before_pasting_it_anywhere(client_for, chatting, alice, bob):
    page = client_for(alice).get(f"/chat/{chatting.slug}/try/")
    assert page.status_code == 200
    assert f'src="/chat/{chatting.slug}.js"' in page.content.decode()
    assert (
        f'href="/chat/{chatting.slug}/try/"'
        in client_for(alice).get(f"/dealerships/{chatting.slug}/settings/").content.decode()
    )

    # The page is Forecourt's own website: the script and its endpoint accept it beside the listed ones.
    script = client_for(alice).get(f"/chat/{chatting.slug}.js").content.decode()
    assert '"http://testserver"' in script
    answer = client_for(alice).post(
        f"/chat/{chatting.slug}/messages",
        {"body": "Testing the chat", "name": "Test Visitor", "email": "test@example.com"},
        content_type="application/json",
        HTTP_ORIGIN="http://testserver",
    )
    assert answer.status_code == 201, answer.content
    assert answer["Access-Control-Allow-Origin"] == "http://testserver"
    refused = client_for(alice).post(
        f"/chat/{chatting.slug}/messages",
        {"body": "Hi", "name": "Someone", "email": "someone@example.com"},
        content_type="application/json",
        HTTP_ORIGIN="https://elsewhere.example",
    )
    assert refused.status_code == 403

    assert client_for(bob).get(f"/chat/{chatting.slug}/try/").status_code == 404  # a manager, not an admin
