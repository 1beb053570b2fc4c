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
    """Land the list of a finished pull's pages; None when the pull brought nothing new (every
    page is already part of an earlier finished pull), so an unchanged source makes no batch."""
    if pages and not any(p.is_new for p in pages) and _already_pulled(landing, source, pages):
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


def _already_pulled(landing: Landing, source: str, pages: Sequence[LandedFile]) -> bool:
    wanted = {p.sha256 for p in pages}
    for landed in landing.files(source):
        if landed.extra.get("role") == PULL_MANIFEST:
            listed = json.loads(landed.path.read_text(encoding="utf-8"))["pages"]
            wanted -= {p["sha256"] for p in listed}
            if not wanted:
                return True
    return False
