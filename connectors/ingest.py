"""One entry point per step for every source kind: fetch into landing, then load landing into raw.

Orchestration calls these functions and nothing kind-specific, so a new kind of source is added
here (and in config.py), never in the Dagster wiring.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import duckdb
import pyarrow as pa

from connectors.exceptions import InputRejected
from connectors.home import Home
from connectors.landing import LandedFile, Landing
from connectors.provincial.schema import Problem
from connectors.raw_loading import (
    BatchLoad,
    arrival_time,
    load_provincial_file,
    loaded_batch_ids,
    write_batch,
    write_landed_batch,
)
from connectors.warehouse import delete_raw_batches, iati_table, ministry_table

log = logging.getLogger("mtqg.connectors.ingest")

PROVINCIAL_FILE_KINDS = {"inbox", "ckan"}


@dataclass
class FetchResult:
    """What one fetch of one source brought into landing."""

    source: str
    kind: str
    landed: list[LandedFile] = field(default_factory=list)
    unchanged: int = 0
    refused: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(1 for f in self.landed if f.is_new)


def fetch_source(source: Any, home: Home) -> FetchResult:
    """Bring one configured source's new payloads into landing (no warehouse access).

    Raises SourceError when the source cannot be reached after its retries.
    """
    fetchers = {
        "inbox": _fetch_inbox,
        "ministry_api": _fetch_ministry,
        "ckan": _fetch_ckan,
        "iati_files": _fetch_iati_files,
        "iati_datastore": _fetch_iati_datastore,
        "reference": _fetch_reference,
    }
    if source.kind not in fetchers:
        raise InputRejected(f"source {source.name!r}: kind {source.kind!r} is not fetched")
    return fetchers[source.kind](source, home, Landing(home.landing))


def _fetch_inbox(source: Any, home: Home, landing: Landing) -> FetchResult:
    from connectors.inbox import take_stable_files

    taken = take_stable_files(
        home.resolve_path(getattr(source, "path", "inbox")),
        landing,
        source=source.name,
        state_path=home.state / f"{source.name}.inbox.json",
        quarantine=home.quarantine / source.name,
        min_age_seconds=getattr(source, "min_age_seconds", 0),
        # two looks a moment apart within this call, so one run takes a finished file
        settle_seconds=getattr(source, "settle_seconds", 0) or 1.0,
    )
    return FetchResult(
        source.name,
        source.kind,
        landed=list(taken.landed),
        refused=list(taken.refused),
        notes=[f"waiting for {name} to stop changing" for name in taken.waiting],
    )


def _fetch_ministry(source: Any, home: Home, landing: Landing) -> FetchResult:
    from connectors.auth import secret_from_env
    from connectors.cursors import CursorStore
    from connectors.ministry import MinistryClient, pull_collection

    client = MinistryClient.with_client_credentials(
        source.name,
        source.url,
        client_id=secret_from_env(source.auth.client_id_env),
        client_secret=secret_from_env(source.auth.client_secret_env),
        **source.http_options(),
    )
    cursors = CursorStore.for_source(home, source.name)
    result = FetchResult(source.name, source.kind)
    for collection in source.collections:
        pull = pull_collection(
            client,
            collection,
            landing=landing,
            source=source.name,
            cursor_store=cursors,
            params=dict(source.params.get(collection, {})),
            page_size=source.page_size,
            overlap=timedelta(hours=source.overlap_hours),
        )
        result.landed.extend(pull.landed)
        result.landed.append(
            _complete_pull(landing, source.name, pull.batch_id, collection, pull.landed)
        )
        result.notes.append(f"{collection}: {pull.record_count} records since {pull.updated_since}")
    return result


def _fetch_ckan(source: Any, home: Home, landing: Landing) -> FetchResult:
    from connectors.ckan import CkanClient, sync_resources
    from connectors.http import HttpClient

    http = HttpClient(source.name, auth=_api_key_auth(source), **source.http_options())
    sync = sync_resources(
        CkanClient(source.url, http, rows=source.rows),
        landing,
        source.name,
        home.state / f"{source.name}.ckan.json",
        fq=source.fq,
        formats=source.formats,
    )
    result = FetchResult(source.name, source.kind, landed=list(sync.landed))
    result.unchanged = len(sync.unchanged)
    result.notes += [f"resource {rid} is no longer listed" for rid in sync.disappeared]
    result.notes += [f"resource {f.resource.resource_id} failed: {f.error}" for f in sync.failed]
    return result


def _fetch_iati_files(source: Any, home: Home, landing: Landing) -> FetchResult:
    from connectors.cursors import CursorStore
    from connectors.http import HttpClient, NotModified
    from connectors.iati.files import fetch_activity_files

    http = HttpClient(source.name, **source.http_options())
    validators = CursorStore(home.state / f"{source.name}.iati_files.json")
    fetched = fetch_activity_files(http, source.urls, landing, source.name, validators)
    result = FetchResult(source.name, source.kind)
    for item in fetched:
        if isinstance(item, NotModified):
            result.unchanged += 1
        else:
            result.landed.append(item)
    return result


def _fetch_iati_datastore(source: Any, home: Home, landing: Landing) -> FetchResult:
    from connectors.http import HttpClient
    from connectors.iati.datastore import DatastoreClient

    http = HttpClient(source.name, auth=_api_key_auth(source), **source.http_options())
    client = DatastoreClient(source.url, http, rows=source.rows)
    pull = client.pull("transaction", landing, source.name, source.query, fq=source.filters or None)
    result = FetchResult(source.name, source.kind, landed=list(pull.landed))
    result.landed.append(
        _complete_pull(landing, source.name, pull.batch_id, pull.collection, pull.landed)
    )
    result.notes.append(f"{pull.doc_count} transaction documents")
    return result


def _fetch_reference(source: Any, home: Home, landing: Landing) -> FetchResult:
    from connectors.reference import fetch_reference

    fetched = fetch_reference(source, landing)
    result = FetchResult(source.name, source.kind, landed=list(fetched.landed))
    result.notes += [f"{name} is not in this source" for name in fetched.missing]
    return result


PULL_MANIFEST = "pull_manifest"


def _complete_pull(
    landing: Landing, source: str, batch_id: str, collection: str, pages: Sequence[LandedFile]
) -> LandedFile:
    """Land the list of a finished pull's pages: only pulls with one are loaded into raw, so a
    pull that failed half-way never becomes a partial batch (its pages stay in landing)."""
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


def _api_key_auth(source: Any):
    from connectors.auth import ApiKeyHeader, secret_from_env

    if getattr(source, "auth", None) is None:
        return None
    return ApiKeyHeader(source.auth.header, secret_from_env(source.auth.api_key_env))


# --- landing → raw -------------------------------------------------------------------------


def load_landed_into_raw(
    con: duckdb.DuckDBPyConnection,
    home: Home,
    sources: Sequence[Any],
    *,
    reload: bool = False,
) -> list[BatchLoad]:
    """Load every landed payload of the given sources that raw does not hold yet."""
    landing = Landing(home.landing)
    done = set() if reload else loaded_batch_ids(con)
    loads: list[BatchLoad] = []
    for source in sources:
        files = list(landing.files(source.name))
        if source.kind in PROVINCIAL_FILE_KINDS:
            loads.extend(_load_provincial_files(con, files, source, done))
        elif source.kind == "ministry_api":
            loads.extend(_load_pulls(con, files, source, done, _ministry_rows))
        elif source.kind == "iati_datastore":
            loads.extend(_load_pulls(con, files, source, done, _datastore_rows))
        elif source.kind == "iati_files":
            loads.extend(_load_iati_files(con, files, source, done))
        elif source.kind == "reference":
            from connectors.reference import load_reference_files

            loads.extend(
                load_reference_files(
                    con, files, source=source.name, source_kind=source.kind, done=done
                )
            )
    return loads


def replay_raw(
    con: duckdb.DuckDBPyConnection, home: Home, sources: Sequence[Any]
) -> list[BatchLoad]:
    """Rebuild the raw tables of these sources from landing alone."""
    con.execute("begin transaction")
    try:
        for source in sources:
            delete_raw_batches(con, source=source.name)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return load_landed_into_raw(con, home, sources, reload=True)


def _load_provincial_files(
    con: duckdb.DuckDBPyConnection,
    files: Iterable[LandedFile],
    source: Any,
    done: set[str],
) -> list[BatchLoad]:
    loads = []
    for landed in files:
        if landed.sha256 in done:
            continue  # the same content arrived again (or through another source)
        loads.append(load_provincial_file(con, landed, source=source.name, source_kind=source.kind))
        done.add(landed.sha256)
    return loads


def _ministry_rows(files: list[LandedFile], collection: str) -> dict[str, pa.Table]:
    from connectors.ministry import ministry_records

    return {ministry_table(collection): ministry_records(files, collection)}


def _datastore_rows(files: list[LandedFile], collection: str) -> dict[str, pa.Table]:
    from connectors.iati.datastore import datastore_transactions

    return {"raw.iati_datastore_transactions": datastore_transactions(files)}


def _load_pulls(con, files, source, done, rows_of) -> list[BatchLoad]:
    """API pulls: the pages a finished pull's manifest lists form one batch."""
    by_sha = {f.sha256: f for f in files if f.extra.get("role") != PULL_MANIFEST}
    manifests = [f for f in files if f.extra.get("role") == PULL_MANIFEST]
    loads = []
    for manifest_file in sorted(manifests, key=lambda f: (f.fetched_at, f.sha256)):
        manifest = json.loads(manifest_file.path.read_text(encoding="utf-8"))
        batch_id, collection = manifest["batch_id"], manifest["collection"]
        if batch_id in done:
            continue
        load = BatchLoad(batch_id, source.name, collection or source.kind, f"{collection} pull")
        missing = [p["sha256"] for p in manifest["pages"] if p["sha256"] not in by_sha]
        pages = [by_sha[p["sha256"]] for p in manifest["pages"] if p["sha256"] in by_sha]
        try:
            if missing:
                raise InputRejected(
                    f"pages {', '.join(m[:12] for m in missing)} of this pull are not in landing",
                    file=manifest_file.path.name,
                )
            tables = rows_of(pages, collection)
        except InputRejected as exc:
            load.problems.append(Problem(reason=exc.describe(), check="read"))
            tables = {}
            load.dataset = "unreadable"
        for table, rows in tables.items():
            tables[table] = _stamp(rows, batch_id, None)
            load.rows_read += rows.num_rows
            load.rows_loaded += rows.num_rows
        write_batch(
            con,
            load,
            source_kind=source.kind,
            loaded_at=arrival_time(manifest_file),
            source_file_sha256=None,
            landed_path=str(manifest_file.path),
            tables=tables,
        )
        done.add(batch_id)
        loads.append(load)
    return loads


