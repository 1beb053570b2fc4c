"""Published snapshots: what analysts read while the pipeline writes.

DuckDB admits one writing process to the warehouse file and refuses every other process while it
writes; an analyst's connection to that file, even read-only, in turn stops the writers. So
analysts never open `warehouse.duckdb`. After each gated run the pipeline copies the marts (and
the quality tables an analyst needs, `published_tables.yaml`; never raw rows, never personal
data) into a new folder

    $MTQG_HOME/published/<UTC time>/
        warehouse.duckdb          the published tables, schemas `marts` and `quality`, read-only
        marts.<table>.parquet     one Parquet file per table (and quality.<table>.parquet)
        manifest.json             run, time, dbt version, rows, columns and sha256 per table

written beside the others under a temporary name, renamed into place, and then `current` (a
symbolic link) is switched to it atomically. Readers open `published/current/warehouse.duckdb`
read-only: any number of them at once, never in the writer's way; a reader that still holds an
older snapshot keeps reading it (a pruned folder's files stay readable to whoever has them
open). The newest `keep` snapshots are kept.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import yaml

from core.errors import MtqgError
from core.files import _alive, atomic_path, write_json_atomically
from core.home import Home

PUBLISHED_TABLES = Path(__file__).resolve().parent / "published_tables.yaml"
DATABASE = "warehouse.duckdb"
MANIFEST = "manifest.json"
CURRENT = "current"
DEFAULT_KEEP = 5
_STAMP = re.compile(r"^\d{8}T\d{12}Z$")
_BUILDING = re.compile(r"^\.building-(?P<stamp>[^-]+)-(?P<pid>\d+)$")


class SnapshotMissing(MtqgError):
    """No snapshot has been published in this home yet."""


class SnapshotRefused(MtqgError):
    """A table would publish what must not leave the warehouse (a personal-data column)."""


@dataclass(frozen=True)
class Snapshot:
    """One published snapshot: its folder and what its manifest says."""

    path: Path
    manifest: dict[str, Any]

    @property
    def database(self) -> Path:
        return self.path / DATABASE

    @property
    def tables(self) -> dict[str, dict[str, Any]]:
        """`marts.fct_capital_progress` → rows, sha256, file, columns, description."""
        return self.manifest["tables"]

    def parquet(self, table: str) -> Path:
        return self.path / self.tables[table]["file"]


def published_root(home: Home) -> Path:
    return home.root / "published"


@cache
def _published_tables() -> dict[str, Any]:
    return yaml.safe_load(PUBLISHED_TABLES.read_text(encoding="utf-8"))


def is_published(schema: str, table: str) -> bool:
    """Whether `schema.table` belongs in a snapshot (`published_tables.yaml`)."""
    spec = _published_tables()
    if schema == "marts":
        return table not in (spec["marts"].get("except") or {})
    if schema == "quality":
        return table in spec["quality"]
    return False


def current_snapshot(home: Home) -> Snapshot:
    """The snapshot `published/current` points to; SnapshotMissing before the first one."""
    pointer = published_root(home) / CURRENT
    folder = pointer.resolve() if pointer.is_symlink() else None
    if folder is None or not (folder / MANIFEST).is_file():
        raise SnapshotMissing(
            f"no published snapshot in {published_root(home)} yet: analysts read the snapshot "
            "a successful run publishes — run `mtqg run` (or `mtqg demo`) first"
        )
    return Snapshot(folder, json.loads((folder / MANIFEST).read_text(encoding="utf-8")))


@contextmanager
def connect_snapshot(home: Home) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the current snapshot: never waits for, nor stops, a run."""
    snapshot = current_snapshot(home)
    con = duckdb.connect(str(snapshot.database), read_only=True)
    try:
        yield con
    finally:
        con.close()


def publish_snapshot(
    home: Home,
    *,
    run_id: str,
    dbt_manifest: Path | None = None,
    keep: int = DEFAULT_KEEP,
) -> Snapshot:
    """Copy the published tables of the warehouse into a new snapshot, switch `current` to it
    and keep the newest `keep`. The warehouse is only read (the caller holds the writers' pool:
    no other process writes meanwhile). `dbt_manifest` gives the tables' and columns'
    descriptions (dbt docs) to the snapshot's manifest."""
    if keep < 1:
        raise MtqgError(f"a snapshot must keep at least the current one (keep: {keep})")
    root = published_root(home)
    root.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    stamp = created.strftime("%Y%m%dT%H%M%S%fZ")
    building = root / f".building-{stamp}-{os.getpid()}"
    building.mkdir()
    try:
        tables = _copy_tables(home.warehouse, building / DATABASE)
        described = _descriptions(dbt_manifest)
        entries = _write_parquet(building, tables, described)
        os.chmod(building / DATABASE, 0o444)
        manifest = {
            "run_id": run_id,
            "created_at": created.isoformat(),
            "dbt_version": _version("dbt-core"),
            "dbt_duckdb_version": _version("dbt-duckdb"),
            "duckdb_version": duckdb.__version__,
            "database": DATABASE,
            "tables": entries,
        }
        write_json_atomically(building / MANIFEST, manifest)
        folder = root / stamp
        os.chmod(building / MANIFEST, 0o444)
        os.rename(building, folder)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    _point_current_to(root, stamp)
    prune(home, keep=keep)
    return Snapshot(folder, manifest)


