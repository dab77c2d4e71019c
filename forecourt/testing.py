"""Real servers for tests: an SMTP server on loopback that keeps what it receives, and helpers
to run Forecourt's own commands as separate processes against the test database."""

from __future__ import annotations

import contextlib
import email
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socketserver import BaseServer
from typing import IO, Any
from urllib.parse import parse_qs, unquote

from aiosmtpd.controller import Controller
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


@dataclass
class SmtpSink:
    """An SMTP server on 127.0.0.1 that stores every message it accepts.

    With `hang_first`, the first DATA never gets an answer and is never stored: a sender
    caught there is in the middle of sending, which is where tests kill workers.
    """

    hang_first: bool = False
    messages: list[EmailMessage] = field(default_factory=list)
    # (envelope sender, envelope recipients) of each message, in order: a Bcc is only seen here.
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    hanging: threading.Event = field(default_factory=threading.Event)
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.hang_first and not self.hanging.is_set():
            import asyncio

            self.hanging.set()
            await asyncio.Event().wait()
        message = email.message_from_bytes(envelope.content, policy=default_policy)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message)
        return "250 OK"

    def start(self) -> SmtpSink:
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()

    @property
    def port(self) -> int:
        assert self.controller is not None
        return int(self.controller.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        return wait_until(lambda: len(self.messages) >= count, timeout) and self.messages


def serve_in_background(server: BaseServer) -> None:
    """Run `server` on a thread of its own until `shutdown()`, which it then notices within 50 ms:
    the standard library's half-second poll, at the end of every test that uses a server, adds up."""
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll `condition` until it is truthy; its last value is returned (falsy on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        threading.Event().wait(0.05)


def test_database_url() -> str:
    """A DATABASE_URL that points a child process at the database this test run uses."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def manage_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": test_database_url(), "DJANGO_SETTINGS_MODULE": "forecourt.settings"}
    env.update(extra)
    return env


def start_manage(*args: str, **env: str) -> subprocess.Popen[bytes]:
    """Start `manage.py <args>` as its own process on the test database."""
    return subprocess.Popen(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=manage_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


@contextlib.contextmanager
def running_smtpd(*args: str) -> Iterator[int]:
    """`manage.py smtpd <args>` on 127.0.0.1 until the block ends; the port it listens on.

    The server asks the system for a free port itself (`--port 0`) and says which as it starts:
    a port found free beforehand (`free_port`) can be taken meanwhile by a server of another test
    run on the same machine, and the test then talks to that one."""
    server = start_manage("smtpd", "--host", "127.0.0.1", "--port", "0", *args)
    said, errors = Output(server.stdout), Output(server.stderr)
    try:
        wait_until(lambda: _listening_on(said) or server.poll() is not None, timeout=30)
        port = _listening_on(said)
        if not port:
            raise AssertionError(f"smtpd did not start: {errors}")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=20)


def _listening_on(said: Output) -> int | None:
    for line in list(said.lines):
        if line.startswith("SMTP intake listening on "):
            return int(line.split()[4].rpartition(":")[2])
    return None


def run_manage(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=manage_env(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL server of a test's own, in a temporary directory on a free port, that the test
    may stop and start at will (the machine's shared server, which other tests use, is never touched).

    `ThrowawayPostgres.missing()` says why one cannot be made here, or "" when it can.
    """

    bin_dir: Path
    root: Path
    port: int
    database: str = "forecourt"

    @staticmethod
    def find_binaries() -> Path | None:
        """The newest installed server's bin directory (Debian and Ubuntu keep it off PATH)."""
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
        if found:
            return found[-1].parent
        on_path = shutil.which("pg_ctl")
        return Path(on_path).parent if on_path and shutil.which("initdb") else None

    @classmethod
    def missing(cls) -> str:
        if cls.find_binaries() is None:
            return "the PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root, and there is no postgres user to run initdb as"
        return ""

    @classmethod
    def create(cls) -> ThrowawayPostgres:
        bin_dir = cls.find_binaries()
        assert bin_dir is not None, cls.missing()
        server = cls(bin_dir=bin_dir, root=Path(tempfile.mkdtemp(prefix="forecourt-pg-")), port=free_port())
        if os.geteuid() == 0:  # initdb refuses root: the cluster belongs to the postgres user
            os.chown(server.root, pwd.getpwnam("postgres").pw_uid, -1)
        server._run("initdb", "-D", str(server.data), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync")
        server.start()
        server._run("createdb", "-h", "127.0.0.1", "-p", str(server.port), "-U", "postgres", server.database)
        return server

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-w", "-o", options, "start")

    def stop(self) -> None:
        """Stop at once, as a crash or a restart does: every open connection is cut."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*as_postgres, str(self.bin_dir / program), *args], check=True, capture_output=True, timeout=60)


class Output:
    """What a child process writes to one of its pipes, read as it comes by a thread of its own."""

    def __init__(self, pipe: IO[bytes] | None) -> None:
        self.lines: list[str] = []
        if pipe is not None:
            threading.Thread(target=self._read, args=(pipe,), daemon=True).start()

    def _read(self, pipe: IO[bytes]) -> None:
        for line in iter(pipe.readline, b""):
            self.lines.append(line.decode("utf-8", errors="replace"))

    def __contains__(self, text: str) -> bool:
        return any(text in line for line in list(self.lines))

    def count(self, text: str) -> int:
        return sum(text in line for line in list(self.lines))

    def __str__(self) -> str:
        return "".join(self.lines[-40:])


class FakeTwilio(ThreadingHTTPServer):
    """Answers POST …/Messages.json and …/Calls.json like Twilio (a MessageSid "SM…" or a CallSid
    "CA…"); `statuses` are the answers to give, in order; `requests` lists every POST (`at`:
    `time.monotonic()` as it arrived), and `calls` those that asked for a call.

    GETs: Lookup (`/v2/PhoneNumbers/{E.164}?Fields=caller_name`) answers from `caller_names`;
    a media file answers from `media` (path -> (bytes, content type)), as Twilio's MediaUrls do.
    `get_statuses` are error answers to give to the next GETs, in order; `fetches` lists every GET.
    `answer_after` seconds pass between a POST arriving (noted in `requests`) and its answer, as a
    provider across the internet takes a while to answer; inside `holding_answers()`, POSTs wait
    for theirs until the block ends, however slow the machine. `most_at_once` is the most POSTs it
    was answering at the same time.
    """

    # Like the real one, it takes many connections at once: the standard library's backlog of 5
    # would drop the rest for a second or more (a burst's texts are sent side by side).
    request_queue_size = 128

    def __init__(self, *, answer_after: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), _TwilioHandler)
        self.answer_after = answer_after
        self.most_at_once = 0
        self._answering = 0
        self.released = threading.Event()
        self.released.set()
        self.counting = threading.Lock()
        self._answers = threading.Lock()
        self.requests: list[dict[str, object]] = []
        self.statuses: list[int] = []
        self.fetches: list[dict[str, object]] = []
        self.get_statuses: list[int] = []
        self.caller_names: dict[str, str] = {}
        self.media: dict[str, tuple[bytes, str]] = {}

    def answering(self, change: int) -> None:
        with self._answers:
            self._answering += change
            self.most_at_once = max(self.most_at_once, self._answering)

    @contextlib.contextmanager
    def holding_answers(self) -> Iterator[None]:
        """POSTs that arrive inside the block are noted at once and answered once it ends."""
        self.released.clear()
        try:
            yield
        finally:
            self.released.set()

    @property
    def calls(self) -> list[dict[str, object]]:
        """The POSTs that asked for a call (…/Calls.json), oldest first."""
        return [r for r in self.requests if str(r["path"]).endswith("/Calls.json")]

    def add_media(self, name: str, content: bytes, content_type: str = "image/jpeg") -> str:
        """Serve a media file as Twilio keeps one; its URL (a MediaUrl of a webhook)."""
        path = f"/2010-04-01/Accounts/AC0123456789/Messages/MM1/Media/{name}"
        self.media[path] = (content, content_type)
        return f"{self.base}{path}"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> FakeTwilio:
        serve_in_background(self)
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _TwilioHandler(BaseHTTPRequestHandler):
    server: FakeTwilio

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        request: dict[str, object] = {
            "path": self.path,
            "auth": self.headers.get("Authorization"),
            "form": parse_qs(body),
            "at": time.monotonic(),
        }
        with self.server.counting:  # several at once: each its own number
            self.server.requests.append(request)
            number = len(self.server.requests)
            status = self.server.statuses.pop(0) if self.server.statuses else 201
        self.server.answering(+1)
        self.server.released.wait(60)
        time.sleep(self.server.answer_after)
        self.server.answering(-1)
        prefix = "CA" if self.path.endswith("/Calls.json") else "SM"
        answer = {"sid": f"{prefix}{number:032d}"} if status == 201 else {"message": "nope"}
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        self.server.fetches.append({"path": path, "query": parse_qs(query), "auth": self.headers.get("Authorization")})
        if self.server.get_statuses:
            self._answer(self.server.get_statuses.pop(0), b'{"message": "try again"}', "application/json")
        elif path.startswith("/v2/PhoneNumbers/"):
            number = unquote(path.removeprefix("/v2/PhoneNumbers/"))
            name = self.server.caller_names.get(number)
            found = {"caller_name": name, "caller_type": "CONSUMER" if name else None, "error_code": None}
            payload = json.dumps({"phone_number": number, "valid": True, "caller_name": found}).encode()
            self._answer(200, payload, "application/json")
        elif path in self.server.media:
            content, kind = self.server.media[path]
            self._answer(200, content, kind)
        else:
            self._answer(404, b'{"message": "not found"}', "application/json")

    def _answer(self, status: int, payload: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class FakeGraph(ThreadingHTTPServer):
    """Answers like Meta's Graph API for Messenger, on loopback.

    POST …/me/messages (or …/{page id}/messages), the Send API: each request is kept in `sent`
    (path, Authorization header, JSON body); `statuses` are the answers to give, in order (an error
    status answers with Graph's `{"error": {"message", "code"}}`), else 200 with a new `message_id`.
    GET …/{psid}?fields=first_name,last_name answers from `profiles` (psid -> (first, last));
    an unknown psid gets Graph's 400. A GET of a path in `files` is that file (an attachment URL
    of a webhook), or the next of `file_statuses` while there are any. `fetches` lists every GET.
    """

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _GraphHandler)
        self.sent: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        self.fetches: list[dict[str, Any]] = []
        self.profiles: dict[str, tuple[str, str]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.file_statuses: list[int] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def add_file(self, name: str, content: bytes, content_type: str = "image/jpeg") -> str:
        """Serve a file as Meta's CDN serves a customer's attachment; its URL."""
        path = f"/cdn/{name}"
        self.files[path] = (content, content_type)
        return f"{self.base}{path}"

    def start(self) -> FakeGraph:
        serve_in_background(self)
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _GraphHandler(BaseHTTPRequestHandler):
    server: FakeGraph

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        path = self.path.partition("?")[0]
        self.server.sent.append({"path": path, "auth": self.headers.get("Authorization"), "json": body})
        status = self.server.statuses.pop(0) if self.server.statuses else 200
        if not path.endswith("/messages"):
            status = 404
        if status == 200 and isinstance(body, dict):
            recipient = (body.get("recipient") or {}).get("id")
            self._json(200, {"recipient_id": recipient, "message_id": f"m_sent{len(self.server.sent):04d}"})
        else:
            self._json(status, {"error": {"message": "(#2) Service temporarily unavailable", "code": 2}})

    def do_GET(self) -> None:
        path, _, query = self.path.partition("?")
        asked = parse_qs(query)
        self.server.fetches.append({"path": path, "query": asked, "auth": self.headers.get("Authorization")})
        if path in self.server.files and self.server.file_statuses:
            self._json(self.server.file_statuses.pop(0), {"error": {"message": "try again", "code": 2}})
        elif path in self.server.files:
            content, kind = self.server.files[path]
            self._answer(200, content, kind)
        elif (psid := path.rsplit("/", 1)[-1]) in self.server.profiles and "fields" in asked:
            first, last = self.server.profiles[psid]
            self._json(200, {"first_name": first, "last_name": last, "id": psid})
        else:
            self._json(400, {"error": {"message": f"Unsupported get request. Object with ID '{psid}'", "code": 100}})

    def _json(self, status: int, answer: dict[str, Any]) -> None:
        self._answer(status, json.dumps(answer).encode(), "application/json")

    def _answer(self, status: int, payload: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass
