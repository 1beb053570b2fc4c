"""The IATI Datastore (Solr): cursorMark paging, pages landed as received, transactions table.

Usage::

    http = datastore_http("iati_datastore", api_key_env="MTQG_IATI_KEY")
    client = DatastoreClient("https://api.iatistandard.org/datastore", http)
    pull = client.pull("transaction", landing, "iati_datastore", q="recipient_country_code:VN")
    table = datastore_transactions(pull.landed)      # same columns as the activity files' table
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from connectors.auth import ApiKeyHeader, secret_from_env
from connectors.http import HttpClient, JsonResponse
from connectors.iati.tables import (
    TRANSACTION_SCHEMA,
    exact_decimal,
    nfc,
    parse_date,
    parse_datetime,
)
from connectors.landing import LandedFile, Landing
from connectors.paginators import CursorMarkPaginator
from core.errors import InputRejected, SourceError

log = logging.getLogger("mtqg.connectors.iati")

COLLECTIONS = ("activity", "transaction")
_DIGITS = re.compile(r"(\d+)")
API_KEY_HEADER = "Ocp-Apim-Subscription-Key"
# Solr refuses cursorMark without the unique key in the sort, so it is always added.
UNIQUE_KEY = "id"
# A cursor that never repeats would page forever: a hard stop far above any real answer.
MAX_PAGES = 100_000
# Solr's responseHeader carries QTime (milliseconds the query took), different on every answer:
# with it, the same docs would land as new bytes on every pull and an unchanged Datastore would
# make a new batch each run. Nothing here reads the header, so it is not asked for.
NO_HEADER = {"omitHeader": "true"}

# Transaction columns and the Solr fields (parallel lists) they come from.
_TRANSACTION_FIELDS = {
    "transaction_ref": "transaction_ref",
    "transaction_type_code": "transaction_transaction_type_code",
    "transaction_date": "transaction_transaction_date_iso_date",
    "value": "transaction_value",
    "currency": "transaction_value_currency",
    "value_date": "transaction_value_value_date",
    "provider_org_ref": "transaction_provider_org_ref",
    "provider_org_name": "transaction_provider_org_narrative",
    "provider_activity_id": "transaction_provider_org_provider_activity_id",
    "receiver_org_ref": "transaction_receiver_org_ref",
    "receiver_org_name": "transaction_receiver_org_narrative",
    "receiver_activity_id": "transaction_receiver_org_receiver_activity_id",
    "description": "transaction_description_narrative",
}
# The fields that count the transactions of a doc, most reliable first.
_COUNTING_FIELDS = ("transaction_transaction_type_code", "transaction_value")
TRANSACTION_FL = ",".join(
    [
        UNIQUE_KEY,
        "iati_identifier",
        "default_currency",
        "last_updated_datetime",
        *_TRANSACTION_FIELDS.values(),
    ]
)


def datastore_http(source: str, *, api_key_env: str, **http_options: Any) -> HttpClient:
    """An HttpClient sending the subscription key read from `api_key_env` on every request."""
    key = secret_from_env(api_key_env)
    return HttpClient(source, auth=ApiKeyHeader(API_KEY_HEADER, key), **http_options)


@dataclass
class DatastorePull:
    """One pull of a collection: every page landed, and how many distinct docs came."""

    batch_id: str
    collection: str
    landed: list[LandedFile] = field(default_factory=list)
    doc_count: int = 0


class DatastoreClient:
    """Queries of the Datastore's Solr collections, paged with cursorMark."""

    def __init__(self, base_url: str, http: HttpClient, *, rows: int = 1000) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.rows = rows

    def select(
        self,
        collection: str,
        q: str = "*:*",
        *,
        fq: str | list[str] | None = None,
        fl: str | None = None,
        rows: int | None = None,
        sort: str = f"{UNIQUE_KEY} asc",
    ) -> Iterator[dict[str, Any]]:
        """Every matching doc once (a doc repeated across pages is given the first time only)."""
        seen: set[Any] = set()
        for _, _, response in self._pages(collection, q, fq, fl, rows, sort):
            for doc in _docs(response, self.http.source):
                key = doc.get(UNIQUE_KEY)
                if key is not None and key in seen:
                    continue
                seen.add(key)
                yield doc

    def pull(
        self,
        collection: str,
        landing: Landing,
        source: str,
        q: str = "*:*",
        *,
        fq: str | list[str] | None = None,
        fl: str | None = None,
        rows: int | None = None,
        sort: str = f"{UNIQUE_KEY} asc",
    ) -> DatastorePull:
        """Land every page as received (JSON, extra: batch_id, page, cursorMark, query)."""
        started = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        pull = DatastorePull(batch_id=f"{source}:{collection}:{started}", collection=collection)
        seen: set[Any] = set()
        for page, cursor, response in self._pages(collection, q, fq, fl, rows, sort):
            docs = _docs(response, self.http.source)
            seen.update(doc.get(UNIQUE_KEY) for doc in docs)
            pull.landed.append(
                landing.store_bytes(
                    source,
                    response.content,
                    extension="json",
                    original_name=f"{collection}-select-page{page}.json",
                    url=response.url,
                    content_type=response.headers.get("content-type"),
                    http_status=response.status,
                    headers=response.headers,
                    extra={
                        "batch_id": pull.batch_id,
                        "collection": collection,
                        "page": page,
                        "cursorMark": cursor,
                        "q": q,
                        "fq": fq,
                    },
                )
            )
        pull.doc_count = len(seen - {None})
        return pull

    def _pages(
        self,
        collection: str,
        q: str,
        fq: str | list[str] | None,
        fl: str | None,
        rows: int | None,
        sort: str,
    ) -> Iterator[tuple[int, str, JsonResponse]]:
        if collection not in COLLECTIONS:
            raise ValueError(f"collection must be one of {COLLECTIONS}, not {collection!r}")
        url = f"{self.base_url}/{collection}/select"
        base: dict[str, Any] = {
            "q": q,
            "wt": "json",
            "sort": _with_unique_key(sort),
            **NO_HEADER,
        }
        if fq:
            base["fq"] = fq
        if fl:
            base["fl"] = fl
        paginator = CursorMarkPaginator(rows or self.rows)
        params: dict[str, Any] | None = paginator.first_params()
        page = 0
        while params is not None:
            page += 1
            if page > MAX_PAGES:
                raise SourceError(
                    self.http.source, url, f"still paging after {MAX_PAGES} pages; stopped"
                )
            cursor = params["cursorMark"]
            response = self.http.get_json_response(url, {**base, **params})
            _docs(response, self.http.source)  # refuse a malformed answer before going on
            yield page, cursor, response
            params = paginator.next_params(response.data)


# a pull's rows name their page; the batch writer keeps it (a one-file batch stamps its file)
_WITH_PAGE = TRANSACTION_SCHEMA.append(pa.field("source_file_sha256", pa.string()))


def datastore_transactions(landed: Iterable[LandedFile]) -> pa.Table:
    """Transactions of landed Datastore pages, with the columns of the activity files' table.

    Docs of the `activity` collection carry all transactions as parallel lists (one position per
    transaction: `transaction_index` is that position, as in the file). Docs of the
    `transaction` collection carry one transaction each; having no position, they are numbered
    within their activity in the natural order of their Solr id (…-T2 before …-T10). A doc
    repeated across pages counts once (last page read wins), and each row names the landed page
    it was read from (`source_file_sha256`: the lineage of a Datastore figure). A field whose
    list does not line up with the transactions is left null and logged, rather than paired
    with the wrong one.
    """
    docs: dict[Any, tuple[dict[str, Any], str, bool, str]] = {}
    for file in landed:
        try:
            answer = json.loads(file.path.read_bytes().decode("utf-8-sig"))
            page_docs = answer["response"]["docs"]
        except (ValueError, KeyError, TypeError) as exc:
            raise InputRejected(
                f"is not a Datastore select answer ({exc})", file=file.url or str(file.path)
            ) from exc
        collection = file.extra.get("collection")
        for position, doc in enumerate(page_docs):
            key = doc.get(UNIQUE_KEY, f"{file.sha256}:{position}")
            # Pages landed without their collection: a doc with several values is an activity.
            one_each = collection == "transaction" or (collection is None and not _is_list_doc(doc))
            docs[key] = (doc, file.url or file.path.name, one_each, file.sha256)
    rows: list[dict[str, Any]] = []
    by_activity: dict[str | None, list[tuple[str, dict[str, Any]]]] = {}
    for key, (doc, where, one_each, page_sha256) in docs.items():
        transactions = [
            {**row, "source_file_sha256": page_sha256} for row in _doc_transactions(doc, where)
        ]
        if one_each:
            for row in transactions:
                by_activity.setdefault(row["iati_identifier"], []).append((str(key), row))
        else:
            rows.extend(transactions)
    for group in by_activity.values():
        for index, (_, row) in enumerate(sorted(group, key=lambda item: _natural(item[0]))):
            rows.append({**row, "transaction_index": index})
    rows.sort(key=lambda r: (r["iati_identifier"] or "", r["transaction_index"]))
    return pa.Table.from_pylist(rows, schema=_WITH_PAGE)


