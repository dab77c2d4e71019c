from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from forecourt.testing import serve_in_background


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/csv"


@dataclass
class FeedServer:
    """A real HTTP server on loopback standing in for a dealer's inventory feed."""

    server: ThreadingHTTPServer
    answer: Answer = field(default_factory=Answer)
    requests: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/feeds/riverside.csv"

    def serve(self, body: bytes | str, *, status: int = 200, content_type: str = "text/csv") -> None:
        self.answer = Answer(status, body.encode() if isinstance(body, str) else body, content_type)


@pytest.fixture
def feed_server(settings: Any) -> Iterator[FeedServer]:
    settings.INVENTORY_FEED_ALLOW_PRIVATE = True  # the feed server is on loopback

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            feed.requests.append(self.path)
            answer = feed.answer
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.content_type)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    feed = FeedServer(server)
    serve_in_background(server)
    yield feed
    server.shutdown()
    server.server_close()
