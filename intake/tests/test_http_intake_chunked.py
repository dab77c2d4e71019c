"""HTTP intake through the real web server (gunicorn) with a chunked body: no Content-Length,
`Transfer-Encoding: chunked`, as many HTTP clients and lead senders stream a document."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from accounts.models import ApiToken
from intake.models import InboundEmail
from intake.tests.conftest import adf
from leads.models import Lead
from tests.servers import gunicorn

pytestmark = pytest.mark.slow


@pytest.fixture
def web(transactional_db: None) -> Iterator[str]:
    with gunicorn() as base_url:
        yield base_url


def post_chunked(base_url: str, path: str, chunks: list[bytes], token: str) -> tuple[int, dict]:
    where = urlsplit(base_url)
    connection = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=60)
    try:
        # An iterable body without a length: http.client sends it chunk by chunk, chunked.
        connection.request(
            "POST",
            path,
            body=iter(chunks),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
            encode_chunked=True,
        )
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    finally:
        connection.close()


def test_a_chunked_adf_post_makes_the_lead(web, riverside, carol):
    token = ApiToken.issue(user=carol, scope=ApiToken.Scope.INTAKE)[1]
    document = adf(first="Chunky", lead_id="CH-1").encode()
    chunks = [document[i : i + 100] for i in range(0, len(document), 100)]

    status, answer = post_chunked(web, "/api/v1/dealerships/riverside-toyota/adf", chunks, token)

    assert status == 201, answer
    assert Lead.objects.get().customer.first_name == "Chunky"
    assert bytes(InboundEmail.objects.get().raw_bytes) == document


def test_a_chunked_body_over_the_size_limit_is_refused_and_nothing_is_kept(web, riverside, carol):
    token = ApiToken.issue(user=carol, scope=ApiToken.Scope.INTAKE)[1]
    chunks = [b"<adf>" + b" " * (64 * 1024)] * 50  # over 3 MB, above the 2.5 MB request limit

    status, answer = post_chunked(web, "/api/v1/dealerships/riverside-toyota/adf", chunks, token)

    assert status == 413
    assert answer["error"]["code"] == "too_large"
    assert not InboundEmail.objects.exists()
