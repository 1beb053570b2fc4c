"""HttpClient, auth and paginators against a demo server on 127.0.0.1 with injected faults."""

from __future__ import annotations

import email.utils
import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest

from connectors.auth import ApiKeyHeader, OAuth2ClientCredentials, secret_from_env
from connectors.http import HttpClient, NotModified, redact
from connectors.landing import LandedFile
from connectors.paginators import CursorMarkPaginator, OffsetPaginator, PageNumberPaginator
from core.errors import ConfigError, SourceError
from demo.servers.base import DemoServer, Reply, Request
from demo.servers.ministry_api import MinistryApiServer

PAYLOAD = {"data": [{"id": i, "tên": "Xã Nậm Cang"} for i in range(3000)]}
XML = b"<?xml version='1.0'?><iati-activities>" + b"<iati-activity/>" * 5000 + b"</iati-activities>"
ETAG = '"v1"'


class EchoServer(DemoServer):
    def handle(self, request: Request) -> Reply:
        if request.path == "/data":
            return Reply.json({**PAYLOAD, "ua": request.header("User-Agent")})
        if request.path == "/files/donor-a.xml":
            if request.header("If-None-Match") == ETAG:
                return Reply(304, b"", {"ETag": ETAG})
            return Reply(200, XML, {"Content-Type": "application/xml", "ETag": ETAG})
        if request.path == "/headers":
            return Reply.json({"headers": request.headers})
        return Reply(404, b"no such thing")


@pytest.fixture
def server():
    with EchoServer() as running:
        yield running


def fast_client(**options) -> HttpClient:
    defaults = dict(timeout=(2.0, 0.5), max_retries=3, backoff_factor=0.001, backoff_max=0.01)
    return HttpClient("test_source", **{**defaults, **options})


def test_get_json_sends_project_user_agent(server):
    with fast_client() as http:
        body = http.get_json(server.url + "/data")
    assert body["data"] == PAYLOAD["data"]
    # Header bytes are UTF-8; the stdlib server decodes them as latin-1.
    user_agent = body["ua"].encode("latin-1").decode("utf-8")
    assert user_agent.startswith("mtqg/")
    assert "Văn phòng Điều phối Chương trình MTQG 1719" in user_agent


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 500}),
        ("status", {"status": 502}),
        ("status", {"status": 503}),
        ("status", {"status": 504}),
        ("status", {"status": 408}),
        ("status", {"status": 429, "retry_after": "0"}),
        ("delay", {"delay": 1.0}),
        ("reset", {}),
        ("truncate", {}),
        ("invalid_body", {}),
    ],
)
def test_transient_faults_are_retried_to_the_same_answer(server, kind, options):
    server.faults.add("/data", kind, times=2, **options)
    with fast_client() as http:
        body = http.get_json(server.url + "/data")
    assert body["data"] == PAYLOAD["data"]
    assert server.hits("/data") == 3
    assert server.faults.pending() == 0


def test_retry_after_seconds_and_http_date_are_honoured_and_capped(server):
    waits: list[float] = []
    server.faults.add("/data", "status", status=429, retry_after="7")
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.faults.add("/data", "status", status=503, retry_after=later)
    server.faults.add("/data", "status", status=429, retry_after="120")
    with fast_client(backoff_max=60.0, sleep=waits.append) as http:
        http.get_json(server.url + "/data")
    assert waits[0] == 7.0
    assert 25.0 < waits[1] <= 30.0
    assert waits[2] == 60.0  # capped at backoff_max


def test_backoff_grows_and_is_capped_without_retry_after(server):
    waits: list[float] = []
    server.faults.add("/data", "status", status=502, times=5)
    with fast_client(
        max_retries=5, backoff_factor=1.0, backoff_max=4.0, sleep=waits.append
    ) as http:
        http.get_json(server.url + "/data")
    assert len(waits) == 5
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0
    assert all(w <= 4.0 for w in waits) and waits[4] >= 2.0


def test_exhausted_retries_raise_source_error_without_secret(server, caplog):
    server.faults.add("/data", "status", status=503, times=100)
    caplog.set_level(logging.WARNING, logger="mtqg.connectors.http")
    with fast_client() as http, pytest.raises(SourceError) as caught:
        http.get_json(server.url + "/data", params={"year": 2024, "api_key": "TOPSECRET"})
    error = caught.value
    assert error.source == "test_source"
    assert error.url == f"{server.url}/data?year=2024&api_key=REDACTED"
    assert "503" in str(error) and "4 attempts" in str(error)
    assert "TOPSECRET" not in str(error)
    assert server.hits("/data") == 4
    assert len(caplog.records) == 3
    assert all("TOPSECRET" not in r.getMessage() for r in caplog.records)
    assert "retry 1/3" in caplog.records[0].getMessage()


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_client_errors_are_not_retried(server, status):
    server.faults.add("/data", "status", status=status)
    with fast_client() as http, pytest.raises(SourceError, match=str(status)):
        http.get_json(server.url + "/data")
    assert server.hits("/data") == 1


