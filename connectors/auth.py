"""Authentication as `requests.auth.AuthBase` objects that change each request, and env secrets.

Usage::

    auth = OAuth2ClientCredentials(
        "https://gw.example/oauth/token",
        client_id=secret_from_env("MTQG_MOF_CLIENT_ID"),
        client_secret=secret_from_env("MTQG_MOF_CLIENT_SECRET"),
    )
    http = HttpClient("mof", auth=auth)            # every request carries a Bearer token
    http = HttpClient("iati", auth=ApiKeyHeader("Ocp-Apim-Subscription-Key", key))

`OAuth2ClientCredentials` caches its token until shortly before `expires_in`; when an answer is
401 it fetches a new token and sends the request again, once (in its response hook, the one
place that does so). A failing token endpoint raises `requests.HTTPError`, which `HttpClient`
turns into a retry or a `SourceError` like any other answer.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import requests
from requests.auth import AuthBase

from core.errors import ConfigError

# Renew this many seconds before the announced expiry, so a token never dies in flight.
_EXPIRY_MARGIN = 60.0


def secret_from_env(var_name: str) -> str:
    """A secret from the environment; the ConfigError names only the variable, never a value."""
    value = os.environ.get(var_name, "")
    if not value.strip():
        raise ConfigError(
            f"environment variable {var_name} is not set (or empty); set it to the secret "
            "given by the publisher, e.g. in the service's environment file, never in sources.yaml"
        )
    return value.strip()


class ApiKeyHeader(AuthBase):
    """Sends a fixed API key in one header (IATI Datastore: `Ocp-Apim-Subscription-Key`)."""

    def __init__(self, header_name: str, key: str) -> None:
        self.header_name, self._key = header_name, key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers[self.header_name] = self._key
        return request

    def __repr__(self) -> str:
        return f"ApiKeyHeader({self.header_name!r}, key=<hidden>)"


class OAuth2ClientCredentials(AuthBase):
    """OAuth2 client-credentials grant: a cached Bearer token, renewed on expiry or on a 401."""

    def __init__(
        self,
        token_url: str,
        *,
        client_id: str,
        client_secret: str,
        timeout: tuple[float, float] = (10.0, 30.0),
        session: requests.Session | None = None,
        clock: Any = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self._client_id, self._client_secret = client_id, client_secret
        self.timeout = timeout
        self._session = session or requests.Session()
        self._session.trust_env = False
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"OAuth2ClientCredentials({self.token_url!r}, client_id=<hidden>)"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token()}"
        request.register_hook("response", self._renew_on_401)
        return request

    def token(self) -> str:
        """A valid access token, fetched only when none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at:
                self._fetch()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        with self._lock:
            self._token = None

    def _fetch(self) -> None:
        response = self._session.post(
            self.token_url,
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            headers={"Accept": "application/json"},
            timeout=self.timeout,
        )
        # Not raise_for_status(): its message would carry the URL; HttpClient words the error.
        if response.status_code >= 400:
            raise requests.HTTPError("token endpoint refused", response=response)
        try:
            body = response.json()
            token = str(body["access_token"])
        except (ValueError, KeyError, TypeError):
            raise requests.HTTPError(
                "token endpoint answered without access_token", response=response
            ) from None
        expires_in = float(body.get("expires_in") or 300)
        self._token = token
        self._expires_at = self._clock() + max(expires_in - _EXPIRY_MARGIN, expires_in / 2)

    def _renew_on_401(self, response: requests.Response, **kwargs: Any) -> requests.Response:
        if response.status_code != 401:
            return response
        # Read and release the refused answer so its connection can be reused.
        _ = response.content
        response.close()
        self.invalidate()
        retry = response.request.copy()
        retry.headers["Authorization"] = f"Bearer {self.token()}"
        # Sent through the adapter, not the session, so this hook does not fire again:
        # the request is retried once.
        new = response.connection.send(retry, **kwargs)
        new.history.append(response)
        new.request = retry
        return new