def _copy_tables(warehouse: Path, target: Path) -> list[tuple[str, list[str], list[str]]]:
    """Copy the published tables into the snapshot file; (name, columns, types) of each."""
    from warehouse import queries
    from warehouse.connection import connect

    refused = set(_published_tables()["refused_columns"])
    copied = []
    with connect(warehouse, read_only=True) as con:
        candidates = [
            (schema, table, names, types)
            for schema, table, names, types in queries.rows(con, "snapshot_candidate_tables")
            if is_published(schema, table)
        ]
        for schema, table, names, _ in candidates:
            personal = sorted(refused & {n.lower() for n in names})
            if personal:
                raise SnapshotRefused(
                    f"{schema}.{table} has column(s) {', '.join(personal)}, which may carry "
                    "personal data: nothing was published (the previous snapshot stays "
                    "current). Remove the column from the model, or list the table under "
                    "marts.except in warehouse/published_tables.yaml."
                )
        queries.execute(con, "snapshot_attach", [str(target)])
        try:
            queries.execute(con, "snapshot_schemas")
            for schema, table, names, types in candidates:
                relation = con.sql(queries.sql("snapshot_table"), params=[f"{schema}.{table}"])
                relation.create(f"snapshot.{schema}.{table}")
                copied.append((f"{schema}.{table}", list(names), list(types)))
        finally:
            queries.execute(con, "snapshot_detach")
    return copied


def _write_parquet(
    folder: Path,
    tables: list[tuple[str, list[str], list[str]]],
    described: dict[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """One Parquet file per table of the snapshot file; the manifest's entry of each."""
    from warehouse import queries

    entries: dict[str, dict[str, Any]] = {}
    with duckdb.connect(str(folder / DATABASE)) as con:
        for name, columns, types in tables:
            file = folder / f"{name}.parquet"
            con.sql(queries.sql("snapshot_table"), params=[name]).write_parquet(
                str(file), compression="zstd"
            )
            os.chmod(file, 0o444)
            (rows,) = queries.rows(con, "table_row_count", [name])[0]
            docs = described.get(name, {})
            column_docs = docs.get("columns", {})
            entries[name] = {
                "file": file.name,
                "rows": rows,
                "sha256": file_sha256(file),
                "description": docs.get("description", ""),
                "columns": [
                    {"name": c, "type": t, "description": column_docs.get(c, "")}
                    for c, t in zip(columns, types, strict=True)
                ],
            }
        con.execute("checkpoint")
    return entries


def file_sha256(path: Path) -> str:
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def _descriptions(dbt_manifest: Path | None) -> dict[str, dict[str, Any]]:
    """`schema.table` → {description, columns: {name: description}} from dbt's manifest."""
    if dbt_manifest is None or not Path(dbt_manifest).is_file():
        return {}
    nodes = json.loads(Path(dbt_manifest).read_text(encoding="utf-8")).get("nodes", {})
    described: dict[str, dict[str, Any]] = {}
    for node in nodes.values():
        if node.get("resource_type") != "model":
            continue
        name = f"{node['schema']}.{node.get('alias') or node['name']}"
        described[name] = {
            "description": (node.get("description") or "").strip(),
            "columns": {
                c: (v.get("description") or "").strip()
                for c, v in (node.get("columns") or {}).items()
            },
        }
    return described


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _point_current_to(root: Path, stamp: str) -> None:
    """`current` → `stamp`, switched in one rename: a reader finds the old one or the new."""
    with atomic_path(root / CURRENT) as tmp:
        tmp.unlink()
        tmp.symlink_to(stamp, target_is_directory=True)


def snapshots(home: Home) -> list[Path]:
    """The published snapshots' folders, oldest first."""
    root = published_root(home)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if _STAMP.match(p.name) and p.is_dir())


def prune(home: Home, *, keep: int) -> list[Path]:
    """Remove all but the newest `keep` snapshots (never the current one) and the half-built
    folders of processes that died. A reader that still has a removed snapshot open keeps
    reading it: its files go when it closes them."""
    root = published_root(home)
    current = (root / CURRENT).resolve() if (root / CURRENT).is_symlink() else None
    removed = []
    for folder in snapshots(home)[:-keep]:
        if folder != current:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    for folder in root.iterdir() if root.is_dir() else []:
        match = _BUILDING.match(folder.name)
        if match and not _alive(int(match["pid"])):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed
