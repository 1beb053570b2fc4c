"""Provincial open-data portals (CKAN): find the programme's reports and land what changed.

Usage::

    client = CkanClient("https://opendata.laocai.gov.vn", HttpClient("lao_cai_portal"))
    sync = sync_resources(client, landing, "lao_cai_portal", home.state / "lao_cai_portal.json")
    sync.landed, sync.unchanged, sync.disappeared, sync.failed

Change is judged on the content, never on the portal's `hash` or `last_modified` (often empty,
null or stale): a conditional GET when the server gives ETag / Last-Modified, else the sha256 of
the body. A resource gone from the portal is noted, never deleted from landing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.cursors import CursorStore
from connectors.http import HttpClient, NotModified, redact
from connectors.landing import LandedFile, Landing
from connectors.paginators import ListingKeptShrinking, OffsetPaginator
from core.errors import SourceError

log = logging.getLogger("mtqg.connectors.ckan")

DEFAULT_FORMATS = frozenset({"XLSX", "XLS", "CSV"})
DEFAULT_FQ = "tags:mtqg-1719"
# A count that never ends would page forever: a hard stop far above any provincial portal.
MAX_PAGES = 10_000


@dataclass(frozen=True)
class CkanResource:
    """One downloadable file of a portal's dataset (package), as the portal describes it."""

    resource_id: str
    url: str
    format: str  # upper case; from the URL's extension when the portal left it empty
    name: str | None
    package_id: str
    package_name: str | None
    organization: str | None
    last_modified: str | None  # the portal's claim; kept for the record, never trusted
    metadata_modified: str | None
    hash: str | None
    size: int | None

    @property
    def id(self) -> str:
        """The portal's resource id (as CKAN names it)."""
        return self.resource_id

    def sidecar_extra(self, portal_url: str) -> dict[str, Any]:
        return {
            "portal": portal_url,
            "package_id": self.package_id,
            "package_name": self.package_name,
            "resource_id": self.resource_id,
            "resource_name": self.name,
            "format": self.format,
            "organization": self.organization,
            "portal_last_modified": self.last_modified,
            "portal_metadata_modified": self.metadata_modified,
            "portal_hash": self.hash,
            "portal_size": self.size,
        }


@dataclass(frozen=True)
class ResourceFailure:
    """A resource that could not be downloaded this time; it is tried again next sync."""

    resource: CkanResource
    error: SourceError


@dataclass
class CkanSync:
    """What one sync of a portal did."""

    landed: list[LandedFile] = field(default_factory=list)  # new or changed content
    unchanged: list[CkanResource] = field(default_factory=list)
    disappeared: list[str] = field(default_factory=list)  # resource ids no longer listed
    failed: list[ResourceFailure] = field(default_factory=list)


