"""Meta's Graph API, as Forecourt uses it for Messenger: the Send API and a customer's name.

Every call goes to MESSENGER_API_BASE (the Graph API itself, or a stand-in for tests) with the
page's access token in the Authorization header, never in the address, so that a token can never
end up in a log line or a message's error.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings

from forecourt.lib.http import HttpError, get_json, post_json

log = logging.getLogger(__name__)

GRAPH_VERSION = "v21.0"
# What Forecourt writes in `metadata` of every message it sends; Meta hands it back in the echo,
# which is how an echo of Forecourt's own message is told from one the page sent in Messenger.
METADATA_PREFIX = "forecourt:"


def graph_url(path: str) -> str:
    return f"{settings.MESSENGER_API_BASE.rstrip('/')}/{GRAPH_VERSION}/{path.lstrip('/')}"


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def send_text(*, page_token: str, psid: str, text: str, key: str) -> str:
    """Send `text` to the person `psid` as an answer (messaging type RESPONSE); Meta's message
    id (`mid`). Raises HttpError: `permanent` when Meta refused the message itself."""
    payload: dict[str, Any] = {
        "recipient": {"id": psid},
        "messaging_type": "RESPONSE",
        "message": {"text": text, "metadata": f"{METADATA_PREFIX}{key}"},
    }
    answer = post_json(graph_url("me/messages"), payload, headers=_bearer(page_token))
    mid = answer.json.get("message_id") if isinstance(answer.json, dict) else None
    if not mid:
        raise HttpError(f"the Send API answered without a message id: {answer.text[:200]}")
    return str(mid)


def profile_name(*, page_token: str, psid: str) -> str:
    """The name on the person's profile ("Jordan Sample"), or "" when Meta will not say: a message
    never waits for a name."""
    if not page_token:
        return ""
    try:
        answer = get_json(graph_url(psid), params={"fields": "first_name,last_name"}, headers=_bearer(page_token))
    except HttpError as exc:
        log.warning("the name of Messenger user %s is not known: %s", psid, exc)
        return ""
    found = answer.json if isinstance(answer.json, dict) else {}
    parts = (str(found.get(key) or "").strip() for key in ("first_name", "last_name"))
    return " ".join(" ".join(part.split()) for part in parts if part)