def _natural(key: str) -> list[tuple[int, int | str]]:
    """Sort key reading digit runs as numbers, so an id ending -T2 comes before -T10."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in _DIGITS.split(key) if part]


def _is_list_doc(doc: dict[str, Any]) -> bool:
    """Whether the doc is an activity holding its transactions as lists (vs one transaction)."""
    return any(isinstance(doc.get(f), list) and len(doc[f]) > 1 for f in _COUNTING_FIELDS)


def _doc_transactions(doc: dict[str, Any], where: str) -> list[dict[str, Any]]:
    identifier = nfc(_scalar(doc.get("iati_identifier")))
    count = max((len(_as_list(doc.get(f))) for f in _COUNTING_FIELDS), default=0)
    if count == 0:
        return []
    default_currency = nfc(_scalar(doc.get("default_currency")))
    updated = _convert(parse_datetime, _scalar(doc.get("last_updated_datetime")), identifier, where)
    columns: dict[str, list[Any]] = {}
    misaligned: set[str] = set()
    for column, solr_field in _TRANSACTION_FIELDS.items():
        values = _as_list(doc.get(solr_field))
        if not values:
            columns[column] = [None] * count
        elif len(values) == count:
            columns[column] = values
        else:
            misaligned.add(column)
            log.warning(
                "%s: activity %s has %d transactions but %d values of %s; left null",
                where,
                identifier,
                count,
                len(values),
                solr_field,
            )
            columns[column] = [None] * count
    rows = []
    for index in range(count):
        cell = {column: values[index] for column, values in columns.items()}
        rows.append(
            {
                "iati_identifier": identifier,
                "transaction_index": index,
                "transaction_ref": _text(cell["transaction_ref"]),
                "transaction_type_code": _text(cell["transaction_type_code"]),
                "transaction_date": _convert(
                    parse_date, cell["transaction_date"], identifier, where
                ),
                "value": _convert(exact_decimal, cell["value"], identifier, where),
                # The default applies only when no transaction stated a currency: with some
                # stated but not lined up, any currency given here would be a guess.
                "currency": _text(cell["currency"])
                or (None if "currency" in misaligned else default_currency),
                "value_date": _convert(parse_date, cell["value_date"], identifier, where),
                "provider_org_ref": _text(cell["provider_org_ref"]),
                "provider_org_name": _text(cell["provider_org_name"]),
                "provider_activity_id": _text(cell["provider_activity_id"]),
                "receiver_org_ref": _text(cell["receiver_org_ref"]),
                "receiver_org_name": _text(cell["receiver_org_name"]),
                "receiver_activity_id": _text(cell["receiver_activity_id"]),
                "description": _text(cell["description"]),
                "last_updated_datetime": updated,
            }
        )
    return rows


def _docs(response: JsonResponse, source: str) -> list[dict[str, Any]]:
    data = response.data
    docs = data.get("response", {}).get("docs") if isinstance(data, dict) else None
    if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
        raise SourceError(
            source, response.url, "answer is not a Solr select answer (no response.docs list)"
        )
    return docs


def _with_unique_key(sort: str) -> str:
    fields = [part.split()[0] for part in sort.split(",") if part.strip()]
    return sort if UNIQUE_KEY in fields else f"{sort}, {UNIQUE_KEY} asc"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _scalar(value: Any) -> Any:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _text(value: Any) -> str | None:
    return nfc(str(value)) if value is not None else None


def _convert(parse: Any, raw: Any, identifier: str | None, where: str) -> Any:
    if raw is None or raw == "":
        return None
    try:
        return parse(raw)
    except (ValueError, TypeError):
        log.warning("%s: activity %s: %r cannot be read; left null", where, identifier, raw)
        return None
