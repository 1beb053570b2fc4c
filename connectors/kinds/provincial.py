"""What the two provincial kinds (inbox files and CKAN portals) share: reports read into batches."""

from __future__ import annotations

import pyarrow as pa

from connectors.batches import Batch, LandedUnit
from connectors.kinds.base import Fetch, GatedDataset, SensorSpec, SourceKind
from connectors.provincial.rows import (
    RAW_TABLES,
    TABLE_OF_DATASET,
    read_provincial_file,
    report_rows,
)
from connectors.source_models import SourceModel

PROVINCIAL_TABLES = RAW_TABLES
PROVINCIAL_GATED = {
    "form01": GatedDataset(
        "provincial_progress_batch", "intermediate.int_provincial_progress_unpivoted"
    ),
    "flat_csv": GatedDataset(
        "provincial_progress_batch", "intermediate.int_provincial_progress_unpivoted"
    ),
    "form02": GatedDataset("beneficiary_support", "intermediate.int_beneficiary_support_checked"),
}


def provincial_kind(
    name: str, config: type[SourceModel], fetch: Fetch, sensor: SensorSpec
) -> SourceKind:
    """A kind that brings provincial report files: read, tabled and gated alike."""
    return SourceKind(
        name=name,
        config=config,
        group="provinces",
        fetch=fetch,
        read=read_provincial,
        raw_tables=PROVINCIAL_TABLES,
        gated=PROVINCIAL_GATED,
        sensor=sensor,
        sync_job="province_sync",
    )


def read_provincial(source: SourceModel, unit: LandedUnit) -> Batch:
    """One landed provincial file as one batch: every report in it, with its lines."""
    batch = Batch(unit, source.name, source.kind, "unreadable", original_name=unit.name)
    dataset, reports = read_provincial_file(unit.landed)
    batch.dataset = dataset
    tables: list[pa.Table] = []
    for index, report in enumerate(reports):
        rows = report_rows(report, dataset, index)
        batch.rows_read += report.rows_read
        batch.rows_loaded += rows.num_rows
        batch.reports.append((report.province.name, report.period.label))
        if report.province.code_2025:
            batch.slices.append((report.province.code_2025, report.period.label))
        batch.problems.extend(report.problems)
        tables.append(rows)
    table, schema, _ = TABLE_OF_DATASET[dataset]
    batch.tables[table] = pa.concat_tables(tables) if tables else schema.empty_table()
    return batch
