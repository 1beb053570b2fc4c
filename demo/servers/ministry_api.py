"""The ministries' API gateway (sources README section 1) as a demo server: OAuth2, 5 collections.

Usage::

    with MinistryApiServer({"capital-plans": [...]}, clients={"mtqg": "s3cret"}) as gateway:
        gateway.url                                   # http://127.0.0.1:<port>
        gateway.expire_tokens()                       # next call answers 401 until a new token
        gateway.insert_after_page("capital-plans", 1, record)   # shifts later pages by one
        gateway.upsert("disbursements", record)       # change data between pulls
        gateway.remove("capital-plans", "KHV-1")      # withdrawn: later pages shift back by one
        gateway.issued_tokens                         # every access token handed out so far
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from demo.servers.base import DemoServer, Reply, Request

COLLECTIONS = (
    "capital-plans",
    "disbursements",
    "beneficiary-communes",
    "extremely-difficult-villages",
    "exchange-rates",
)
MAX_PAGE_SIZE = 1000
_PREFIX = "/api/v1/"


class MinistryApiServer(DemoServer):
    """Token-guarded, paged collections ordered by `id`, filtered by `updated_since` and friends."""

    def __init__(
        self,
        records: dict[str, list[dict[str, Any]]],
        clients: dict[str, str],
        token_ttl: int = 3600,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        unknown = set(records) - set(COLLECTIONS)
        if unknown:
            raise ValueError(f"unknown collections {sorted(unknown)}; use {COLLECTIONS}")
        self._records = {
            name: sorted((dict(r) for r in records.get(name, [])), key=lambda r: str(r["id"]))
            for name in COLLECTIONS
        }
        self.clients = dict(clients)
        self.token_ttl = token_ttl
        self._tokens: dict[str, float] = {}
        self.issued_tokens: list[str] = []
        self._pending_inserts: list[tuple[str, int, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def expire_tokens(self) -> None:
        """Every token issued so far is refused from now on (as after the gateway's TTL)."""
        with self._lock:
            self._tokens.clear()

    def upsert(self, collection: str, record: dict[str, Any]) -> None:
        with self._lock:
            self._upsert(collection, record)

    def remove(self, collection: str, record_id: str) -> None:
        """Withdraw a record: it is no longer served, and the records after it move up."""
        with self._lock:
            self._records[collection] = [
                r for r in self._records[collection] if r["id"] != record_id
            ]

    def insert_after_page(self, collection: str, page: int, record: dict[str, Any]) -> None:
        """Insert (or replace) `record` right after page `page` of `collection` has been served."""
        with self._lock:
            self._pending_inserts.append((collection, page, dict(record)))

    def records(self, collection: str) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._records[collection]]

    def handle(self, request: Request) -> Reply:
        if request.path == "/oauth/token":
            return self._token(request)
        if not request.path.startswith(_PREFIX):
            return Reply.json({"error": "not_found"}, 404)
        collection = request.path[len(_PREFIX) :].strip("/")
        if collection not in COLLECTIONS:
            return Reply.json({"error": "not_found", "collection": collection}, 404)
        if request.method != "GET":
            return Reply.json({"error": "method_not_allowed"}, 405)
        if not self._authorised(request):
            return Reply.json(
                {"error": "invalid_token"},
                401,
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return self._page(collection, request.query)

    def _token(self, request: Request) -> Reply:
        if request.method != "POST":
            return Reply.json({"error": "method_not_allowed"}, 405)
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return Reply.json({"error": "unsupported_grant_type"}, 400)
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        expected = self.clients.get(client_id)
        if expected is None or not secrets.compare_digest(expected, secret):
            return Reply.json({"error": "invalid_client"}, 401)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.token_ttl
            self.issued_tokens.append(token)
        return Reply.json(
            {"access_token": token, "token_type": "Bearer", "expires_in": self.token_ttl}
        )

    def _authorised(self, request: Request) -> bool:
        header = request.header("Authorization") or ""
        if not header.startswith("Bearer "):
            return False
        with self._lock:
            expires = self._tokens.get(header[len("Bearer ") :])
        return expires is not None and time.monotonic() < expires

    def _page(self, collection: str, query: dict[str, str]) -> Reply:
        try:
            page = int(query.get("page", "1"))
            page_size = min(int(query.get("page_size", "100")), MAX_PAGE_SIZE)
            since = _parse_time(query["updated_since"]) if "updated_since" in query else None
        except ValueError as exc:
            return Reply.json({"error": "bad_request", "detail": str(exc)}, 400)
        if page < 1 or page_size < 1:
            return Reply.json({"error": "bad_request", "detail": "page and page_size ≥ 1"}, 400)
        with self._lock:
            selected = [
                dict(r) for r in self._records[collection] if _matches(collection, r, query, since)
            ]
            self._apply_inserts(collection, page)
        start = (page - 1) * page_size
        return Reply.json(
            {
                "data": selected[start : start + page_size],
                "page": page,
                "page_size": page_size,
                "total": len(selected),
            }
        )

    def _apply_inserts(self, collection: str, served_page: int) -> None:
        due = [p for p in self._pending_inserts if p[0] == collection and p[1] <= served_page]
        for item in due:
            self._pending_inserts.remove(item)
            self._upsert(collection, item[2])

    def _upsert(self, collection: str, record: dict[str, Any]) -> None:
        rows = [r for r in self._records[collection] if r["id"] != record["id"]]
        rows.append(dict(record))
        rows.sort(key=lambda r: str(r["id"]))
        self._records[collection] = rows


def _matches(
    collection: str, record: dict[str, Any], query: dict[str, str], since: datetime | None
) -> bool:
    if since is not None and _parse_time(str(record["updated_at"])) < since:
        return False
    if collection == "capital-plans" and "year" in query:
        return str(record.get("year")) == query["year"]
    if collection == "exchange-rates":
        if "currency" in query and record.get("currency") != query["currency"]:
            return False
        if "from" in query and str(record.get("rate_date")) < query["from"]:
            return False
        if "to" in query and str(record.get("rate_date")) > query["to"]:
            return False
    return True


def _parse_time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
