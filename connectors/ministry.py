"""The ministries' API gateway: incremental, paged pulls landed page by page, then raw tables.

`pull_collection` lands every page exactly as it arrived and says where the collection's cursor
would move; the caller moves it (`Pull.commit`) once the pull's manifest landed, so a pull that
never became a batch is asked for again. `ministry_records` turns landed pages into one typed
table per collection, one row per record `id` (the latest `updated_at` wins).
"""

from __future__ import annotations

import dataclasses
import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

import pyarrow as pa

from connectors.auth import OAuth2ClientCredentials
from connectors.cursors import CursorStore
from connectors.http import HttpClient, JsonResponse
from connectors.landing import LandedFile, Landing
from connectors.paginators import ListingKeptShrinking, PageNumberPaginator
from core.errors import InputRejected, SourceError

COLLECTIONS = (
    "capital-plans",
    "disbursements",
    "beneficiary-communes",
    "extremely-difficult-villages",
    "exchange-rates",
)
MAX_PAGE_SIZE = 1000
_TIMESTAMP = pa.timestamp("us", tz="UTC")
_ICT = timezone(timedelta(hours=7), "ICT")
# Decimals are kept as the exact numeral received (e.g. "11643.401"): lossless, cast downstream.
_DECIMAL_TEXT = pa.string()

COLLECTION_SCHEMAS: dict[str, pa.Schema] = {
    "capital-plans": pa.schema(
        [
            ("id", pa.string()),
            ("year", pa.int32()),
            ("plan_kind", pa.string()),  # medium_term | annual
            ("province_code", pa.string()),
            ("admin_era", pa.string()),  # 2008 (63 provinces) | 2025 (34 provinces)
            ("project_code", pa.string()),
            ("subproject_code", pa.string()),
            ("budget_source", pa.string()),  # NSTW | NSDP
            ("capital_type", pa.string()),  # DTPT | SN
            ("amount_million_vnd", _DECIMAL_TEXT),
            ("decision_no", pa.string()),
            ("decision_date", pa.date32()),
            ("updated_at", _TIMESTAMP),
        ]
    ),
    "disbursements": pa.schema(
        [
            ("id", pa.string()),
            ("province_code", pa.string()),
            ("admin_era", pa.string()),
            ("project_code", pa.string()),
            ("subproject_code", pa.string()),
            ("budget_source", pa.string()),
            ("capital_type", pa.string()),
            ("month", pa.string()),  # YYYY-MM
            ("amount_vnd", pa.int64()),
            ("value_date", pa.date32()),
            ("updated_at", _TIMESTAMP),
        ]
    ),
    "beneficiary-communes": pa.schema(
        [
            ("id", pa.string()),
            ("commune_code", pa.string()),  # pre-2025, 5 digits
            ("commune_name", pa.string()),
            ("province_code", pa.string()),
            ("admin_era", pa.string()),
            ("region", pa.string()),  # I | II | III
            ("decision_no", pa.string()),
            ("updated_at", _TIMESTAMP),
        ]
    ),
    "extremely-difficult-villages": pa.schema(
        [
            ("id", pa.string()),
            ("village_name", pa.string()),
            ("commune_code", pa.string()),
            ("province_code", pa.string()),
            ("decision_no", pa.string()),
            ("updated_at", _TIMESTAMP),
        ]
    ),
    "exchange-rates": pa.schema(
        [
            ("id", pa.string()),
            ("currency", pa.string()),
            ("rate_date", pa.date32()),
            ("vnd_per_unit", _DECIMAL_TEXT),
            ("updated_at", _TIMESTAMP),
        ]
    ),
}
BATCH_FIELDS = [
    ("record_json", pa.string()),  # the record exactly as received
    ("batch_id", pa.string()),
    ("source_file_sha256", pa.string()),
    ("page", pa.int32()),
]


@dataclass(frozen=True)
class Pull:
    """One pull of one collection: the pages landed and the cursor it would move to."""

    batch_id: str
    collection: str
    landed: tuple[LandedFile, ...]
    record_count: int  # records received over all pages (duplicates across pages included)
    cursor: str | None  # high-water mark after the pull (max updated_at seen, UTC)
    previous_cursor: str | None = None
    updated_since: str | None = None  # what was asked of the gateway (None: full pull)
    cursor_key: str | None = None  # where the mark is kept (see `cursor_key`)
    cursor_store: CursorStore | None = dataclasses.field(default=None, repr=False, compare=False)

    def commit(self) -> bool:
        """Move the collection's cursor to this pull's mark; True when it moved.

        Call it only once the pull is a finished pull in landing (its manifest landed, or an
        earlier finished pull holds the same pages): a mark moved before that would make the
        next probe call the collection unchanged, and its pages would never become a batch.
        """
        if self.cursor_store is None or self.cursor_key is None:
            return False
        if self.cursor is None or self.cursor == self.previous_cursor:
            return False
        self.cursor_store.set(
            self.cursor_key, self.cursor, batch_id=self.batch_id, records=self.record_count
        )
        return True


