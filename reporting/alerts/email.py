"""Sending one alert digest by e-mail through the Office's SMTP server."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from core.errors import DeliveryError
from reporting.alerts.settings import EmailSettings


def build_email(settings: EmailSettings, to: str, subject: str, body: str) -> EmailMessage:
    """A UTF-8 plain-text message from the configured sender."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = make_msgid(domain=settings.sender.rsplit("@", 1)[1])
    message.set_content(body, charset="utf-8")
    return message


def send_email(settings: EmailSettings, to: str, subject: str, body: str) -> None:
    """Deliver one message; any failure becomes a DeliveryError naming the SMTP host only."""
    message = build_email(settings, to, subject, body)
    target = f"SMTP server {settings.host}:{settings.port}"
    credentials = settings.credentials()
    stage = "connecting"
    try:
        client_class = smtplib.SMTP_SSL if settings.ssl else smtplib.SMTP
        kwargs = {"context": ssl.create_default_context()} if settings.ssl else {}
        with client_class(
            settings.host, settings.port, timeout=settings.timeout_seconds, **kwargs
        ) as smtp:
            if settings.starttls and not settings.ssl:
                stage = "STARTTLS"
                smtp.starttls(context=ssl.create_default_context())
            if credentials:
                stage = "login"
                smtp.login(*credentials)
            stage = "sending"
            refused = smtp.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(
            "e-mail",
            target,
            f"login refused (code {exc.smtp_code}); check the account in the environment "
            f"variables {settings.username_env} / {settings.password_env}",
        ) from None
    except smtplib.SMTPNotSupportedError:
        fix = (
            "set starttls: false in alerts.yaml only if the server is on a trusted network"
            if stage == "STARTTLS"
            else "unset the SMTP user/password variables or ask for an account with login"
        )
        raise DeliveryError("e-mail", target, f"the server does not offer {stage}; {fix}") from None
    except smtplib.SMTPRecipientsRefused:
        raise DeliveryError("e-mail", target, f"the server refused the address {to}") from None
    except (smtplib.SMTPException, OSError) as exc:
        # Only the kind of failure: messages of TLS and socket errors may quote the dialogue.
        raise DeliveryError(
            "e-mail", target, f"{stage} failed while sending to {to} ({_describe(exc)})"
        ) from None
    if refused:
        raise DeliveryError("e-mail", target, f"the server refused the address {to}")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused: is the server running and the port right?"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{type(exc).__name__}, code {exc.smtp_code}"
    return type(exc).__name__
