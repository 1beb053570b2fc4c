"""Posting one alert digest to a chat webhook (JSON), with a few retries on server errors."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from core.errors import DeliveryError

_RETRY_STATUSES = (429, 500, 502, 503, 504)


def webhook_host(url: str) -> str:
    """The only part of a webhook URL that may be shown: its path often holds a token."""
    parts = urlsplit(url)
    host = parts.hostname or "(no host)"
    return f"{host}:{parts.port}" if parts.port else host


def post_webhook(
    url: str,
    payload: dict[str, Any],
    *,
    timeout: float = 10.0,
    retries: int = 2,
    backoff_seconds: float = 0.5,
) -> None:
    """POST `payload` as JSON; raise DeliveryError naming the host after the retries."""
    target = f"webhook at {webhook_host(url)}"
    retry = Retry(
        total=retries,
        connect=retries,
        read=0,  # a read timeout may mean the message arrived: do not post it twice
        status=retries,
        status_forcelist=_RETRY_STATUSES,
        allowed_methods=frozenset({"POST"}),
        backoff_factor=backoff_seconds,
        backoff_max=10,
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    with requests.Session() as session:
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        try:
            response = session.post(url, json=payload, timeout=timeout)
        except requests.Timeout:
            raise DeliveryError("chat", target, f"no answer within {timeout:g} s") from None
        except requests.RequestException as exc:
            # The text of requests' errors quotes the full URL (and its token): never show it.
            raise DeliveryError(
                "chat", target, f"could not connect ({type(exc).__name__})"
            ) from None
    if response.status_code >= 300:
        attempts = (
            f" after {retries + 1} attempts" if response.status_code in _RETRY_STATUSES else ""
        )
        raise DeliveryError(
            "chat", target, f"the server answered HTTP {response.status_code}{attempts}"
        )