class MinistryClient:
    """The gateway at `base_url`, reached through an `HttpClient` that carries its auth."""

    def __init__(self, base_url: str, http: HttpClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http

    @classmethod
    def with_client_credentials(
        cls, source: str, base_url: str, *, client_id: str, client_secret: str, **http_options: Any
    ) -> MinistryClient:
        """The usual set-up: OAuth2 client credentials against `{base_url}/oauth/token`."""
        base = base_url.rstrip("/")
        auth = OAuth2ClientCredentials(
            f"{base}/oauth/token", client_id=client_id, client_secret=client_secret
        )
        return cls(base, HttpClient(source, auth=auth, **http_options))

    def collection_url(self, collection: str) -> str:
        _check_collection(collection)
        return f"{self.base_url}/api/v1/{collection}"

    def fetch_page(self, collection: str, params: dict[str, Any]) -> JsonResponse:
        """One page, checked to have the gateway's shape `{"data": [...], "page", "total"}`."""
        url = self.collection_url(collection)
        response = self.http.get_json_response(url, params)
        body = response.data
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("data"), list)
            or not isinstance(body.get("total"), int)
        ):
            raise SourceError(
                self.http.source,
                response.url,
                'answer is not a page of the gateway (expected {"data": [...], "page": N, '
                '"page_size": M, "total": T}); ask the ministry whether the API changed',
            )
        return response


def pull_collection(
    client: MinistryClient,
    collection: str,
    *,
    landing: Landing,
    source: str,
    cursor_store: CursorStore,
    params: dict[str, Any] | None = None,
    page_size: int = MAX_PAGE_SIZE,
    overlap: timedelta = timedelta(hours=1),
    max_pages: int = 100_000,
) -> Pull:
    """Page through the records changed since the cursor (minus `overlap`), landing each page.

    The cursor is not moved here: the returned pull's `commit()` moves it, once the caller has
    landed the pull's manifest. A failure raises SourceError (pages already landed stay, and the
    next pull asks for them again).

    Records shifting between page requests: one inserted ahead repeats a record across two
    pages (kept once by `ministry_records`) and is itself pulled next time; one removed ahead
    would make the next page skip a record, so when the gateway's `total` shrinks the pull
    starts again from page 1 and the pages gathered so far are dropped from it (they stay in
    landing, listed by no manifest). A collection that keeps shrinking fails the pull.
    """
    _check_collection(collection)
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    base_params = dict(params or {})
    key = cursor_key(collection, base_params)
    previous = cursor_store.get(key)
    query = dict(base_params)
    since: str | None = None
    if previous:
        since = _iso(_parse_timestamp(previous) - overlap)
        query["updated_since"] = since
    started = datetime.now(UTC)
    batch_id = f"{source}:{collection}:{started:%Y%m%dT%H%M%S%fZ}"
    paginator = PageNumberPaginator(page_size)
    page_params: dict[str, Any] | None = paginator.first_params()
    landed: list[LandedFile] = []
    count = 0
    newest: datetime | None = _parse_timestamp(previous) if previous else None
    while page_params is not None:
        if len(landed) >= max_pages:
            raise SourceError(
                source,
                client.http.full_url(client.collection_url(collection)),
                f"more than {max_pages} pages; the gateway seems to ignore `page`",
            )
        response = client.fetch_page(collection, {**query, **page_params})
        page_no = int(page_params["page"])
        landed.append(
            landing.store_bytes(
                source,
                response.content,
                extension="json",
                original_name=f"{collection}-page{page_no}.json",
                url=response.url,
                content_type=response.headers.get("content-type"),
                http_status=response.status,
                headers=response.headers,
                extra={
                    "batch_id": batch_id,
                    "collection": collection,
                    "page": page_no,
                    "params": query,
                },
            )
        )
        for position, record in enumerate(response.data["data"], start=1):
            updated_at = _record_updated_at(record, source, response.url, page_no, position)
            newest = updated_at if newest is None else max(newest, updated_at)
            count += 1
        try:
            page_params = paginator.next_params(response.data)
        except ListingKeptShrinking as exc:
            raise SourceError(source, response.url, str(exc)) from None
        if paginator.restarted:
            landed, count = [], 0
            newest = _parse_timestamp(previous) if previous else None
    return Pull(
        batch_id=batch_id,
        collection=collection,
        landed=tuple(landed),
        record_count=count,
        cursor=_iso(newest) if newest is not None else None,
        previous_cursor=previous,
        updated_since=since,
        cursor_key=key,
        cursor_store=cursor_store,
    )


def cursor_key(collection: str, params: dict[str, Any] | None = None) -> str:
    """Pulls filtered differently (e.g. `year=2024`) keep separate high-water marks."""
    if not params:
        return collection
    return collection + "?" + "&".join(f"{k}={params[k]}" for k in sorted(params))


