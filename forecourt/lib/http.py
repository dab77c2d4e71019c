"""The one way Forecourt calls another server over HTTP: always with a timeout, never inside a
database transaction (callers make sure of the latter), errors turned into one exception type."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import requests
from django.conf import settings

USER_AGENT = "Forecourt/0.1"


class HttpError(Exception):
    """A call failed. `permanent` says that retrying the same request cannot help (a 4xx)."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.permanent = permanent


@dataclass(frozen=True)
class Response:
    """What came back: status, body as text, and the body read as JSON when it was JSON."""

    status: int
    text: str
    json: Any


def post_form(
    url: str,
    data: Mapping[str, str] | Sequence[tuple[str, str]],
    *,
    auth: tuple[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Response:
    """POST `data` form-encoded to `url` (pairs when a name repeats); a non-2xx answer raises HttpError.

    4xx answers other than 408 and 429 are permanent (the request itself is wrong); 5xx, 408,
    429, timeouts and connection errors are worth retrying later.
    """
    seconds = timeout if timeout is not None else settings.OUTBOUND_TIMEOUT_SECONDS
    try:
        answer = requests.post(
            url,
            data=dict(data) if isinstance(data, Mapping) else list(data),
            auth=auth,
            headers={"User-Agent": USER_AGENT, **(headers or {})},
            timeout=(min(seconds, 10), seconds),
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not 200 <= answer.status_code < 300:
        permanent = 400 <= answer.status_code < 500 and answer.status_code not in (408, 429)
        detail = (body or {}).get("message") if isinstance(body, dict) else None
        raise HttpError(
            f"HTTP {answer.status_code} from {url}: {detail or answer.text[:200]}",
            status=answer.status_code,
            permanent=permanent,
        )
    return Response(status=answer.status_code, text=answer.text, json=body)
