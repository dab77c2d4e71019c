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
    form = dict(data) if isinstance(data, Mapping) else list(data)
    return _json_call("POST", url, data=form, auth=auth, headers=dict(headers or {}), timeout=timeout)


def post_json(
    url: str, payload: Any, *, headers: Mapping[str, str] | None = None, timeout: float | None = None
) -> Response:
    """POST `payload` as JSON to `url`; the same time-out and error rules as `post_form`."""
    return _json_call("POST", url, json=payload, headers=dict(headers or {}), timeout=timeout)


def post_bytes(
    url: str, body: bytes, *, headers: Mapping[str, str] | None = None, timeout: float | None = None
) -> Response:
    """POST `body` as it is (an encrypted web push) to `url`; the same time-out and error rules as `post_form`."""
    return _json_call("POST", url, data=body, headers=dict(headers or {}), timeout=timeout)


def _seconds(timeout: float | None) -> float:
    return timeout if timeout is not None else settings.OUTBOUND_TIMEOUT_SECONDS


def _refuse(url: str, status: int, detail: str) -> HttpError:
    permanent = 400 <= status < 500 and status not in (408, 429)
    return HttpError(f"HTTP {status} from {url}: {detail[:200]}", status=status, permanent=permanent)


def get_json(
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """GET `url` and read the answer as JSON; the same time-out and error rules as `post_form`."""
    asked = {"Accept": "application/json", **(headers or {})}
    return _json_call("GET", url, params=dict(params or {}), auth=auth, headers=asked, timeout=timeout)


def _json_call(method: str, url: str, *, headers: dict[str, str], timeout: float | None, **send: Any) -> Response:
    """One request with the time-outs, no redirects, the answer read as JSON when it is JSON, and a
    non-2xx answer raised as HttpError (with its message, when the server gave one)."""
    seconds = _seconds(timeout)
    try:
        answer = requests.request(
            method,
            url,
            headers={"User-Agent": USER_AGENT, **headers},
            timeout=(min(seconds, 10), seconds),
            allow_redirects=False,
            **send,
        )
    except requests.RequestException as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    try:
        body = answer.json()
    except ValueError:
        body = None
    if not 200 <= answer.status_code < 300:
        detail = _message_of(body)
        raise _refuse(url, answer.status_code, str(detail or answer.text))
    return Response(status=answer.status_code, text=answer.text, json=body)


def _message_of(body: Any) -> str | None:
    """The error message a JSON answer gives: Twilio's `message`, or the Graph API's `error.message`."""
    if not isinstance(body, dict):
        return None
    if body.get("message"):
        return str(body["message"])
    error = body.get("error")
    return str(error["message"]) if isinstance(error, dict) and error.get("message") else None


@dataclass(frozen=True)
class Download:
    """A file fetched by `get_bytes`: its bytes and the content type the server gave."""

    content: bytes
    content_type: str


def get_bytes(url: str, *, limit: int, auth: tuple[str, str] | None = None, timeout: float | None = None) -> Download:
    """GET a file of at most `limit` bytes, following redirects (a provider's media URL sends to
    its storage; `requests` drops the credentials when the host changes). A longer file is refused
    (permanently) as soon as it is known to be too long, without reading the rest."""
    seconds = _seconds(timeout)
    try:
        with requests.get(
            url,
            auth=auth,
            headers={"User-Agent": USER_AGENT},
            timeout=(min(seconds, 10), seconds),
            stream=True,
        ) as answer:
            if not 200 <= answer.status_code < 300:
                raise _refuse(url, answer.status_code, answer.reason or "")
            declared = answer.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise HttpError(f"{url} is {int(declared)} bytes, over the {limit} allowed", permanent=True)
            chunks: list[bytes] = []
            size = 0
            for chunk in answer.iter_content(64 * 1024):
                size += len(chunk)
                if size > limit:
                    raise HttpError(f"{url} is over the {limit} bytes allowed", permanent=True)
                chunks.append(chunk)
            kind = answer.headers.get("Content-Type", "application/octet-stream").split(";")[0].strip()
    except requests.RequestException as exc:
        raise HttpError(f"{type(exc).__name__}: {exc}") from exc
    return Download(content=b"".join(chunks), content_type=kind or "application/octet-stream")
