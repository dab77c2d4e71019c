"""Under the production environment of docs/operations.md: Django's deployment checks pass, pages
carry a Content-Security-Policy and, over https, HSTS and cookies that never travel in the clear."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from forecourt.testing import free_port, manage_env, run_manage, wait_until

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SITE = "forecourt.riverside.example"
# The environment docs/operations.md gives for production behind a TLS-terminating proxy.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FORECOURT_BASE_URL": f"https://{SITE}",
    "ALLOWED_HOSTS": SITE,
    "FORECOURT_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "SMTP_URL": "smtp://forecourt:mail-password@127.0.0.1:2587?starttls=1",
}


def test_every_page_forbids_inline_scripts_styles_and_other_sites(client):
    page = client.get("/accounts/login/")

    policy = page.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy


def test_the_documented_production_environment_passes_djangos_deployment_checks():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", timeout=60, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@contextmanager
def production_web(*gunicorn_args: str, **env: str) -> Iterator[str]:
    """gunicorn on a free loopback port with the production environment; yields its address."""
    port = free_port()
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "forecourt.wsgi", "--bind", f"127.0.0.1:{port}"]
    process = subprocess.Popen(
        [*gunicorn, *gunicorn_args],
        cwd=BASE_DIR,
        env=manage_env(**env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    address = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return requests.get(f"{address}/static/js/forecourt.js", timeout=2).status_code > 0
            except requests.RequestException:
                return process.poll() is not None

        wait_until(up, 30)
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {process.stderr.read().decode() if process.stderr else ''}")
        yield address
    finally:
        process.terminate()
        process.wait(timeout=20)


def behind_the_proxy(address: str, path: str, scheme: str) -> requests.Response:
    headers = {"Host": SITE, "X-Forwarded-Proto": scheme}
    return requests.get(f"{address}{path}", headers=headers, allow_redirects=False, timeout=10)


@pytest.mark.slow
def test_over_https_pages_carry_hsts_and_cookies_are_secure_and_plain_http_is_sent_to_https(db):
    with production_web(**PRODUCTION) as address:
        page = behind_the_proxy(address, "/accounts/login/", "https")
        plain = behind_the_proxy(address, "/accounts/login/", "http")

    assert page.status_code == 200
    assert page.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.cookies, "the login page sets its CSRF cookie"
    assert all(cookie.secure for cookie in page.cookies)
    assert plain.status_code == 301
    assert plain.headers["Location"] == f"https://{SITE}/accounts/login/"


@pytest.mark.slow
def test_a_forwarded_scheme_is_believed_only_when_the_operator_names_the_proxy_header(db):
    without_proxy_header = {k: v for k, v in PRODUCTION.items() if k != "FORECOURT_PROXY_SSL_HEADER"}
    # gunicorn itself believes X-Forwarded-Proto from loopback; here the proxy is another machine,
    # so the header reaches Django as anyone could have sent it.
    with production_web("--forwarded-allow-ips", "192.0.2.9", **without_proxy_header) as address:
        page = behind_the_proxy(address, "/accounts/login/", "https")

    assert page.status_code == 200, "no redirect loop when Django cannot tell https from http"
    assert "Strict-Transport-Security" not in page.headers
    assert all(cookie.secure for cookie in page.cookies), "cookies stay https-only: the site's address is https"


def test_the_page_shown_when_a_form_has_expired_keeps_its_own_style(client):
    client.handler.enforce_csrf_checks = True
    refused = client.post("/accounts/login/", {"email": "carol@example.com", "password": "anything"})

    assert refused.status_code == 403
    nonce = refused.context["csp_nonce"]
    assert f'<style nonce="{nonce}">' in refused.content.decode()
    assert f"style-src 'self' 'nonce-{nonce}'" in refused.headers["Content-Security-Policy"]
