"""E-mail to a real SMTP server and JSON to a chat webhook, both started by the tests."""

from __future__ import annotations

import pytest

from core.errors import DeliveryError, MtqgError
from reporting.alerts.email import send_email
from reporting.alerts.settings import EmailSettings
from reporting.alerts.webhook import post_webhook, webhook_host

# The test server accepts a login without TLS on purpose (it only listens on 127.0.0.1).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

BODY = "Kính gửi chị Lan,\n\nBiểu 01 của tỉnh Lào Cai, Quý III năm 2024: lệch 250 triệu đồng.\n"
SUBJECT = "[MTQG 1719] 1 vấn đề dữ liệu cần xử lý (1 chặn)"


def email_settings(port: int, **changes) -> EmailSettings:
    values = {"host": "127.0.0.1", "port": port, "sender": "mtqg@vpdp.example.vn"}
    return EmailSettings(**(values | {"timeout_seconds": 5} | changes))


def test_email_is_delivered_in_utf8_without_starttls(smtp_server):
    send_email(email_settings(smtp_server.port), "lan.nt@vpdp.example.vn", SUBJECT, BODY)
    [(sender, recipients, message)] = smtp_server.received
    assert sender == "mtqg@vpdp.example.vn"
    assert recipients == ["lan.nt@vpdp.example.vn"]
    assert message["Subject"] == SUBJECT
    assert message["To"] == "lan.nt@vpdp.example.vn"
    assert message.get_content_charset() == "utf-8"
    assert message.get_content() == BODY
    assert smtp_server.logins == []  # no variables set: no login attempted


def test_email_logs_in_with_credentials_from_the_environment(
    smtp_server_with_login, smtp_credentials, monkeypatch
):
    user, password = smtp_credentials
    monkeypatch.setenv("MTQG_T_USER", user)
    monkeypatch.setenv("MTQG_T_PASS", password)
    settings = email_settings(
        smtp_server_with_login.port, username_env="MTQG_T_USER", password_env="MTQG_T_PASS"
    )
    send_email(settings, "hung.tv@vpdp.example.vn", SUBJECT, BODY)
    assert smtp_server_with_login.logins == [user.encode()]
    assert len(smtp_server_with_login.received) == 1


def test_a_refused_login_names_the_host_but_never_the_password(
    smtp_server_with_login, smtp_credentials, monkeypatch
):
    user, password = smtp_credentials
    monkeypatch.setenv("MTQG_T_USER", user)
    monkeypatch.setenv("MTQG_T_PASS", "wrong-" + password)
    settings = email_settings(
        smtp_server_with_login.port, username_env="MTQG_T_USER", password_env="MTQG_T_PASS"
    )
    with pytest.raises(DeliveryError) as raised:
        send_email(settings, "hung.tv@vpdp.example.vn", SUBJECT, BODY)
    text = str(raised.value)
    assert f"SMTP server 127.0.0.1:{smtp_server_with_login.port}" in text
    assert "login refused" in text and "MTQG_T_PASS" in text
    assert password not in text
    assert smtp_server_with_login.received == []


def test_starttls_required_but_not_offered_is_a_clear_failure(smtp_server):
    with pytest.raises(DeliveryError, match=r"127\.0\.0\.1.*does not offer STARTTLS"):
        send_email(email_settings(smtp_server.port, starttls=True), "a@b.vn", SUBJECT, BODY)
    assert smtp_server.received == []


def test_unreachable_or_refusing_servers_raise_delivery_errors(refusing_smtp_server, unused_port):
    with pytest.raises(DeliveryError, match=r"connection refused") as raised:
        send_email(email_settings(unused_port), "a@b.vn", SUBJECT, BODY)
    assert isinstance(raised.value, MtqgError)
    with pytest.raises(DeliveryError, match=r"sending failed .*SMTPDataError, code 554"):
        send_email(email_settings(refusing_smtp_server.port), "a@b.vn", SUBJECT, BODY)


def test_webhook_posts_json(webhook_server):
    payload = {"text": "MTQG 1719 — 1 vấn đề", "recipient": "vpdp-02", "problems": [{"key": "k"}]}
    post_webhook(webhook_server.base_url + "/hooks/taynguyen", payload, timeout=5)
    assert webhook_server.received == [("/hooks/taynguyen", payload)]


def test_webhook_retries_server_errors(webhook_server):
    webhook_server.answers = [503, 502]
    post_webhook(webhook_server.base_url + "/h", {"text": "x"}, retries=2, backoff_seconds=0)
    assert len(webhook_server.received) == 3


def test_webhook_failures_name_the_host_only(webhook_server, unused_port):
    webhook_server.answers = [500, 500, 500]
    url = webhook_server.base_url + "/hooks/SECRET-TOKEN"
    with pytest.raises(DeliveryError) as raised:
        post_webhook(url, {"text": "x"}, retries=2, backoff_seconds=0)
    text = str(raised.value)
    assert "HTTP 500 after 3 attempts" in text
    assert f"127.0.0.1:{webhook_server.server_address[1]}" in text
    assert "SECRET-TOKEN" not in text
    assert len(webhook_server.received) == 3

    webhook_server.answers = [404]
    with pytest.raises(DeliveryError, match=r"HTTP 404$"):
        post_webhook(url, {"text": "x"}, retries=2, backoff_seconds=0)

    closed = f"http://127.0.0.1:{unused_port}/hooks/SECRET-TOKEN"
    with pytest.raises(DeliveryError, match="could not connect") as raised:
        post_webhook(closed, {"text": "x"}, retries=0)
    assert "SECRET-TOKEN" not in str(raised.value)


def test_webhook_host_hides_path_and_credentials():
    assert webhook_host("https://u:p@chat.example.vn/hooks/abc?token=1") == "chat.example.vn"
    assert webhook_host("http://127.0.0.1:8080/x") == "127.0.0.1:8080"
