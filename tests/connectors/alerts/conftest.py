"""Servers started by the tests (SMTP and chat webhook on 127.0.0.1) and small builders."""

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
from aiosmtpd.smtp import AuthResult, LoginPassword

from connectors.alerts import Finding

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
EXAMPLE_ASSIGNMENTS = SHARED / "sources" / "examples" / "assignments.csv"

SMTP_USER, SMTP_PASSWORD = "mtqg-bot", "s3cret-Pa55"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append(auth_data.login)
        ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
        return AuthResult(success=ok, handled=False)


def _start_smtp(sink: SmtpSink, **kwargs) -> Controller:
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **kwargs)
    controller.start()
    return controller


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = _start_smtp(sink)
    yield sink
    controller.stop()


@pytest.fixture
def smtp_server_with_login() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    controller = _start_smtp(
        sink, authenticator=sink.authenticate, auth_require_tls=False, auth_required=True
    )
    yield sink
    controller.stop()


@pytest.fixture
def refusing_smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink(refuse=True)
    controller = _start_smtp(sink)
    yield sink
    controller.stop()


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


@pytest.fixture
def example_assignments() -> Path:
    if not EXAMPLE_ASSIGNMENTS.exists():
        pytest.skip(f"shared example data absent: {EXAMPLE_ASSIGNMENTS} (needs ../shared)")
    return EXAMPLE_ASSIGNMENTS


def build_finding(
    key: str = "form01|15|2024-Q3|reconciliation",
    *,
    severity: str = "blocking",
    check: str = "reconciliation",
    province: str | None = "15",
    project: str | None = None,
    period: str | None = "2024-Q3",
    source: str = "bieu01_lao_cai_2024_q3.xlsx",
    vi: str = "Dòng 23: tổng Dự án 5 (vốn trung ương) lớn hơn các tiểu dự án 250 triệu đồng",
    en: str = "Row 23: Project 5 (central) subtotal exceeds its sub-projects by 250 million VND",
) -> Finding:
    return Finding(
        key=key,
        severity=severity,
        check=check,
        province_code=province,
        project_code=project,
        period=period,
        source=source,
        message_vi=vi,
        message_en=en,
    )


@pytest.fixture
def make_finding():
    """Builds a Finding with plausible defaults (Lào Cai, 2024-Q3, a reconciliation failure)."""
    return build_finding


@pytest.fixture
def unused_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    return free_port()


@pytest.fixture
def smtp_credentials() -> tuple[str, str]:
    """The account `smtp_server_with_login` accepts."""
    return SMTP_USER, SMTP_PASSWORD
