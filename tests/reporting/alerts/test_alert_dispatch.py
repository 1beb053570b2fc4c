"""One run after another: send once, stay quiet, remind, tell when resolved, survive failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from core.errors import ConfigError
from reporting.alerts import AlertDispatcher, AlertSettings, AssignmentTable
from reporting.alerts.settings import EmailSettings

T0 = datetime(2024, 10, 15, 8, 0, tzinfo=UTC)


@pytest.fixture
def table_path(tmp_path, webhook_server):
    """The example table's people, with chat webhooks on the test's own server."""
    path = tmp_path / "assignments.csv"
    base = webhook_server.base_url
    path.write_text(
        "staff_id,full_name,role,email,webhook_url,provinces_2025,projects,language\n"
        "vpdp-01,Nguyễn Thị Lan,Tây Bắc,lan.nt@vpdp.example.vn,,11;12;14;15,*,vi\n"
        f"vpdp-02,Trần Văn Hùng,Tây Nguyên,hung.tv@vpdp.example.vn,{base}/hooks/tn,51;52,*,vi\n"
        "vpdp-03,Lê Minh Anh,Tài trợ,anh.lm@vpdp.example.vn,,*,DA3;DA9,en\n"
        f"vpdp-00,Văn phòng Điều phối,Đầu mối chung,vpdp@vpdp.example.vn,{base}/hooks/vp,*,*,vi\n",
        encoding="utf-8",
    )
    return path


def make_settings(table_path, smtp_port: int, **changes) -> AlertSettings:
    email = EmailSettings(
        host="127.0.0.1", port=smtp_port, sender="mtqg@vpdp.example.vn", timeout_seconds=5
    )
    values = {"assignments": table_path, "suppression_hours": 24, "email": email}
    return AlertSettings(**(values | {"webhook_retries": 0} | changes))


def mails_to(smtp_server):
    return [(rcpts, message["Subject"]) for _, rcpts, message in smtp_server.received]


def test_send_once_stay_quiet_remind_then_resolve(
    tmp_path, table_path, smtp_server, webhook_server, make_finding
):
    settings = make_settings(table_path, smtp_server.port)
    state_path = tmp_path / "state" / "alerts.json"
    gia_lai = make_finding("form01|52|2024-Q3|reconciliation", province="52")

    def run(at, findings):
        dispatcher = AlertDispatcher(settings, state_path, now=at)
        report = dispatcher.dispatch(findings)
        return report

    first = run(T0, [gia_lai])
    assert mails_to(smtp_server) == [
        (["hung.tv@vpdp.example.vn"], "[MTQG 1719] 1 vấn đề dữ liệu cần xử lý (1 chặn)")
    ]
    [(path, payload)] = webhook_server.received
    assert path == "/hooks/tn" and payload["recipient"] == "vpdp-02"
    assert payload["text"].startswith("MTQG 1719 — 1 vấn đề cần xử lý")
    assert [p["key"] for p in payload["problems"]] == [gia_lai.key]
    assert payload["problems"][0]["status"] == "new"
    assert [m.recipient.staff_id for m in first.messages] == ["vpdp-02"]
    assert {d.channel: d.status for d in first.deliveries} == {"email": "sent", "webhook": "sent"}
    saved = json.loads(state_path.read_text(encoding="utf-8"))["problems"][gia_lai.key]
    assert saved["first_seen"] == T0.isoformat() and saved["last_sent"] == T0.isoformat()
    assert set(saved["recipients"]["vpdp-02"]) == {"email", "webhook"}

    second = run(T0 + timedelta(hours=23), [gia_lai])
    assert second.messages == [] and second.suppressed == [gia_lai.key]
    assert len(smtp_server.received) == 1 and len(webhook_server.received) == 1

    third = run(T0 + timedelta(hours=25), [gia_lai])
    assert len(smtp_server.received) == 2 and len(webhook_server.received) == 2
    reminder = smtp_server.received[-1][2].get_content()
    assert "[nhắc lại, phát hiện từ 15/10/2024]" in reminder
    assert [n.kind for n in third.messages[0].digest.notices] == ["reminder"]

    fourth = run(T0 + timedelta(hours=26), [])
    assert fourth.resolved == [gia_lai.key]
    assert mails_to(smtp_server)[-1] == (
        ["hung.tv@vpdp.example.vn"],
        "[MTQG 1719] 1 vấn đề đã khắc phục",
    )
    assert "ĐÃ KHẮC PHỤC" in smtp_server.received[-1][2].get_content()
    assert webhook_server.received[-1][1]["problems"][0]["status"] == "resolved"
    assert json.loads(state_path.read_text(encoding="utf-8"))["problems"] == {}

    fifth = run(T0 + timedelta(hours=27), [])
    assert fifth.messages == [] and fifth.resolved == []
    assert len(smtp_server.received) == 3 and len(webhook_server.received) == 3


def test_one_message_per_recipient_per_run(
    tmp_path, table_path, smtp_server, webhook_server, make_finding
):
    settings = make_settings(table_path, smtp_server.port)
    findings = [
        make_finding("a", province="15"),
        make_finding("b", province="14", severity="warning", check="outlier"),
        make_finding("c", province="01", project="DA3"),
        make_finding("d", province="01", project="DA1"),
    ]
    report = AlertDispatcher(settings, tmp_path / "s.json", now=T0).dispatch(findings)
    assert sorted(rcpts[0] for rcpts, _ in mails_to(smtp_server)) == [
        "anh.lm@vpdp.example.vn",
        "lan.nt@vpdp.example.vn",
        "vpdp@vpdp.example.vn",
    ]
    english = next(m for _, r, m in smtp_server.received if r == ["anh.lm@vpdp.example.vn"])
    assert english["Subject"] == "[MTQG 1719] 1 data problem to fix (1 blocking)"
    lan = next(m for m in report.messages if m.recipient.staff_id == "vpdp-01")
    assert [n.finding.key for n in lan.digest.notices] == ["a", "b"]
    assert [body["recipient"] for _, body in webhook_server.received] == ["vpdp-00"]


def test_a_failing_smtp_server_does_not_stop_the_webhook_and_is_retried(
    tmp_path, table_path, refusing_smtp_server, smtp_server, webhook_server, make_finding
):
    state_path = tmp_path / "alerts.json"
    gia_lai = make_finding(province="52")
    broken = make_settings(table_path, refusing_smtp_server.port)
    report = AlertDispatcher(broken, state_path, now=T0).dispatch([gia_lai])
    assert len(webhook_server.received) == 1
    [failure] = report.failures
    assert failure.channel == "email" and failure.staff_id == "vpdp-02"
    assert f"127.0.0.1:{refusing_smtp_server.port}" in failure.error
    assert "failed" in report.summary()

    # Next run, mail works again: the e-mail is retried, the chat is not posted twice.
    fixed = make_settings(table_path, smtp_server.port)
    retry = AlertDispatcher(fixed, state_path, now=T0 + timedelta(hours=1)).dispatch([gia_lai])
    assert mails_to(smtp_server) == [
        (["hung.tv@vpdp.example.vn"], "[MTQG 1719] 1 vấn đề dữ liệu cần xử lý (1 chặn)")
    ]
    assert len(webhook_server.received) == 1
    assert [d.channel for d in retry.deliveries] == ["email"] and not retry.failures


def test_one_recipients_failure_does_not_stop_the_others(
    tmp_path, table_path, smtp_server, webhook_server, make_finding
):
    webhook_server.answers = [500]  # the first post (vpdp-02, first in the table) fails
    settings = make_settings(table_path, smtp_server.port)
    findings = [make_finding("run", severity="run_failure", check="run", province=None)]
    findings.append(make_finding("tn", province="52"))
    report = AlertDispatcher(settings, tmp_path / "s.json", now=T0).dispatch(findings)
    statuses = {(d.staff_id, d.channel): d.status for d in report.deliveries}
    assert statuses == {
        ("vpdp-02", "email"): "sent",
        ("vpdp-02", "webhook"): "failed",
        ("vpdp-00", "email"): "sent",
        ("vpdp-00", "webhook"): "sent",
    }
    assert "/hooks" not in report.failures[0].error  # only the host is named


def test_without_alerts_yaml_nothing_is_sent_but_the_report_says_what(
    tmp_path, example_assignments, smtp_server, webhook_server, make_finding
):
    findings = [make_finding("a", province="15"), make_finding("b", province="52")]
    state_path = tmp_path / "alerts.json"
    report = AlertDispatcher(None, state_path, now=T0).dispatch(findings)
    assert report.is_dry_run and report.open_keys == ["a", "b"]
    [message] = report.messages
    assert message.recipient.staff_id == "unassigned"
    assert [n.finding.key for n in message.digest.notices] == ["a", "b"]
    assert [d.status for d in message.deliveries] == ["not_sent"]
    assert "no alerts.yaml" in report.summary()
    assert not state_path.exists()
    assert smtp_server.received == [] and webhook_server.received == []

    # With the table at hand (but still no alerts.yaml) the report is routed.
    table = AssignmentTable.from_csv(example_assignments)
    routed = AlertDispatcher(None, state_path, now=T0, assignments=table).dispatch(findings)
    assert [m.recipient.staff_id for m in routed.messages] == ["vpdp-01", "vpdp-02"]
    assert json.dumps(routed.to_dict(), ensure_ascii=False)  # plain data for the page


def test_without_email_or_webhook_the_recipient_is_reported_unreachable(
    tmp_path, table_path, make_finding
):
    settings = make_settings(table_path, 25, email=None)
    report = AlertDispatcher(settings, tmp_path / "s.json", now=T0).dispatch([make_finding()])
    [failure] = report.failures
    assert failure.staff_id == "vpdp-01" and "no way to reach" in failure.error


def test_a_damaged_state_file_is_not_silently_replaced(tmp_path, table_path, make_finding):
    state_path = tmp_path / "alerts.json"
    state_path.write_text("{not json", encoding="utf-8")
    settings = make_settings(table_path, 25, email=None, webhooks=False)
    with pytest.raises(ConfigError, match=r"alerts\.json is damaged.*delete it"):
        AlertDispatcher(settings, state_path, now=T0).dispatch([make_finding()])


def test_the_state_keeps_no_personal_data(tmp_path, table_path, smtp_server, make_finding):
    state_path = tmp_path / "alerts.json"
    leaky = make_finding(vi="Hộ có CCCD 001099012345, ĐT 0912345678 bị trùng")
    settings = make_settings(table_path, smtp_server.port)
    AlertDispatcher(settings, state_path, now=T0).dispatch([leaky])
    saved = state_path.read_text(encoding="utf-8")
    assert "001099012345" not in saved and "0912345678" not in saved
    assert "001099012345" not in smtp_server.received[0][2].get_content()


def test_a_new_problem_is_sent_alone_while_an_old_one_is_suppressed(
    tmp_path, table_path, smtp_server, make_finding
):
    settings = make_settings(table_path, smtp_server.port, webhooks=False)
    state_path = tmp_path / "alerts.json"
    old = make_finding("old", province="15")
    new = make_finding(
        "new", province="14", severity="warning", check="outlier", vi="Giải ngân tăng đột biến"
    )
    AlertDispatcher(settings, state_path, now=T0).dispatch([old, old])  # repeated key: once
    assert len(smtp_server.received) == 1
    naive_later = (T0 + timedelta(hours=2)).replace(tzinfo=None)  # naive times are UTC
    report = AlertDispatcher(settings, state_path, now=lambda: naive_later).dispatch([old, new])
    [message] = report.messages
    assert [(n.finding.key, n.kind) for n in message.digest.notices] == [("new", "new")]
    assert report.suppressed == ["old"]
    body = smtp_server.received[-1][2].get_content()
    assert "Giải ngân tăng đột biến" in body and "Dòng 23" not in body


def test_alerts_never_import_dagster():
    import subprocess
    import sys

    code = "import reporting.alerts, reporting.quality_page, sys; print('dagster' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