def test_unreachable_host_is_a_source_error(server):
    url = server.url
    server.stop()
    with fast_client(max_retries=1) as http, pytest.raises(SourceError, match="connection"):
        http.get_json(url + "/data")


def test_stream_to_landing_keeps_payload_and_redacted_url(server, landing):
    with fast_client() as http:
        landed = http.stream_to_landing(
            server.url + "/files/donor-a.xml?token=TOPSECRET", landing, extra={"kind": "x"}
        )
    assert isinstance(landed, LandedFile) and landed.is_new
    assert landed.path.read_bytes() == XML
    assert landed.sha256 == hashlib.sha256(XML).hexdigest()
    assert landed.original_name == "donor-a.xml" and landed.extension == "xml"
    assert landed.url == f"{server.url}/files/donor-a.xml?token=REDACTED"
    assert landed.headers["etag"] == ETAG
    assert landed.extra == {"kind": "x"}
    assert "TOPSECRET" not in landed.sidecar.read_text(encoding="utf-8")


def test_stream_to_landing_conditional_get_gives_not_modified(server, landing):
    with fast_client() as http:
        result = http.stream_to_landing(server.url + "/files/donor-a.xml", landing, etag=ETAG)
    assert isinstance(result, NotModified) and result.etag == ETAG
    assert list(landing.files()) == []
    sent = server.requests[-1]
    assert sent.header("If-None-Match") == ETAG


def test_stream_to_landing_retries_a_truncated_body(server, landing):
    server.faults.add("/files", "truncate")
    server.faults.add("/files", "reset")
    with fast_client() as http:
        landed = http.stream_to_landing(server.url + "/files/donor-a.xml", landing)
    assert landed.path.read_bytes() == XML
    assert len(list(landing.files())) == 1
    assert list((landing.root / ".incoming").iterdir()) == []


def test_stream_to_landing_refuses_oversized_answers(server, landing):
    with fast_client(max_response_bytes=1000) as http, pytest.raises(SourceError) as caught:
        http.stream_to_landing(server.url + "/files/donor-a.xml", landing)
    assert "larger than the limit of 1000 bytes" in str(caught.value)
    assert server.hits("/files") == 1
    assert list(landing.files()) == []
    assert list((landing.root / ".incoming").iterdir()) == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://h/x?token=abc&b=2", "https://h/x?token=REDACTED&b=2"),
        ("https://h/x?q=a%20b&apiKey=1&API_KEY=2", "https://h/x?q=a%20b&apiKey=REDACTED&API_KEY=REDACTED"),
        ("https://u:pw@h/p?client_secret=s&signature=t", "https://REDACTED@h/p?client_secret=REDACTED&signature=REDACTED"),
        ("https://h/x?access_token=a&key=b&fq=tags:mtqg", "https://h/x?access_token=REDACTED&key=REDACTED&fq=tags:mtqg"),
        ("https://h/files/a.xml", "https://h/files/a.xml"),
    ],
)  # fmt: skip
def test_redact_removes_secret_values_and_keeps_the_rest(url, expected):
    assert redact(url) == expected


def test_api_key_header_is_sent(server):
    with fast_client(auth=ApiKeyHeader("Ocp-Apim-Subscription-Key", "k-123")) as http:
        headers = http.get_json(server.url + "/headers")["headers"]
    assert headers["Ocp-Apim-Subscription-Key"] == "k-123"
    assert "k-123" not in repr(ApiKeyHeader("Ocp-Apim-Subscription-Key", "k-123"))


def test_oauth_token_is_cached_then_renewed_once_on_401():
    with MinistryApiServer({}, clients={"mtqg": "s3cret"}) as gateway:
        auth = OAuth2ClientCredentials(
            gateway.url + "/oauth/token", client_id="mtqg", client_secret="s3cret"
        )
        with fast_client(auth=auth) as http:
            url = gateway.url + "/api/v1/disbursements"
            for _ in range(3):
                assert http.get_json(url)["total"] == 0
            assert gateway.hits("/oauth/token") == 1
            gateway.expire_tokens()
            assert http.get_json(url)["total"] == 0
        assert gateway.hits("/oauth/token") == 2
        assert gateway.hits("/api/v1/disbursements") == 5


def test_oauth_token_renewed_before_expiry():
    now = [0.0]
    with MinistryApiServer({}, clients={"mtqg": "s3cret"}, token_ttl=600) as gateway:
        auth = OAuth2ClientCredentials(
            gateway.url + "/oauth/token",
            client_id="mtqg",
            client_secret="s3cret",
            clock=lambda: now[0],
        )
        first = auth.token()
        now[0] = 500.0
        assert auth.token() == first
        now[0] = 545.0  # within the safety margin before the 600 s expiry
        assert auth.token() != first
        assert gateway.hits("/oauth/token") == 2


def test_refused_credentials_name_the_problem_not_the_secret():
    with MinistryApiServer({}, clients={"mtqg": "s3cret"}) as gateway:
        auth = OAuth2ClientCredentials(
            gateway.url + "/oauth/token", client_id="mtqg", client_secret="WRONG-SECRET"
        )
        with fast_client(auth=auth) as http, pytest.raises(SourceError) as caught:
            http.get_json(gateway.url + "/api/v1/capital-plans")
        assert "token endpoint answered HTTP 401" in str(caught.value)
        assert "client id/secret" in str(caught.value)
        assert "WRONG-SECRET" not in str(caught.value)
        assert gateway.hits("/oauth/token") == 1


def test_token_endpoint_outage_is_retried():
    with MinistryApiServer({}, clients={"mtqg": "s3cret"}) as gateway:
        gateway.faults.add("/oauth/token", "status", status=503, times=2)
        auth = OAuth2ClientCredentials(
            gateway.url + "/oauth/token", client_id="mtqg", client_secret="s3cret"
        )
        with fast_client(auth=auth) as http:
            assert http.get_json(gateway.url + "/api/v1/capital-plans")["total"] == 0
        assert gateway.hits("/oauth/token") == 3


def test_secret_from_env_names_the_variable_only(monkeypatch):
    monkeypatch.setenv("MTQG_TEST_SECRET", "  value-1 ")
    assert secret_from_env("MTQG_TEST_SECRET") == "value-1"
    monkeypatch.delenv("MTQG_TEST_SECRET")
    with pytest.raises(ConfigError, match="MTQG_TEST_SECRET is not set"):
        secret_from_env("MTQG_TEST_SECRET")


def test_page_number_paginator_stops_on_total_and_on_empty_pages():
    paginator = PageNumberPaginator(page_size=2)
    assert paginator.first_params() == {"page": 1, "page_size": 2}
    page = {"data": [1, 2], "page": 1, "page_size": 2, "total": 5}
    assert paginator.next_params(page) == {"page": 2, "page_size": 2}
    assert paginator.next_params({**page, "page": 2}) == {"page": 3, "page_size": 2}
    assert paginator.next_params({**page, "data": [5], "page": 3}) is None
    assert PageNumberPaginator(2).next_params({"data": [], "total": 9}) is None
    # The server capped page_size at 1: it still counts right.
    capped = PageNumberPaginator(page_size=2)
    assert capped.next_params({"data": [1], "page_size": 1, "total": 2}) == {
        "page": 2,
        "page_size": 2,
    }


def test_offset_paginator_follows_ckan_and_solr_counts():
    ckan = OffsetPaginator(rows=2)
    assert ckan.first_params() == {"start": 0, "rows": 2}
    answer = {"result": {"count": 3, "results": [{}, {}]}}
    assert ckan.next_params(answer) == {"start": 2, "rows": 2}
    assert ckan.next_params(answer) is None
    solr = OffsetPaginator(
        rows=10, count_path=("response", "numFound"), items_path=("response", "docs")
    )
    assert solr.next_params({"response": {"numFound": 0, "docs": []}}) is None


def test_cursor_mark_paginator_stops_when_the_cursor_repeats():
    paginator = CursorMarkPaginator(rows=5)
    assert paginator.first_params() == {"cursorMark": "*", "rows": 5}
    assert paginator.next_params({"nextCursorMark": "AoE1"}) == {"cursorMark": "AoE1", "rows": 5}
    assert paginator.next_params({"nextCursorMark": "AoE1"}) is None


def test_demo_server_rejects_unknown_fault_kinds(server):
    with pytest.raises(ValueError, match="unknown fault kind"):
        server.faults.add("/", "explode")
    assert json.loads(Reply.json({"a": "ễ"}).body) == {"a": "ễ"}
