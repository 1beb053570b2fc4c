"""One HTTP client per source: timeouts, retries with capped backoff, secret-free URLs, streaming.

Usage::

    http = HttpClient("mof", auth=OAuth2ClientCredentials(...), max_retries=5)
    data = http.get_json("https://gw/api/v1/disbursements", params={"page": 1})
    page = http.get_json_response(url, params)        # .data, .content (raw bytes), .url, ...
    landed = http.stream_to_landing(url, landing, etag=previous_etag)   # LandedFile | NotModified

Whether a failure is retried or fatal is decided in `HttpClient._attempt_loop` only: 408, 429,
500, 502, 503, 504, connection errors, timeouts, resets, truncated and unparsable bodies are
retried (waiting `Retry-After` when given, capped at `backoff_max`); anything else, and the
last failure once retries are exhausted, raises `SourceError(source, redacted_url, reason)`.
Every URL that reaches an error, a log line or a sidecar goes through `redact`.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import PurePosixPath
from typing import Any, TypeVar
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from connectors.landing import LandedFile, Landing
from core.errors import LandingError, SourceError

log = logging.getLogger("mtqg.connectors.http")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
SECRET_PARAMS = frozenset(
    {
        "token",
        "key",
        "api_key",
        "apikey",
        "api-key",
        "access_token",
        "refresh_token",
        "id_token",
        "client_secret",
        "secret",
        "password",
        "passwd",
        "signature",
        "sig",
        "subscription-key",
        "subscription_key",
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "code",
    }
)
# Parameters whose name merely ends like these are secrets too (e.g. `ocp_key`, `mapToken`).
_SECRET_SUFFIXES = ("token", "secret", "password", "apikey", "api_key", "signature")
REDACTED = "REDACTED"
# Response headers worth keeping in a sidecar; everything else (cookies…) is dropped.
_KEPT_HEADERS = ("content-type", "content-length", "etag", "last-modified", "date")
_CHUNK = 1 << 16
_EXTENSIONS = {
    "application/json": "json",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.ms-excel": "xls",
    "application/zip": "zip",
}

T = TypeVar("T")


def _project_version() -> str:
    try:
        return metadata.version("mtqg")
    except metadata.PackageNotFoundError:
        return "0.0.0"


USER_AGENT = f"mtqg/{_project_version()} (+Văn phòng Điều phối Chương trình MTQG 1719)"


def redact(url: str) -> str:
    """The URL without credentials: user:password and secret-bearing query values are replaced."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rsplit('@', 1)[1]}"
    # Segment by segment, so everything but a secret value is kept exactly as it was written.
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else ""
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    name = pair.partition("=")[0]
    return f"{name}={REDACTED}" if _is_secret_param(unquote_plus(name)) else pair


def _is_secret_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_PARAMS or lowered.endswith(_SECRET_SUFFIXES)


@dataclass(frozen=True)
class NotModified:
    """The server said the resource did not change since the given ETag / Last-Modified."""

    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class JsonResponse:
    """A JSON answer: the parsed value and the exact bytes received (to land them)."""

    data: Any
    content: bytes
    url: str  # redacted
    status: int
    headers: dict[str, str] = field(default_factory=dict)


