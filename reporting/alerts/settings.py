"""Settings of quality alerts, read from `$MTQG_HOME/alerts.yaml` (absent: alerts are not sent).

Example::

    assignments: assignments.csv        # relative to MTQG_HOME
    suppression_hours: 24
    email: {host: 127.0.0.1, port: 8025, sender: mtqg@vpdp.example.vn, starttls: false,
            username_env: MTQG_SMTP_USER, password_env: MTQG_SMTP_PASSWORD}
    webhooks: true

Secrets never sit in this file: it names the environment variables that hold them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from core.errors import ConfigError
from core.home import Home

EMAIL_PATTERN = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_SECRET_KEYS = {"password", "username", "user", "secret", "token", "api_key"}

# What to tell the officer for each field that can be wrong.
_FIXES = {
    "assignments": "give the path of the assignment table CSV (relative to MTQG_HOME)",
    "suppression_hours": "give a number of hours ≥ 0, e.g. 24",
    "email": "give a mapping with at least host and sender",
    "host": "give the SMTP server's host name",
    "port": "give the SMTP port, e.g. 25, 587 or 465",
    "sender": "give the From address, e.g. mtqg@vpdp.example.vn",
    "username_env": "give the NAME of an environment variable, not a value",
    "password_env": "give the NAME of an environment variable, not a value",
    "webhooks": "write true or false",
}


class EmailSettings(BaseModel):
    """How to reach the SMTP server; credentials come from the environment variables named."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(min_length=1)
    port: int = Field(default=25, ge=1, le=65535)
    sender: str
    starttls: bool = False
    ssl: bool = False  # implicit TLS (port 465); STARTTLS is the usual choice
    timeout_seconds: float = Field(default=30.0, gt=0)
    username_env: str | None = None
    password_env: str | None = None

    @field_validator("sender")
    @classmethod
    def _sender_is_an_address(cls, value: str) -> str:
        if not EMAIL_PATTERN.match(value.strip()):
            raise ValueError(f"{value!r} is not an e-mail address")
        return value.strip()

    @field_validator("username_env", "password_env")
    @classmethod
    def _is_a_variable_name(cls, value: str | None) -> str | None:
        if value is not None and not _ENV_NAME.match(value):
            # Do not echo the value: it may be the secret itself, written by mistake.
            raise ValueError("must be the name of an environment variable")
        return value

    def credentials(self) -> tuple[str, str] | None:
        """(user, password) when both variables are set; None means: do not log in."""
        user = os.environ.get(self.username_env) if self.username_env else None
        password = os.environ.get(self.password_env) if self.password_env else None
        if not user and not password:
            return None
        if not user or not password:
            missing = self.username_env if not user else self.password_env
            raise ConfigError(
                f"alerts.yaml email: the SMTP login needs both a user and a password, but the "
                f"environment variable {missing} is not set; set it, or unset the other one to "
                f"send without logging in"
            )
        return user, password


class AlertSettings(BaseModel):
    """The whole of alerts.yaml, with `assignments` resolved to an absolute path."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    assignments: Path
    suppression_hours: float = Field(default=24.0, ge=0)
    email: EmailSettings | None = None
    webhooks: bool = True
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_retries: int = Field(default=2, ge=0, le=10)


def load_alert_settings(home: Home) -> AlertSettings | None:
    """alerts.yaml of this home, or None when there is none (alerts then go to the page only)."""
    path = home.alerts_yaml
    if not path.exists():
        return None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: is not readable YAML ({exc}); fix its syntax") from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: must be a mapping of settings (assignments, email, ...)")
    _refuse_inline_secrets(path, raw)
    try:
        settings = AlertSettings.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_describe(path, exc)) from None
    table = home.resolve_path(settings.assignments)
    if not table.is_file():
        raise ConfigError(
            f"{path}: field assignments: the assignment table {table} does not exist; "
            f"put the CSV there or correct the path (relative paths are below {home.root})"
        )
    return settings.model_copy(update={"assignments": table})


def _refuse_inline_secrets(path: Path, raw: dict[str, Any]) -> None:
    email = raw.get("email")
    if isinstance(email, dict):
        inline = sorted(k for k in email if str(k).lower() in _SECRET_KEYS)
        if inline:
            raise ConfigError(
                f"{path}: field email.{inline[0]}: secrets must not be written in alerts.yaml; "
                f"remove it and use username_env / password_env to name environment variables"
            )


def _describe(path: Path, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"]) or "(top level)"
        last = str(error["loc"][-1]) if error["loc"] else ""
        if error["type"] == "extra_forbidden":
            fix = "remove it or check its spelling"
        else:
            fix = _FIXES.get(last, "correct it")
        # The message of pydantic may quote the input; inputs here are never secrets
        # (secrets are refused above), so quoting helps the officer find the line.
        problems.append(f"field {loc}: {error['msg']}; {fix}")
    return f"{path}: " + "; ".join(problems)
