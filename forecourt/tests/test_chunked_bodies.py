"""Chunked request bodies are read to their end and handed on with their length, up to a limit.
(The whole path through gunicorn is in intake/tests/test_http_intake_chunked.py.)"""

from __future__ import annotations

import io

from forecourt.lib.chunked import MAX_CHUNKED_BYTES, read_chunked_bodies


def serve(body: bytes, path: str = "/api/v1/dealerships/riverside-toyota/adf") -> tuple[str, bytes, list[bytes]]:
    """Run a chunked request through the wrapper; returns the status, the answer and what the
    application behind it read."""
    seen: list[bytes] = []

    def app(environ, start_response):
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("201 Created", [])
        return [b"made"]

    statuses: list[str] = []
    environ = {
        "PATH_INFO": path,
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input": io.BytesIO(body),
        "wsgi.input_terminated": True,
    }
    answer = b"".join(read_chunked_bodies(app)(environ, lambda status, headers: statuses.append(status)))
    return statuses[0], answer, seen


def test_a_chunked_body_reaches_the_application_whole():
    assert serve(b"<adf>" + b"x" * 200_000 + b"</adf>") == (
        "201 Created",
        b"made",
        [b"<adf>" + b"x" * 200_000 + b"</adf>"],
    )


def test_a_chunked_body_over_the_limit_is_refused_before_the_application_sees_it():
    status, answer, seen = serve(b"x" * (MAX_CHUNKED_BYTES + 1))

    assert status.startswith("413")
    assert b"too_large" in answer
    assert seen == []
