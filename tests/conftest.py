"""Shared fixtures: a fresh MTQG home and its landing zone per test."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from connectors.landing import Landing
from core.home import Home


@pytest.fixture
def home(tmp_path, monkeypatch) -> Home:
    monkeypatch.setenv("MTQG_HOME", str(tmp_path / "home"))
    return Home.resolve(tmp_path / "home").ensure()


@pytest.fixture
def landing(home: Home) -> Landing:
    return Landing(home.landing)


SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The team's shared folder beside the repository (CI always has it)."""
    if not (SHARED / "sources" / "examples").is_dir():
        pytest.skip(f"no shared folder at {SHARED}: the examples and reference data live there")
    return SHARED


# --- servers the tests start on 127.0.0.1: an SMTP sink and a chat webhook -----------------


@dataclass
class SmtpSink:
    """Handler of aiosmtpd that keeps what it received, or refuses every message."""

    refuse: bool = False
    received: list[tuple[str, list[str], EmailMessage]] = field(default_factory=list)
    logins: list[bytes] = field(default_factory=list)
    port: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.refuse:
            return "554 5.3.0 Transaction failed"
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 OK"


@pytest.fixture
def smtp_factory() -> Iterator:
    """Starts SMTP sinks (real aiosmtpd servers) with the given options; stops them after."""
    controllers = []

    def start(*, refuse: bool = False, **options) -> SmtpSink:
        sink = SmtpSink(refuse=refuse)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            sink.port = s.getsockname()[1]
        controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **options)
        controller.start()
        controllers.append(controller)
        return sink

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def smtp_server(smtp_factory) -> SmtpSink:
    return smtp_factory()


class WebhookServer(ThreadingHTTPServer):
    """Keeps every JSON body posted; answers the statuses queued in `answers`, then 200."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _WebhookHandler)
        self.received: list[tuple[str, dict]] = []
        self.answers: list[int] = []

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length).decode("utf-8"))
        self.server.received.append((self.path, body))
        status = self.server.answers.pop(0) if self.server.answers else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass


@pytest.fixture
def webhook_server() -> Iterator[WebhookServer]:
    server = WebhookServer()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def pytest_collection_modifyitems(config, items) -> None:
    """The slow end-to-end files first: with `--dist loadfile` the two workers then start on
    the long ones and the many short files fill in behind them, instead of one long file
    running alone at the end."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: 0 if item.path in slow_files else 1)  # stable: file order kept
