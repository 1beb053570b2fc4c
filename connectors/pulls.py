"""Finished API pulls: a manifest listing a pull's pages is landed last, so only whole pulls
become batches (a pull failing half-way leaves pages in landing and no batch)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from connectors.batches import PULL_MANIFEST
from connectors.landing import LandedFile, Landing


def land_pull_manifest(
    landing: Landing, source: str, batch_id: str, collection: str, pages: Sequence[LandedFile]
) -> LandedFile | None:
    """Land the list of a finished pull's pages; None when the pull brought nothing new.

    Nothing new means: every page was already in landing and the collection's latest finished
    pull listed exactly these pages, so an unchanged source lands nothing and makes no batch.
    Pages that landed without a manifest (a run that stopped before it) are not "pulled": they
    get this manifest now. A pull equal to an older pull but not to the latest one (the data
    went back to an earlier state) lands, so raw follows the source back.
    """
    if not pages or _same_as_last_pull(landing, source, collection, pages):
        return None
    manifest = {
        "batch_id": batch_id,
        "collection": collection,
        "pages": [
            {"page": f.extra.get("page", index), "sha256": f.sha256}
            for index, f in enumerate(pages, start=1)
        ],
    }
    return landing.store_bytes(
        source,
        json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        extension="json",
        original_name=f"{collection}-pull.json",
        extra={"batch_id": batch_id, "collection": collection, "role": PULL_MANIFEST},
    )


def last_pull_pages(landing: Landing, source: str, collection: str) -> list[str] | None:
    """The sha256 of each page of the collection's latest finished pull, in order (None before
    the first finished pull)."""
    manifests = [
        f
        for f in landing.files(source)  # oldest first
        if f.extra.get("role") == PULL_MANIFEST and f.extra.get("collection") == collection
    ]
    if not manifests:
        return None
    listed = json.loads(manifests[-1].path.read_text(encoding="utf-8"))["pages"]
    return [p["sha256"] for p in listed]


def _same_as_last_pull(
    landing: Landing, source: str, collection: str, pages: Sequence[LandedFile]
) -> bool:
    # A page new to landing cannot be in any earlier pull: no need to read the manifests.
    if any(p.is_new for p in pages):
        return False
    return last_pull_pages(landing, source, collection) == [p.sha256 for p in pages]
