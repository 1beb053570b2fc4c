"""A donor's IATI publication for the demo and tests: activity files and a Solr-like Datastore.

    with IatiServer({"donor-a.xml": xml}, activity_docs, transaction_docs, api_key="k") as server:
        server.url + "/files/donor-a.xml"          # ETag / Last-Modified, 304 when unchanged
        server.url + "/datastore"                  # base of /activity/select, /transaction/select

The Datastore understands what the connector sends: `q` (`*:*` or `field:value`), `fq` (the same,
one), `fl`, `rows`, `start` or `cursorMark` (with a `sort` that includes `id`), `wt=json`,
and answers 401 without the `Ocp-Apim-Subscription-Key` header, as the real gateway does.
"""

from __future__ import annotations

import base64
import email.utils
import hashlib
import json
import threading
import time
from typing import Any

from demo.servers.base import DemoServer, Reply, Request

API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
COLLECTIONS = ("activity", "transaction")


class IatiServer(DemoServer):
    """Serves `/files/<name>` and `/datastore/<collection>/select`."""

    def __init__(
        self,
        files: dict[str, bytes],
        activity_docs: list[dict[str, Any]],
        transaction_docs: list[dict[str, Any]],
        api_key: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.api_key = api_key
        self._lock = threading.Lock()
        self._files: dict[str, tuple[bytes, str, str]] = {}
        for name, content in files.items():
            self.set_file(name, content)
        self._docs = {"activity": list(activity_docs), "transaction": list(transaction_docs)}
        # When > 0, each next page starts this many docs early: docs repeat across pages, as when
        # an index is rebuilt while a client pages through it.
        self.page_overlap = 0

    def set_file(self, name: str, content: bytes, *, modified: float | None = None) -> None:
        """Publish (or replace) a file; its ETag and Last-Modified change with its content."""
        etag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
        last_modified = email.utils.formatdate(modified or time.time(), usegmt=True)
        with self._lock:
            self._files[name] = (content, etag, last_modified)

    def remove_file(self, name: str) -> None:
        with self._lock:
            self._files.pop(name, None)

    def add_doc(self, collection: str, doc: dict[str, Any]) -> None:
        with self._lock:
            self._docs[collection].append(doc)

    def remove_doc(self, collection: str, doc_id: str) -> None:
        with self._lock:
            self._docs[collection] = [d for d in self._docs[collection] if d.get("id") != doc_id]

    def handle(self, request: Request) -> Reply:
        if request.path.startswith("/files/"):
            return self._file(request, request.path.removeprefix("/files/"))
        parts = request.path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "datastore" and parts[2] == "select":
            if parts[1] not in COLLECTIONS:
                return _solr_error(404, f"no collection {parts[1]}")
            if request.header(API_KEY_HEADER) != self.api_key:
                return Reply.json(
                    {
                        "statusCode": 401,
                        "message": "Access denied due to missing or invalid subscription key. "
                        "Make sure to provide a valid key for an active subscription.",
                    },
                    status=401,
                )
            return self._select(parts[1], request)
        return Reply(404, b"not found", {"Content-Type": "text/plain"})

    def _file(self, request: Request, name: str) -> Reply:
        with self._lock:
            found = self._files.get(name)
        if found is None:
            return Reply(404, b"no such file", {"Content-Type": "text/plain"})
        content, etag, last_modified = found
        headers = {"ETag": etag, "Last-Modified": last_modified, "Content-Type": "application/xml"}
        if_none_match = request.header("If-None-Match")
        if_modified_since = request.header("If-Modified-Since")
        if if_none_match is not None:
            if etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*":
                return Reply(304, b"", headers)
        elif if_modified_since is not None and _not_after(last_modified, if_modified_since):
            return Reply(304, b"", headers)
        return Reply(200, content, headers)

    def _select(self, collection: str, request: Request) -> Reply:
        query = request.query
        # The base server keeps one value per parameter, so one fq is honoured (Solr: several).
        fqs = [query["fq"]] if "fq" in query else []
        try:
            rows = int(query.get("rows", "10"))
            start = int(query.get("start", "0"))
        except ValueError:
            return _solr_error(400, "rows and start must be integers")
        with self._lock:
            docs = list(self._docs[collection])
        try:
            docs = [d for d in docs if _matches(d, query.get("q", "*:*"))]
            for fq in fqs:
                docs = [d for d in docs if _matches(d, fq)]
        except ValueError as exc:
            return _solr_error(400, str(exc))
        sort = _parse_sort(query.get("sort", "id asc"))
        docs = _sorted(docs, sort)
        cursor = query.get("cursorMark")
        header: dict[str, Any] = {"status": 0, "QTime": 1, "params": dict(query)}
        answer: dict[str, Any] = {"responseHeader": header}
        if cursor is not None:
            if start:
                return _solr_error(400, "Cursor functionality requires start=0")
            if "id" not in [field for field, _ in sort]:
                return _solr_error(
                    400,
                    "Cursor functionality requires a sort containing a uniqueKey field tie breaker",
                )
            try:
                after = None if cursor == "*" else _decode_cursor(cursor)
            except ValueError:
                return _solr_error(400, f"Unable to parse 'cursorMark' after totem: {cursor}")
            position = 0
            if after is not None:
                position = next(
                    (i for i, d in enumerate(docs) if _after(_sort_key(d, sort), after, sort)),
                    len(docs),
                )
                position = max(0, position - self.page_overlap)
            page = docs[position : position + rows]
            answer["nextCursorMark"] = _encode_cursor(_sort_key(page[-1], sort)) if page else cursor
            start = 0
        else:
            page = docs[start : start + rows]
        fl = query.get("fl")
        if fl and fl.strip() != "*":
            wanted = {f.strip() for f in fl.replace(" ", ",").split(",") if f.strip()}
            page = [{k: v for k, v in d.items() if k in wanted} for d in page]
        answer["response"] = {
            "numFound": len(docs),
            "start": start,
            "numFoundExact": True,
            "docs": page,
        }
        return Reply.json(answer)


def _solr_error(status: int, message: str) -> Reply:
    return Reply.json(
        {"responseHeader": {"status": status}, "error": {"msg": message, "code": status}},
        status=status,
    )


def _matches(doc: dict[str, Any], clause: str) -> bool:
    clause = clause.strip()
    if clause in ("*:*", ""):
        return True
    if ":" not in clause:
        raise ValueError(f"cannot parse query {clause!r}: use *:* or field:value")
    field, value = clause.split(":", 1)
    value = value.strip().strip('"')
    found = doc.get(field.strip())
    values = found if isinstance(found, list) else [found]
    if value == "*":
        return found is not None
    return any(str(v) == value for v in values if v is not None)


def _parse_sort(sort: str) -> list[tuple[str, bool]]:
    spec = []
    for part in sort.split(","):
        words = part.split()
        if words:
            spec.append((words[0], len(words) < 2 or words[1].lower() != "desc"))
    return spec or [("id", True)]


def _sort_key(doc: dict[str, Any], sort: list[tuple[str, bool]]) -> list[str]:
    key = []
    for field, _ in sort:
        value = doc.get(field)
        if isinstance(value, list):
            value = value[0] if value else None
        key.append("" if value is None else str(value))
    return key


def _sorted(docs: list[dict[str, Any]], sort: list[tuple[str, bool]]) -> list[dict[str, Any]]:
    ordered = list(docs)
    for index in reversed(range(len(sort))):
        ascending = sort[index][1]
        ordered.sort(key=lambda d, i=index: _sort_key(d, sort)[i], reverse=not ascending)
    return ordered


def _after(key: list[str], cursor: list[str], sort: list[tuple[str, bool]]) -> bool:
    for value, mark, (_, ascending) in zip(key, cursor, sort, strict=True):
        if value != mark:
            return value > mark if ascending else value < mark
    return False


def _encode_cursor(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode("utf-8")).decode("ascii")


def _decode_cursor(cursor: str) -> list[str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
    except (ValueError, UnicodeError) as exc:
        raise ValueError(cursor) from exc
    if not isinstance(key, list):
        raise ValueError(cursor)
    return [str(k) for k in key]


def _not_after(last_modified: str, if_modified_since: str) -> bool:
    try:
        modified = email.utils.parsedate_to_datetime(last_modified)
        since = email.utils.parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError):
        return False
    return modified <= since
