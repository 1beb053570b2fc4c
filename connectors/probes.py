"""Cheap looks at each source, made by the sensors before they ask for a run (nothing is stored).

Each probe answers "did something change?" with one small request (or a directory listing);
the run's landing asset then confirms the change on the content itself. Probes raise
`SourceError` / `ConfigError` with the source, URL and reason; they never write landing,
state or the warehouse.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from connectors.ckan import CkanClient, select_resources
from connectors.cursors import CursorStore
from connectors.http import HttpClient, redact
from connectors.ministry import MinistryClient, cursor_key
from core.errors import SourceError
from core.home import Home

# A probe is one look: one try and a short read timeout; the next tick is the retry.
PROBE_READ_TIMEOUT = 30.0
_CHUNK = 1 << 20


def probe_http(source: Any, *, auth: Any = None) -> HttpClient:
    """An HttpClient for a probe of this source: its own timeouts, capped, and a single try."""
    options = source.http_options()
    connect, read = options["timeout"]
    options.update(timeout=(connect, min(read, PROBE_READ_TIMEOUT)), max_retries=0)
    return HttpClient(source.name, auth=auth, **options)


# --- inbox ---------------------------------------------------------------------------------


def look_at_inbox(inbox: Path, skip: set[Path] | None = None) -> dict[str, tuple[int, int]]:
    """Size and mtime (ns) of every regular file below the inbox, by path relative to it."""
    inbox = Path(inbox)
    skipped = {p.resolve() for p in (skip or set())}
    looks: dict[str, tuple[int, int]] = {}
    if not inbox.is_dir():
        return looks
    for folder, dirs, files in os.walk(inbox, followlinks=False):
        here = Path(folder)
        dirs[:] = [d for d in dirs if (here / d).resolve() not in skipped]
        for name in files:
            path = here / name
            try:
                stat = path.lstat()
            except FileNotFoundError:
                continue  # taken by a run between the listing and the look
            looks[path.relative_to(inbox).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return looks


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- CKAN portals ----------------------------------------------------------------------------


def ckan_fingerprints(source: Any, home: Home, *, auth: Any = None) -> dict[str, str]:
    """Per resource id of the programme's reports on the portal: `landed:<sha256>` when the
    file answers as the one landed last, else what the listing and the file's headers say now.

    Portals rarely update a resource's listed size or dates when its file is replaced, so each
    file is also asked a conditional HEAD with the validators the connector kept.
    """
    state = CursorStore(home.state / f"{source.name}.ckan.json")
    fingerprints: dict[str, str] = {}
    with probe_http(source, auth=auth) as http:
        client = CkanClient(source.url, http, rows=source.rows)
        resources = select_resources(client.package_search(source.fq), source.formats)
        for resource in resources:
            known = state.entry(resource.resource_id) or {}
            if known.get("url") != redact(resource.url):
                known = {}  # validators belong to a URL
            try:
                content = content_state(http, resource.url, known)
            except SourceError as exc:
                content = f"unreachable: {exc.reason}"
            listed = [redact(resource.url), resource.size, resource.last_modified, resource.hash]
            fingerprints[resource.resource_id] = (
                content if content.startswith(UNCHANGED) else json.dumps([*listed, content])
            )
    return fingerprints


# --- ministries' gateway ---------------------------------------------------------------------


@dataclass(frozen=True)
class CollectionChange:
    """A collection with records changed since its last pull (`since` None: never pulled)."""

    collection: str
    since: str | None
    total: int | None


def ministry_changes(
    source: Any, home: Home, client_of: Callable[..., MinistryClient]
) -> list[CollectionChange]:
    """Collections whose gateway has records newer than the connector's high-water mark.

    One page of one record per collection (`updated_since`, `page_size=1`) tells, by its
    `total`, whether a pull would bring anything. The mark is read from the connector's own
    cursor file, so a run that failed half-way is asked for again.
    """
    cursors = CursorStore.for_source(home, source.name)
    changes: list[CollectionChange] = []
    pending = []
    for collection in source.collections:
        params = dict(source.params.get(collection, {}))
        mark = cursors.get(cursor_key(collection, params))
        if mark is None:
            changes.append(CollectionChange(collection, None, None))
        else:
            pending.append((collection, params, mark))
    if not pending:
        return changes
    # one look, one try: the next look is the retry
    client = client_of(source, max_retries=0)
    with client.http:
        for collection, params, mark in pending:
            # The gateway's `updated_since` is inclusive and the mark is the newest record
            # already pulled: one second later asks only for what is newer.
            since = _one_second_after(mark)
            page = client.fetch_page(
                collection, {**params, "updated_since": since, "page": 1, "page_size": 1}
            )
            total = int(page.data["total"])
            if total > 0:
                changes.append(CollectionChange(collection, mark, total))
    return changes


def _one_second_after(mark: str) -> str:
    moment = datetime.fromisoformat(mark.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    later = (moment + timedelta(seconds=1)).astimezone(UTC)
    return later.isoformat(timespec="seconds").replace("+00:00", "Z")


# --- IATI activity files and Datastore ---------------------------------------------------------

UNCHANGED = "landed"  # fingerprint prefix: the server confirms what was landed last


def content_state(http: HttpClient, url: str, known: dict[str, Any]) -> str:
    """`landed:<sha256>` when the server confirms the content landed last (304, same ETag, or
    same Last-Modified without an ETag), else `<etag>|<last-modified>|<length>` as answered.

    `known` is the connector's entry for this URL (value = sha256 landed, etag, last_modified).
    """
    headers = {}
    if known.get("etag"):
        headers["If-None-Match"] = known["etag"]
    if known.get("last_modified"):
        headers["If-Modified-Since"] = known["last_modified"]
    status, answer = _head(http, url, headers)
    etag, modified = answer.get("ETag"), answer.get("Last-Modified")
    same_etag = bool(etag) and etag == known.get("etag")
    same_date = not etag and bool(modified) and modified == known.get("last_modified")
    if known.get("value") and (status == 304 or same_etag or same_date):
        return f"{UNCHANGED}:{known['value']}"
    return f"{etag}|{modified}|{answer.get('Content-Length')}"


def iati_file_fingerprints(source: Any, home: Home) -> dict[str, str]:
    """Per (redacted) URL of the source's activity files, its `content_state`.

    One HEAD request per file, conditional on the validators the connector kept; a server
    refusing HEAD is asked a GET whose body is not read.
    """
    validators = CursorStore(home.state / f"{source.name}.iati_files.json")
    with probe_http(source) as http:
        return {
            redact(url): content_state(http, url, validators.entry(redact(url)) or {})
            for url in source.urls
        }


def _head(http: HttpClient, url: str, headers: dict[str, str]) -> tuple[int, Any]:
    shown = redact(url)
    try:
        response = http.session.head(url, headers=headers, timeout=http.timeout)
        if response.status_code in (405, 501):
            with http.session.get(url, headers=headers, timeout=http.timeout, stream=True) as got:
                response = got
    except requests.RequestException as exc:
        raise SourceError(
            http.source, shown, f"no answer to the probe ({type(exc).__name__})"
        ) from None
    if response.status_code >= 400:
        raise SourceError(http.source, shown, f"answered HTTP {response.status_code}")
    return response.status_code, response.headers


def datastore_fingerprint(source: Any, *, auth: Any = None) -> str:
    """`<newest last_updated_datetime>|<number of docs>` of the source's query (one doc asked)."""
    params: dict[str, Any] = {
        "q": source.query,
        "wt": "json",
        "rows": 1,
        "fl": "id,last_updated_datetime",
        "sort": "last_updated_datetime desc",
    }
    if source.filters:
        params["fq"] = source.filters
    url = f"{source.url.rstrip('/')}/transaction/select"
    with probe_http(source, auth=auth) as http:
        answer = http.get_json_response(url, params)
    body = answer.data.get("response") if isinstance(answer.data, dict) else None
    if not isinstance(body, dict) or not isinstance(body.get("docs"), list):
        raise SourceError(source.name, answer.url, "answer is not a Solr select answer")
    newest = body["docs"][0].get("last_updated_datetime") if body["docs"] else None
    if isinstance(newest, list):
        newest = newest[0] if newest else None
    return f"{newest}|{body.get('numFound')}"
