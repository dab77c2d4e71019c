"""Every page names Forecourt's own icon, so a browser tab shows it instead of asking for a missing /favicon.ico."""

from __future__ import annotations

import re

from django.test import Client


def test_every_page_links_our_icon_and_it_is_served(alice, client_for):
    icons = set()
    for client, path in ((client_for(alice), "/"), (Client(), "/accounts/login/")):
        page = client.get(path).content.decode()
        match = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
        assert match, f"{path} links the icon"
        icons.add(match.group(1))
    [href] = icons
    icon = Client().get(href)
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content  # type: ignore[attr-defined]
    assert body.startswith(b"<svg")
