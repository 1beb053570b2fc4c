"""The landing zone: content-addressed, append-only, atomic."""

from __future__ import annotations

import hashlib
import json

import pytest

from connectors.landing import Landing
from core.errors import LandingError


def test_the_same_payload_twice_is_stored_once(landing: Landing):
    first = landing.store_bytes("inbox", b"a,b\n1,2\n", original_name="Bieu 01.csv")
    second = landing.store_bytes("inbox", b"a,b\n1,2\n", original_name="copy of Bieu 01.csv")

    assert first.is_new and not second.is_new
    assert second.path == first.path
    assert len(list(landing.files("inbox"))) == 1
    assert first.path.name == hashlib.sha256(b"a,b\n1,2\n").hexdigest() + ".csv"


def test_layout_and_sidecar_say_how_the_payload_arrived(landing: Landing):
    landed = landing.store_bytes(
        "mof",
        b'{"data": []}',
        extension="json",
        url="http://127.0.0.1:1/api/v1/capital-plans?page=1",
        http_status=200,
        headers={"ETag": '"x"'},
        extra={"batch_id": "mof:capital-plans:1", "page": 1},
    )
    relative = landed.path.relative_to(landing.root)
    source, year, month, _name = relative.parts
    assert (source, len(year), len(month)) == ("mof", 4, 2)
    sidecar = json.loads(landed.sidecar.read_text())
    assert sidecar["sha256"] == landed.sha256
    assert sidecar["size"] == len(b'{"data": []}')
    assert sidecar["http_status"] == 200
    assert sidecar["extra"]["page"] == 1
    assert [f.sha256 for f in landing.files("mof")] == [landed.sha256]


def test_a_payload_over_the_limit_leaves_nothing_behind(landing: Landing):
    with pytest.raises(LandingError, match="larger than the limit"):
        landing.store_chunks("ckan", [b"x" * 10, b"y" * 10], max_bytes=15, extension="csv")
    assert list(landing.files()) == []
    assert list((landing.root / ".incoming").iterdir()) == []


def test_a_failing_stream_leaves_no_half_file(landing: Landing):
    def chunks():
        yield b"partial"
        raise ConnectionResetError("peer went away")

    with pytest.raises(ConnectionResetError):
        landing.store_chunks("iati", chunks(), extension="xml")
    assert list(landing.files()) == []


def test_unsafe_source_names_are_refused(landing: Landing):
    with pytest.raises(LandingError):
        landing.store_bytes("../etc", b"x")
