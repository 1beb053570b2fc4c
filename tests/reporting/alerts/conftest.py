"""Servers started by the tests (SMTP and chat webhook on 127.0.0.1) and small builders."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword

from reporting.alerts import Finding

SHARED = Path(__file__).resolve().parents[3] / ".." / "shared"
EXAMPLE_ASSIGNMENTS = SHARED / "sources" / "examples" / "assignments.csv"

SMTP_USER, SMTP_PASSWORD = "mtqg-bot", "s3cret-Pa55"


def _authenticate(sink, server, session, envelope, mechanism, auth_data) -> AuthResult:
    assert isinstance(auth_data, LoginPassword)
    sink.logins.append(auth_data.login)
    ok = auth_data.login == SMTP_USER.encode() and auth_data.password == SMTP_PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server_with_login(smtp_factory):
    def authenticate(server, session, envelope, mechanism, auth_data):
        return _authenticate(sink, server, session, envelope, mechanism, auth_data)

    sink = smtp_factory(authenticator=authenticate, auth_require_tls=False, auth_required=True)
    return sink


@pytest.fixture
def refusing_smtp_server(smtp_factory):
    return smtp_factory(refuse=True)


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
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_credentials() -> tuple[str, str]:
    """The account `smtp_server_with_login` accepts."""
    return SMTP_USER, SMTP_PASSWORD
