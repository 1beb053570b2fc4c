"""A provincial CKAN open-data portal for the demo and tests: package_search and its files.

    portal = CkanPortal(packages, {"r1": xlsx_bytes})   # resource urls may use {portal}
    with portal:
        portal.url + "/api/3/action/package_search?fq=tags:mtqg-1719&rows=10&start=0"
        portal.set_resource("r1", new_bytes)            # the next sync sees changed content
        portal.remove_resource("r1")                    # gone from the listing and the file 404s
        portal.remove_package("pkg-1")                  # the package and its files are gone

With `api_key`, every request must carry it in the `Authorization` header (CKAN API tokens),
else the portal answers 403 as CKAN does.

Files are served at `/dataset/<package>/resource/<id>/download/<name>` (or whatever the
package says) with an ETag and Last-Modified, answering 304 to a matching conditional request;
`validators=False` plays a portal that gives neither (change is then seen on content only).
Like real portals, the listed `hash` stays empty and `last_modified` does not move.
"""

from __future__ import annotations

import copy
import email.utils
import hashlib
import threading
import time
from typing import Any
from urllib.parse import urlsplit

from demo.servers.base import DemoServer, Reply, Request

_CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_ROWS = 1000


class CkanPortal(DemoServer):
    """Serves `/api/3/action/package_search` and the resources of its packages."""

    def __init__(
        self,
        packages: list[dict[str, Any]],
        resources: dict[str, bytes],
        *,
        validators: bool = True,
        api_key: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.validators = validators
        self.api_key = api_key
        self._lock = threading.Lock()
        self._packages = copy.deepcopy(packages)
        self._files: dict[str, tuple[bytes, str, str]] = {}
        for resource_id, content in resources.items():
            self.set_resource(resource_id, content)
        # When set, package_search answers success=false with this message (HTTP 200, as some
        # portals behind proxies do).
        self.failure_message: str | None = None

    def set_resource(self, resource_id: str, content: bytes) -> None:
        """Publish new content for a resource (same URL; the listing metadata does not change)."""
        etag = '"' + hashlib.sha256(content).hexdigest()[:20] + '"'
        modified = email.utils.formatdate(time.time(), usegmt=True)
        with self._lock:
            self._files[resource_id] = (content, etag, modified)

    def remove_resource(self, resource_id: str) -> None:
        """Take a resource off the portal: out of its package, and its URL answers 404."""
        with self._lock:
            self._files.pop(resource_id, None)
            for package in self._packages:
                package["resources"] = [
                    r for r in package.get("resources", []) if r.get("id") != resource_id
                ]
                package["num_resources"] = len(package["resources"])

    def remove_package(self, package_id: str) -> None:
        """Delete a package (by id or name): out of the listing, its files answer 404."""
        with self._lock:
            gone = [p for p in self._packages if package_id in (p.get("id"), p.get("name"))]
            self._packages = [p for p in self._packages if p not in gone]
            for package in gone:
                for resource in package.get("resources", []):
                    self._files.pop(resource.get("id"), None)

    def add_package(self, package: dict[str, Any], *, first: bool = False) -> None:
        """Publish a package; `first=True` puts it ahead, shifting the others down the pages."""
        with self._lock:
            self._packages.insert(0 if first else len(self._packages), copy.deepcopy(package))

    def handle(self, request: Request) -> Reply:
        if self.api_key is not None and request.header("Authorization") != self.api_key:
            return Reply.json(
                {
                    "success": False,
                    "error": {"message": "Access denied", "__type": "Authorization Error"},
                },
                status=403,
            )
        if request.path == "/api/3/action/package_search":
            return self._package_search(request)
        return self._resource(request)

    def _package_search(self, request: Request) -> Reply:
        help_url = f"{self.url}/api/3/action/help_show?name=package_search"
        if self.failure_message is not None:
            return Reply.json(
                {
                    "help": help_url,
                    "success": False,
                    "error": {"message": self.failure_message, "__type": "Search Error"},
                }
            )
        try:
            rows = min(int(request.query.get("rows", "10")), MAX_ROWS)
            start = int(request.query.get("start", "0"))
        except ValueError:
            return Reply.json(
                {
                    "help": help_url,
                    "success": False,
                    "error": {"__type": "Validation Error", "rows": ["Invalid integer"]},
                },
                status=409,
            )
        with self._lock:
            packages = [
                self._public(p) for p in self._packages if _matches(p, request.query.get("fq"))
            ]
        return Reply.json(
            {
                "help": help_url,
                "success": True,
                "result": {
                    "count": len(packages),
                    "sort": "score desc, metadata_modified desc",
                    "facets": {},
                    "results": packages[start : start + rows],
                    "search_facets": {},
                },
            }
        )

    def _public(self, package: dict[str, Any]) -> dict[str, Any]:
        public = copy.deepcopy(package)
        for resource in public.get("resources", []):
            resource["url"] = str(resource.get("url", "")).replace("{portal}", self.url)
        return public

    def _resource(self, request: Request) -> Reply:
        with self._lock:
            resource_id = next(
                (
                    r.get("id")
                    for p in self._packages
                    for r in p.get("resources", [])
                    if urlsplit(str(r.get("url", "")).replace("{portal}", self.url)).path
                    == request.path
                ),
                None,
            )
            found = self._files.get(resource_id) if resource_id else None
        if found is None:
            return Reply(404, b"Resource not found", {"Content-Type": "text/plain"})
        content, etag, modified = found
        extension = request.path.rsplit(".", 1)[-1].lower()
        headers = {"Content-Type": _CONTENT_TYPES.get(extension, "application/octet-stream")}
        if not self.validators:
            return Reply(200, content, headers)
        headers.update({"ETag": etag, "Last-Modified": modified})
        if_none_match = request.header("If-None-Match")
        if if_none_match is not None:
            if etag in [t.strip() for t in if_none_match.split(",")]:
                return Reply(304, b"", headers)
        elif _not_after(modified, request.header("If-Modified-Since")):
            return Reply(304, b"", headers)
        return Reply(200, content, headers)


def _matches(package: dict[str, Any], fq: str | None) -> bool:
    """`tags:<name>` (what the connector sends) and `organization:<name>`; no fq matches all."""
    if not fq:
        return True
    for clause in fq.split(" AND "):
        field, _, value = clause.strip().partition(":")
        value = value.strip().strip('"')
        if field == "tags":
            if value not in {t.get("name") for t in package.get("tags", [])}:
                return False
        elif field == "organization":
            if (package.get("organization") or {}).get("name") != value:
                return False
        else:
            return False
    return True


def _not_after(modified: str, since: str | None) -> bool:
    if not since:
        return False
    try:
        return email.utils.parsedate_to_datetime(modified) <= email.utils.parsedate_to_datetime(
            since
        )
    except (TypeError, ValueError):
        return False
