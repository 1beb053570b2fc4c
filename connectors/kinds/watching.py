"""Small helpers the kinds' looks share: sensor cursors as JSON, run tags, changed keys."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from connectors import probes
from connectors.source_models import SourceModel


def load_cursor(cursor: str | None) -> dict[str, Any]:
    """A look's JSON cursor; a damaged one starts afresh."""
    try:
        data = json.loads(cursor) if cursor else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def dump_cursor(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def run_tags(source: SourceModel, **more: str) -> dict[str, str]:
    return {"mtqg/source": source.name, "mtqg/trigger": "sensor", **more}


def short_digest(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def changed_keys(current: dict[str, str], previous: dict[str, Any]) -> list[str]:
    """Keys whose fingerprint moved since the last look, except those confirmed landed."""
    return sorted(
        key
        for key, fingerprint in current.items()
        if not fingerprint.startswith(probes.UNCHANGED) and previous.get(key) != fingerprint
    )
