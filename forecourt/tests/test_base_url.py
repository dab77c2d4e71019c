"""Links in emails and texts lead to where the server was started when no FORECOURT_BASE_URL is set."""

from __future__ import annotations

import pytest

from forecourt.testing import run_manage

PRINT_BASE_URL = "from django.conf import settings; print(settings.BASE_URL)"


def base_url_seen_by_a_process(**env: str) -> str:
    result = run_manage("shell", "--no-imports", "-c", PRINT_BASE_URL, timeout=60, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(autouse=True)
def _no_base_url_from_outside(monkeypatch):
    monkeypatch.delenv("FORECOURT_BASE_URL", raising=False)
    monkeypatch.delenv("FORECOURT_WEB_PORT", raising=False)


def test_links_follow_the_port_the_web_server_was_started_on():
    assert base_url_seen_by_a_process(FORECOURT_WEB_PORT="8201") == "http://127.0.0.1:8201"


def test_links_use_port_8000_when_no_port_was_given():
    assert base_url_seen_by_a_process() == "http://127.0.0.1:8000"


def test_a_configured_base_url_wins_over_the_port():
    configured = base_url_seen_by_a_process(FORECOURT_WEB_PORT="8201", FORECOURT_BASE_URL="https://leads.example.com/")
    assert configured == "https://leads.example.com"
