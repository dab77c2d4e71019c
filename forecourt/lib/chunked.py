"""Request bodies sent chunked (`Transfer-Encoding: chunked`, no Content-Length).

Django reads a request body only as far as its Content-Length says, so without one a chunked
body reads as empty: a lead posted that way was answered "empty body" and lost to its sender.
gunicorn undoes the chunking and marks `wsgi.input` as ending where the body ends
(`wsgi.input_terminated`); this wrapper reads it to its end, up to a limit, and hands Django
the body with its length, so every view reads it as if its length had been sent. Django's own
limits (`DATA_UPLOAD_MAX_MEMORY_SIZE`) then apply exactly as to any other body.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

# The largest body Forecourt takes at all is a whole email (25 MiB); a longer chunked body is
# refused before it is read to its end. Bodies are spooled to disk past 1 MiB.
MAX_CHUNKED_BYTES = 25 * 1024 * 1024
_IN_MEMORY_BYTES = 1024 * 1024
_READ_SIZE = 64 * 1024

type WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _is_chunked_without_length(environ: dict[str, Any]) -> bool:
    encoding = environ.get("HTTP_TRANSFER_ENCODING", "").lower()
    return "chunked" in encoding and not environ.get("CONTENT_LENGTH")


def _too_large(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    message = f"The request body is over {MAX_CHUNKED_BYTES // (1024 * 1024)} MiB."
    if environ.get("PATH_INFO", "").startswith("/api/"):
        body = json.dumps({"error": {"code": "too_large", "message": message}}).encode()
        kind = "application/json"
    else:
        body, kind = message.encode(), "text/plain; charset=utf-8"
    start_response(
        "413 Content Too Large",
        [("Content-Type", kind), ("Content-Length", str(len(body))), ("Connection", "close")],
    )
    return [body]


def read_chunked_bodies(app: WsgiApp) -> WsgiApp:
    """`app`, given every chunked request body read to its end, with its Content-Length set."""

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Only a server that ends the input where the body ends can be read to its end safely.
        if not (_is_chunked_without_length(environ) and environ.get("wsgi.input_terminated")):
            return app(environ, start_response)
        stream = environ["wsgi.input"]
        spool = tempfile.SpooledTemporaryFile(max_size=_IN_MEMORY_BYTES)  # noqa: SIM115 - closed by the server
        size = 0
        while chunk := stream.read(_READ_SIZE):
            size += len(chunk)
            if size > MAX_CHUNKED_BYTES:
                spool.close()
                return _too_large(environ, start_response)
            spool.write(chunk)
        spool.seek(0)
        environ["wsgi.input"] = spool
        environ["CONTENT_LENGTH"] = str(size)
        return app(environ, start_response)

    return application