class CkanClient:
    """The Action API of one CKAN portal."""

    def __init__(self, portal_url: str, http: HttpClient, *, rows: int = 100) -> None:
        self.portal_url = portal_url.rstrip("/")
        self.http = http
        self.rows = rows

    def package_search(
        self, fq: str | None = DEFAULT_FQ, rows: int | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every package matching `fq`, paging with start/rows until `count`; each once.

        Raises SourceError naming the portal and URL when the portal answers `success: false`
        or something that is not a package_search answer.

        A package published while we page repeats one package across pages (given once; the
        newcomer comes with the next sync). One deleted while we page would make the next page
        skip a package: when `count` shrinks the listing starts again from the first page,
        still giving each package once.
        """
        url = f"{self.portal_url}/api/3/action/package_search"
        paginator = OffsetPaginator(rows or self.rows)
        params: dict[str, Any] | None = paginator.first_params()
        base = {"fq": fq} if fq else {}
        seen: set[str] = set()
        pages = 0
        while params is not None:
            pages += 1
            if pages > MAX_PAGES:
                raise SourceError(self.http.source, url, f"still paging after {MAX_PAGES} pages")
            response = self.http.get_json_response(url, {**base, **params})
            packages = _package_search_results(response.data, self.http.source, response.url)
            for package in packages:
                # Packages edited while we page shift between pages: give each one once.
                key = str(package.get("id") or package.get("name"))
                if key in seen:
                    continue
                seen.add(key)
                yield package
            try:
                params = paginator.next_params(response.data)
            except ListingKeptShrinking as exc:
                raise SourceError(self.http.source, response.url, str(exc)) from None


def select_resources(
    packages: Iterable[dict[str, Any]], formats: Iterable[str] = DEFAULT_FORMATS
) -> list[CkanResource]:
    """The resources of these packages in one of `formats` (case-insensitive; an empty format is
    read from the URL's extension)."""
    wanted = {f.upper().lstrip(".") for f in formats}
    chosen: list[CkanResource] = []
    seen: set[str] = set()
    for package in packages:
        organization = package.get("organization") or {}
        for resource in package.get("resources") or []:
            url = resource.get("url") or ""
            resource_id = str(resource.get("id") or url)
            kind = _format_of(resource.get("format"), url)
            if not url or kind not in wanted or resource_id in seen:
                continue
            seen.add(resource_id)
            chosen.append(
                CkanResource(
                    resource_id=resource_id,
                    url=url,
                    format=kind,
                    name=resource.get("name"),
                    package_id=str(package.get("id")),
                    package_name=package.get("name"),
                    organization=organization.get("name") or organization.get("title"),
                    last_modified=resource.get("last_modified"),
                    metadata_modified=resource.get("metadata_modified"),
                    hash=resource.get("hash") or None,
                    size=_int_or_none(resource.get("size")),
                )
            )
    return chosen


def sync_resources(
    client: CkanClient,
    landing: Landing,
    source: str,
    state_path: Path,
    *,
    fq: str | None = DEFAULT_FQ,
    formats: Iterable[str] = DEFAULT_FORMATS,
) -> CkanSync:
    """Land the portal's report files whose content changed since the last sync.

    State (one entry per resource id in `state_path`): the sha256 last landed, the URL and the
    ETag / Last-Modified it came with, and when the resource disappeared from the portal.
    A listing that fails raises SourceError and changes nothing; a single file that fails is put
    in `failed` (its state is untouched, so it is fetched again next time).
    """
    if client.http.source != source:
        # The client lands under its own source name: a different one here is a wiring mistake.
        raise ValueError(f"HttpClient of source {client.http.source!r} cannot sync {source!r}")
    state = CursorStore(state_path)
    resources = select_resources(client.package_search(fq), formats)
    sync = CkanSync()
    listed = set()
    for resource in resources:
        listed.add(resource.resource_id)
        known = state.entry(resource.resource_id) or {}
        same_url = known.get("url") == redact(resource.url)
        try:
            result = client.http.stream_to_landing(
                resource.url,
                landing,
                extension=resource.format.lower(),
                original_name=_name_of(resource),
                extra=resource.sidecar_extra(client.portal_url),
                # Validators belong to a URL: when the portal points elsewhere, ask afresh.
                etag=known.get("etag") if same_url else None,
                last_modified=known.get("last_modified") if same_url else None,
            )
        except SourceError as exc:
            log.warning("source %s: resource %s not fetched: %s", source, resource.resource_id, exc)
            sync.failed.append(ResourceFailure(resource, exc))
            continue
        if isinstance(result, NotModified) or (
            isinstance(result, LandedFile) and result.sha256 == known.get("value")
        ):
            sync.unchanged.append(resource)
            if isinstance(result, LandedFile) or known.get("disappeared_at"):
                # Fresh validators (or a comeback) are worth keeping; the content is the same.
                _remember(state, resource, known.get("value"), known, result)
            continue
        sync.landed.append(result)
        _remember(state, resource, result.sha256, known, result)
    for resource_id, entry in state.all().items():
        if resource_id in listed or not isinstance(entry, dict) or entry.get("disappeared_at"):
            continue
        sync.disappeared.append(resource_id)
        state.set(
            resource_id,
            entry.get("value", ""),
            **{k: v for k, v in entry.items() if k not in ("value", "set_at")},
            disappeared_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
    return sync


def _remember(
    state: CursorStore,
    resource: CkanResource,
    sha256: str | None,
    known: dict[str, Any],
    result: LandedFile | NotModified,
) -> None:
    if isinstance(result, LandedFile):
        etag = result.headers.get("etag")
        last_modified = result.headers.get("last-modified")
    else:
        etag = result.etag or known.get("etag")
        last_modified = result.last_modified or known.get("last_modified")
    state.set(
        resource.resource_id,
        sha256 or "",
        url=redact(resource.url),
        etag=etag,
        last_modified=last_modified,
        package_id=resource.package_id,
        format=resource.format,
    )


def _package_search_results(data: Any, source: str, url: str) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        raise SourceError(source, url, "answer is not a CKAN Action API object")
    if data.get("success") is not True:
        error = data.get("error")
        message = error.get("message") if isinstance(error, dict) else error
        raise SourceError(source, url, f"portal answered success=false: {message or 'no reason'}")
    result = data.get("result")
    results = result.get("results") if isinstance(result, dict) else None
    if not isinstance(results, list) or not isinstance(result.get("count"), int):
        raise SourceError(source, url, "answer has no result.count / result.results")
    return [p for p in results if isinstance(p, dict)]


def _format_of(declared: Any, url: str) -> str:
    text = str(declared or "").strip().upper().lstrip(".")
    if text:
        # Portals write "xlsx", ".XLSX" or a MIME type.
        return _MIME_FORMATS.get(text.lower(), text)
    suffix = PurePosixPath(unquote(urlsplit(url).path)).suffix
    return suffix.lstrip(".").upper()


_MIME_FORMATS = {
    "text/csv": "CSV",
    "application/vnd.ms-excel": "XLS",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
}


def _name_of(resource: CkanResource) -> str:
    name = PurePosixPath(unquote(urlsplit(resource.url).path)).name
    if name and "." in name:
        return name
    return f"{resource.resource_id}.{resource.format.lower()}"


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None
