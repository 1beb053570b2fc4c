"""The current snapshot's marts on PostgreSQL, for analysts' BI tools.

One publish is one transaction: the marts are bulk-copied (Arrow → COPY, adbc-driver-postgresql)
into a fresh schema `mtqg_incoming`, commented from the dbt docs, and at the end that schema takes
the marts' name and the previous one is dropped. A reader sees the old marts or the new ones,
never half; a publish that fails anywhere leaves the previous marts as they were. The analysts'
role (LOGIN, read-only sessions) may use the marts schema and read its tables, nothing else we
create: raw rows, the quality tables that name files and quote senders, and personal data are
never published (a snapshot holds none of them) and the role has no right to write.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from core.errors import MtqgError
from warehouse.publish_config import PostgresPublish, postgres_place, postgres_uri
from warehouse.queries import sql
from warehouse.snapshots import Snapshot, file_sha256

LOCK_TIMEOUT = "60s"
_BATCH_ROWS = 65_536


class PublishFailed(MtqgError):
    """The marts could not be published to PostgreSQL; the previous ones are still in place."""


@dataclass
class PostgresPublished:
    schema: str
    role: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def snapshot_marts(snapshot: Snapshot) -> list[str]:
    """The snapshot's tables of schema `marts` (what PostgreSQL gets), in name order."""
    return sorted(name for name in snapshot.tables if name.startswith("marts."))


def publish_to_postgres(
    snapshot: Snapshot, config: PostgresPublish | None = None
) -> PostgresPublished:
    """Load the snapshot's marts into PostgreSQL in one transaction (see the module's text)."""
    import adbc_driver_postgresql.dbapi as pg

    config = config or PostgresPublish()
    started = time.monotonic()
    result = PostgresPublished(schema=config.schema_name, role=config.analyst_role)
    where = f"PostgreSQL at {postgres_place()}"
    try:
        con = pg.connect(postgres_uri())
    except pg.Error as exc:
        raise PublishFailed(f"{where} could not be reached: {exc}") from exc
    step = "preparing the incoming schema"
    try:
        with con.cursor() as cur:
            cur.execute(sql("postgres/lock_timeout"), [LOCK_TIMEOUT])
            cur.execute(sql("postgres/incoming_schema"))
            cur.execute(sql("postgres/comment_function"))
            cur.execute(sql("postgres/swap_function"))
            for name in snapshot_marts(snapshot):
                step = f"loading {name}"
                table = name.removeprefix("marts.")
                cur.adbc_ingest(
                    table, _rows(snapshot, name), mode="create", db_schema_name="mtqg_incoming"
                )
                result.rows[name] = snapshot.tables[name]["rows"]
                step = f"commenting {name}"
                _comment(cur, table, snapshot.tables[name])
            step = "switching the marts in"
            cur.execute(
                sql("postgres/swap"),
                [config.schema_name, config.analyst_role, config.analyst_password()],
            )
        con.commit()
    except (pg.Error, MtqgError, OSError, pa.ArrowException) as exc:
        con.rollback()
        raise PublishFailed(
            f"publishing the marts to {where} failed while {step}: {exc}. Nothing was "
            f"committed: analysts still read the previous marts in schema {config.schema_name}."
        ) from exc
    finally:
        con.close()
    result.seconds = time.monotonic() - started
    return result


def _rows(snapshot: Snapshot, name: str) -> pa.RecordBatchReader:
    """The table's Parquet file, streamed, once its checksum matches the manifest's."""
    path = snapshot.parquet(name)
    expected = snapshot.tables[name]["sha256"]
    if file_sha256(path) != expected:
        raise MtqgError(
            f"{path} does not match the snapshot's manifest (sha256 {expected[:12]}…): the file "
            "was changed or damaged after it was published"
        )
    parquet = pq.ParquetFile(path)
    return pa.RecordBatchReader.from_batches(
        parquet.schema_arrow, parquet.iter_batches(batch_size=_BATCH_ROWS)
    )


def _comment(cur: Any, table: str, entry: dict[str, Any]) -> None:
    if entry.get("description"):
        cur.execute(sql("postgres/comment"), [table, None, entry["description"]])
    for column in entry["columns"]:
        if column.get("description"):
            cur.execute(sql("postgres/comment"), [table, column["name"], column["description"]])
