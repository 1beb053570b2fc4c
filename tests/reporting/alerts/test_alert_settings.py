"""alerts.yaml: optional, validated, secrets only through environment variable names."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from reporting.alerts import load_alert_settings
from reporting.alerts.settings import EmailSettings

TABLE = (
    "staff_id,full_name,role,email,webhook_url,provinces_2025,projects,language\n"
    "vpdp-00,Văn phòng Điều phối,Đầu mối chung,vpdp@vpdp.example.vn,,*,*,vi\n"
)
GOOD = """
assignments: assignments.csv
suppression_hours: 12
email: {host: 127.0.0.1, port: 8025, sender: mtqg@vpdp.example.vn, starttls: false,
        username_env: MTQG_SMTP_USER, password_env: MTQG_SMTP_PASSWORD}
webhooks: true
"""


def test_no_alerts_yaml_means_no_settings(home):
    assert load_alert_settings(home) is None


def test_settings_are_read_and_the_table_path_resolved(home):
    (home.root / "assignments.csv").write_text(TABLE, encoding="utf-8")
    home.alerts_yaml.write_text(GOOD, encoding="utf-8")
    settings = load_alert_settings(home)
    assert settings.assignments == home.root / "assignments.csv"
    assert settings.suppression_hours == 12
    assert settings.email.host == "127.0.0.1" and settings.email.port == 8025
    assert settings.email.starttls is False and settings.webhooks is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("assignments: missing.csv\n", r"field assignments: .*missing\.csv does not exist"),
        (GOOD.replace("port: 8025", "port: abc"), r"field email\.port: .*SMTP port"),
        (GOOD.replace("mtqg@vpdp.example.vn", "mtqg"), r"field email\.sender: .*not an e-mail"),
        (GOOD.replace("suppression_hours: 12", "suppression_hours: -1"), "hours ≥ 0"),
        (GOOD + "webhook: true\n", r"field webhook: .*check its spelling"),
        ("email: {host: x}\n", r"field assignments: Field required"),
        ("- a\n- b\n", "must be a mapping"),
        ("assignments: [unclosed\n", "not readable YAML"),
    ],
)
def test_bad_settings_name_the_file_the_field_and_the_fix(home, text, expected):
    (home.root / "assignments.csv").write_text(TABLE, encoding="utf-8")
    home.alerts_yaml.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=expected) as raised:
        load_alert_settings(home)
    assert str(home.alerts_yaml) in str(raised.value)


def test_a_password_written_in_the_file_is_refused_without_echoing_it(home):
    (home.root / "assignments.csv").write_text(TABLE, encoding="utf-8")
    home.alerts_yaml.write_text(
        GOOD.replace("starttls: false", "starttls: false, password: hunter2-secret"),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="password_env") as raised:
        load_alert_settings(home)
    assert "hunter2-secret" not in str(raised.value)


def test_a_secret_given_as_variable_name_is_not_echoed(home):
    (home.root / "assignments.csv").write_text(TABLE, encoding="utf-8")
    home.alerts_yaml.write_text(
        GOOD.replace("MTQG_SMTP_PASSWORD", "'my pass word!'"), encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="password_env") as raised:
        load_alert_settings(home)
    assert "my pass word!" not in str(raised.value)


def test_credentials_come_only_from_the_environment(monkeypatch):
    email = EmailSettings(
        host="smtp", sender="a@b.vn", username_env="MTQG_T_USER", password_env="MTQG_T_PASS"
    )
    monkeypatch.delenv("MTQG_T_USER", raising=False)
    monkeypatch.delenv("MTQG_T_PASS", raising=False)
    assert email.credentials() is None
    monkeypatch.setenv("MTQG_T_USER", "bot")
    with pytest.raises(ConfigError, match="MTQG_T_PASS is not set"):
        email.credentials()
    monkeypatch.setenv("MTQG_T_PASS", "pw")
    assert email.credentials() == ("bot", "pw")