def ministry_records(
    pull_or_landed_files: Pull | Iterable[LandedFile], collection: str
) -> pa.Table:
    """The raw table of `collection` from landed pages: typed columns plus batch columns.

    One row per `id`; when a record arrived several times (overlap, pages shifting) the one with
    the latest `updated_at` wins, and among equals the one landed last. Given plain landed files,
    those of other collections (per their sidecar) are skipped.
    """
    _check_collection(collection)
    schema = COLLECTION_SCHEMAS[collection]
    if isinstance(pull_or_landed_files, Pull):
        files = [(f, pull_or_landed_files.batch_id) for f in pull_or_landed_files.landed]
    else:
        files = [
            (f, str(f.extra.get("batch_id") or ""))
            for f in pull_or_landed_files
            if f.extra.get("collection") in (None, collection)
        ]
    chosen: dict[str, tuple[datetime, dict[str, Any]]] = {}
    for landed, batch_id in files:
        body = _read_page(landed)
        page_no = int(body.get("page") or landed.extra.get("page") or 0)
        for position, record in enumerate(body["data"], start=1):
            where = f"page {page_no}, record {position}"
            if not isinstance(record, dict) or record.get("id") in (None, ""):
                raise InputRejected(f"{where} has no `id`", file=_describe(landed))
            row = _typed_row(schema, record, landed, where)
            row.update(
                record_json=_dump_json(record),
                batch_id=batch_id,
                source_file_sha256=landed.sha256,
                page=page_no,
            )
            record_id = row["id"]
            held = chosen.get(record_id)
            if held is None or row["updated_at"] >= held[0]:
                chosen[record_id] = (row["updated_at"], row)
    full_schema = pa.schema([*schema, *(pa.field(n, t) for n, t in BATCH_FIELDS)])
    rows = [chosen[k][1] for k in sorted(chosen)]
    return pa.Table.from_pylist(rows, schema=full_schema)


def _check_collection(collection: str) -> None:
    if collection not in COLLECTIONS:
        raise ValueError(f"unknown collection {collection!r}; the gateway has {COLLECTIONS}")


def _read_page(landed: LandedFile) -> dict[str, Any]:
    try:
        # Decimal keeps numerals such as 11643.401 exactly as the gateway wrote them.
        body = json.loads(landed.path.read_bytes().decode("utf-8-sig"), parse_float=Decimal)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputRejected(
            f"landed page cannot be read as JSON ({exc})", file=_describe(landed)
        ) from None
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise InputRejected('landed page has no "data" list', file=_describe(landed))
    return body


def _typed_row(
    schema: pa.Schema, record: dict[str, Any], landed: LandedFile, where: str
) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for field in schema:
        value = record.get(field.name)
        try:
            row[field.name] = _convert(value, field.type)
        except (ValueError, TypeError, InvalidOperation):
            raise InputRejected(
                f"{where} (id {record.get('id')}): field {field.name} = {value!r} "
                f"is not a valid {field.type}",
                file=_describe(landed),
            ) from None
    if row.get("updated_at") is None:
        raise InputRejected(
            f"{where} (id {record.get('id')}): no updated_at", file=_describe(landed)
        )
    return row


def _convert(value: Any, kind: pa.DataType) -> Any:
    if value is None or value == "":
        return None
    if kind == _TIMESTAMP:
        return _parse_timestamp(str(value))
    if pa.types.is_date(kind):
        return date.fromisoformat(str(value)[:10])
    if pa.types.is_integer(kind):
        if isinstance(value, bool):
            raise TypeError("boolean is not a number")
        number = Decimal(str(value))
        if number != number.to_integral_value():
            raise ValueError("not a whole number")
        return int(number)
    if kind == _DECIMAL_TEXT and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return format(Decimal(value), "f")
    if isinstance(value, (dict, list)):
        raise TypeError("nested value where text was expected")
    # Text is NFC at the edge: the same commune name may arrive composed or decomposed.
    return unicodedata.normalize("NFC", str(value))


def _record_updated_at(record: Any, source: str, url: str, page: int, position: int) -> datetime:
    try:
        return _parse_timestamp(str(record["updated_at"]))
    except (TypeError, KeyError, ValueError):
        raise SourceError(
            source,
            url,
            f"page {page}, record {position} has no valid updated_at; without it the pull "
            "cannot be made incremental — report this to the ministry",
        ) from None


def _parse_timestamp(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        # The gateways write local time when they omit the offset: Indochina Time, UTC+7.
        parsed = parsed.replace(tzinfo=_ICT)
    return parsed.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _describe(landed: LandedFile) -> str:
    name = landed.original_name or landed.path.name
    return f"{name} ({landed.source}, landed {landed.fetched_at}, sha256 {landed.sha256[:12]})"


def _dump_json(value: Any) -> str:
    """JSON text of a record parsed with Decimal numbers, writing each numeral as received."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        items = (f"{json.dumps(k, ensure_ascii=False)}:{_dump_json(v)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)