class _Retryable(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retry_after = reason, retry_after


class _Fatal(Exception):
    """Internal: this attempt failed in a way no retry will fix."""


class HttpClient:
    """A `requests.Session` for one source: timeouts, retries, size limit, project User-Agent."""

    def __init__(
        self,
        source: str,
        *,
        timeout: tuple[float, float] = (10.0, 60.0),
        max_retries: int = 5,
        backoff_factor: float = 0.5,
        backoff_max: float = 60.0,
        max_response_bytes: int = 512 * 1024 * 1024,
        auth: AuthBase | None = None,
        user_agent: str = USER_AGENT,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.source = source
        self.timeout = timeout
        self.max_retries = max_retries
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.max_response_bytes = max_response_bytes
        self._sleep = sleep
        self.session = requests.Session()
        self.session.auth = auth
        # Header values travel as bytes; UTF-8 keeps the Office's name with its diacritics.
        self.session.headers["User-Agent"] = user_agent.encode("utf-8")  # type: ignore[assignment]
        # Proxies from the environment would send 127.0.0.1 traffic astray; callers who need a
        # proxy set it on `session.proxies` explicitly.
        self.session.trust_env = False

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def full_url(self, url: str, params: dict[str, Any] | None = None) -> str:
        """The URL as it will be requested (query included), not yet redacted."""
        return requests.Request("GET", url, params=params).prepare().url or url

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """GET and parse JSON; an unparsable body is retried, then reported as a SourceError."""
        return self.get_json_response(url, params).data

    def get_json_response(self, url: str, params: dict[str, Any] | None = None) -> JsonResponse:
        """Like `get_json`, also returning the raw bytes and the (redacted) URL and headers."""

        def consume(response: requests.Response) -> JsonResponse:
            content = b"".join(self._limited(response))
            try:
                data = json.loads(content.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _Retryable(f"answer is not valid JSON ({exc})") from exc
            return JsonResponse(
                data=data,
                content=content,
                url=redact(response.url),
                status=response.status_code,
                headers=_kept_headers(response),
            )

        return self._attempt_loop(url, params, {}, consume)

    def stream_to_landing(
        self,
        url: str,
        landing: Landing,
        *,
        params: dict[str, Any] | None = None,
        extension: str | None = None,
        original_name: str | None = None,
        extra: dict[str, Any] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> LandedFile | NotModified:
        """Stream the body into the landing zone in chunks (size-limited); 304 → `NotModified`."""
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        name = original_name or _name_from_url(url)

        def consume(response: requests.Response) -> LandedFile | NotModified:
            if response.status_code == 304:
                return NotModified(
                    url=redact(response.url),
                    etag=response.headers.get("ETag", etag),
                    last_modified=response.headers.get("Last-Modified", last_modified),
                )
            content_type = response.headers.get("Content-Type")
            try:
                return landing.store_chunks(
                    self.source,
                    self._limited(response),
                    extension=extension or _extension_for(name, content_type),
                    original_name=name,
                    url=redact(response.url),
                    content_type=content_type,
                    http_status=response.status_code,
                    headers=_kept_headers(response),
                    extra=extra,
                )
            except LandingError as exc:
                raise _Fatal(str(exc)) from exc

        return self._attempt_loop(url, params, headers, consume)

    def _limited(self, response: requests.Response) -> Iterator[bytes]:
        size = 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > self.max_response_bytes:
                raise _Fatal(
                    f"answer is larger than the limit of {self.max_response_bytes} bytes "
                    "(raise max_response_bytes for this source if this is expected)"
                )
            yield chunk

    def _attempt_loop(
        self,
        url: str,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        consume: Callable[[requests.Response], T],
    ) -> T:
        """The one place that decides: succeed, retry after a wait, or fail with a SourceError."""
        shown = redact(self.full_url(url, params))
        attempt = 0
        while True:
            try:
                return self._attempt(url, params, headers, consume)
            except _Fatal as exc:
                raise SourceError(self.source, shown, str(exc)) from None
            except _Retryable as exc:
                if attempt >= self.max_retries:
                    raise SourceError(
                        self.source,
                        shown,
                        f"{exc.reason}; gave up after {attempt + 1} attempts",
                    ) from None
                wait = self._wait(attempt, exc.retry_after)
                attempt += 1
                log.warning(
                    "source %s: GET %s failed (%s); retry %d/%d in %.2f s",
                    self.source,
                    shown,
                    exc.reason,
                    attempt,
                    self.max_retries,
                    wait,
                )
                self._sleep(wait)

    def _attempt(
        self,
        url: str,
        params: dict[str, Any] | None,
        headers: dict[str, str],
        consume: Callable[[requests.Response], T],
    ) -> T:
        try:
            response = self.session.get(
                url, params=params, headers=headers, timeout=self.timeout, stream=True
            )
        except requests.HTTPError as exc:
            # Raised by an auth object (e.g. the token endpoint answered with an error).
            raise _classify_status(exc.response, "token endpoint ") from None
        except requests.Timeout as exc:
            raise _Retryable(f"no answer within the timeout ({type(exc).__name__})") from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise _Retryable(f"connection failed ({_short(exc)})") from None
        except requests.RequestException as exc:
            raise _Fatal(f"request could not be made ({_short(exc)})") from None
        with response:
            if response.status_code >= 400:
                raise _classify_status(response)
            try:
                return consume(response)
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
                requests.ConnectionError,
                requests.Timeout,
            ) as exc:
                raise _Retryable(f"answer was cut off ({_short(exc)})") from None

    def _wait(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.backoff_max)
        base = min(self.backoff_max, self.backoff_factor * (2**attempt))
        # Jitter spreads the retries of parallel runs so they do not hit the gateway together.
        return base * (0.5 + random.random() / 2)


def _classify_status(response: requests.Response | None, what: str = "") -> Exception:
    if response is None:
        return _Retryable(f"{what}request failed without an answer")
    status = response.status_code
    reason = f"{what}answered HTTP {status} {response.reason or ''}".rstrip()
    if status in RETRY_STATUSES:
        return _Retryable(reason, _retry_after(response.headers.get("Retry-After")))
    if status == 401:
        return _Fatal(f"{reason}: credentials refused; check the client id/secret or API key")
    if status == 403:
        return _Fatal(f"{reason}: access denied; ask the publisher to grant this client access")
    if status == 404:
        return _Fatal(f"{reason}: not found; check the URL in sources.yaml")
    return _Fatal(reason)


def _retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds to wait; it may be a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _kept_headers(response: requests.Response) -> dict[str, str]:
    return {k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers}


def _name_from_url(url: str) -> str | None:
    name = unquote(PurePosixPath(urlsplit(url).path).name)
    return name or None


def _extension_for(name: str | None, content_type: str | None) -> str | None:
    if name and "." in name:
        return name.rsplit(".", 1)[1].lower()
    if content_type:
        return _EXTENSIONS.get(content_type.split(";")[0].strip().lower())
    return None


def _short(exc: BaseException) -> str:
    """A one-line reason without the URL (requests puts full URLs, maybe secret, in messages)."""
    cause: BaseException = exc
    while cause.__context__ is not None and cause.__context__ is not cause:
        cause = cause.__context__
    return type(exc).__name__ if cause is exc else f"{type(exc).__name__}: {type(cause).__name__}"
