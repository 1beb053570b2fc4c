"""Download donors' IATI activity files into landing, asking only for what changed."""

from __future__ import annotations

from collections.abc import Iterable

from connectors.cursors import CursorStore
from connectors.http import HttpClient, NotModified, redact
from connectors.landing import LandedFile, Landing


def fetch_activity_files(
    http: HttpClient,
    urls: Iterable[str],
    landing: Landing,
    source: str,
    validators: CursorStore,
) -> list[LandedFile | NotModified]:
    """Stream each URL to landing with a conditional GET; one result per URL, in order.

    `validators` remembers, per URL, the ETag / Last-Modified of the last download, so an
    unchanged file costs a 304 and nothing is stored. A changed file lands under its new sha256;
    the same bytes served again (a server without validators) are recognised by landing.
    Raises SourceError (naming the source and URL) when a file cannot be had after retries:
    validators of the URLs already done are kept, so the next run resumes.
    """
    _same_source(http, source)
    results: list[LandedFile | NotModified] = []
    for url in urls:
        # The state is keyed by the redacted URL: a key in a query string never reaches the disk.
        key = redact(url)
        known = validators.entry(key) or {}
        result = http.stream_to_landing(
            url,
            landing,
            extension="xml",
            extra={"kind": "iati_activity_file"},
            etag=known.get("etag"),
            last_modified=known.get("last_modified"),
        )
        if isinstance(result, LandedFile):
            validators.set(
                key,
                result.sha256,
                etag=result.headers.get("etag"),
                last_modified=result.headers.get("last-modified"),
            )
        results.append(result)
    return results


def _same_source(http: HttpClient, source: str) -> None:
    # The client lands under its own source name: a different one here is a wiring mistake.
    if http.source != source:
        raise ValueError(f"HttpClient of source {http.source!r} cannot fetch for {source!r}")