def _load_iati_files(con, files, source, done) -> list[BatchLoad]:
    from connectors.iati.xml import parse_activities

    loads = []
    for landed in files:
        if landed.sha256 in done:
            continue
        name = landed.url or landed.original_name or landed.path.name
        load = BatchLoad(landed.sha256, source.name, "iati_activities", name)
        tables: dict[str, pa.Table] = {}
        try:
            parsed = parse_activities(landed.path, name=name)
        except InputRejected as exc:
            load.dataset = "unreadable"
            load.problems.append(Problem(reason=exc.describe(), check="read"))
        else:
            for table_name in (
                "activities",
                "transactions",
                "sectors",
                "locations",
                "participating_orgs",
                "tags",
                "other_identifiers",
            ):
                rows = getattr(parsed, table_name)
                tables[iati_table(table_name)] = _stamp(rows, landed.sha256, landed.sha256)
            load.rows_read = parsed.activities.num_rows
            load.rows_loaded = parsed.transactions.num_rows
            load.problems += [
                Problem(reason=p.describe(), row=getattr(p, "line", None), check="read")
                for p in parsed.problems
            ]
            load.problems += [
                Problem(
                    reason=p.describe(),
                    row=getattr(p, "line", None),
                    check="schema",
                    blocking=False,
                )
                for p in parsed.schema_errors
            ]
        write_landed_batch(con, load, landed, source_kind=source.kind, tables=tables)
        done.add(landed.sha256)
        loads.append(load)
    return loads


def _stamp(rows: pa.Table, batch_id: str, sha256: str | None) -> pa.Table:
    for name, value in (("batch_id", batch_id), ("source_file_sha256", sha256)):
        column = pa.array([value] * rows.num_rows, type=pa.string())
        if name in rows.column_names:
            rows = rows.set_column(rows.column_names.index(name), name, column)
        else:
            rows = rows.append_column(name, column)
    return rows
