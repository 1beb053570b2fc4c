"""Kind `iati_files`: donors' IATI activity files (XML), fetched with conditional GETs."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Literal

from lxml import etree
from pydantic import Field, field_validator

from connectors import probes
from connectors.batches import Batch, LandedUnit, Problem
from connectors.cursors import CursorStore
from connectors.http import HttpClient, NotModified
from connectors.iati.files import fetch_activity_files
from connectors.iati.tables import TABLE_SCHEMAS, IatiProblem
from connectors.iati.xml import load_schema, parse_activities
from connectors.kinds.base import FetchResult, GatedDataset, Look, RunAsk, SensorSpec, SourceKind
from connectors.kinds.watching import changed_keys, dump_cursor, load_cursor, run_tags, short_digest
from connectors.landing import Landing
from connectors.source_models import HttpSourceModel, url_without_secret
from core.errors import ConfigError
from core.home import Home

INTERVAL_SECONDS = 1800
# Where `mtqg init` expects the IATI 2.03 schema (iati-common.xsd and xml.xsd beside it).
DEFAULT_SCHEMA_PATH = "reference/iati/iati-activities-schema.xsd"
# Schema errors listed per file; more are counted in one last problem.
MAX_SCHEMA_PROBLEMS = 50


class IatiFilesSource(HttpSourceModel):
    kind: Literal["iati_files"]
    urls: Annotated[list[str], Field(min_length=1)]
    validate_schema: bool = True
    # the IATI activity schema; relative paths are below MTQG_HOME
    schema_path: str = DEFAULT_SCHEMA_PATH
    read_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 300.0

    @field_validator("urls")
    @classmethod
    def _safe_urls(cls, urls: list[str]) -> list[str]:
        return [url_without_secret(u) for u in urls]

    def with_paths_below(self, home: Home) -> IatiFilesSource:
        return self.model_copy(update={"schema_path": str(home.resolve_path(self.schema_path))})


def raw_table(name: str) -> str:
    return "iati_" + name


def fetch(source: IatiFilesSource, home: Home, landing: Landing) -> FetchResult:
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


def look(source: IatiFilesSource, home: Home, cursor: str | None) -> Look:
    """A donor's activity file answers with a new ETag / Last-Modified (or size)."""
    current = probes.iati_file_fingerprints(source, home)
    changed = changed_keys(current, load_cursor(cursor))
    new_cursor = dump_cursor(current)
    if not changed:
        reason = f"{len(current)} file(s) unchanged since they were landed"
        return Look(cursor=new_cursor, skip_reason=reason)
    run = RunAsk(
        f"{source.name}:{short_digest({u: current[u] for u in changed})}", run_tags(source)
    )
    return Look((run,), new_cursor, notes=("changed: " + ", ".join(changed),))


@cache
def _schema(path: Path) -> etree.XMLSchema:
    return load_schema(path)


def activity_schema(source: IatiFilesSource) -> etree.XMLSchema | None:
    """The schema the source's files are validated against, or None when validation is off.

    Raises ConfigError naming the path when validation is on and the schema is not there.
    """
    if not source.validate_schema:
        return None
    path = Home.resolve().resolve_path(source.schema_path)  # absolute once configured
    if not path.is_file():
        raise ConfigError(
            f"source {source.name!r}: validate_schema is on but the IATI schema {path} is not "
            "there; copy the IATI 2.03 schema files (iati-activities-schema.xsd, "
            "iati-common.xsd, xml.xsd) there, set `schema_path`, or set validate_schema: false"
        )
    return _schema(path)


def read(source: IatiFilesSource, unit: LandedUnit) -> Batch:
    """One activity file: its activities and their parts; with `validate_schema`, an activity
    the IATI schema refuses quarantines the file, naming the element and the line.

    Messages call the file by its name as the donor published it (the batch keeps the URL).
    """
    landed = unit.landed
    batch = Batch(unit, source.name, source.kind, "iati_activities", landed.url or unit.name)
    parsed = parse_activities(landed.path, name=unit.name, schema=activity_schema(source))
    for table_name in TABLE_SCHEMAS:
        batch.tables[raw_table(table_name)] = getattr(parsed, table_name)
    batch.rows_read = parsed.activities.num_rows
    batch.rows_loaded = parsed.transactions.num_rows
    batch.problems += [
        Problem(reason=p.describe(), row=p.line, check="read") for p in parsed.problems
    ]
    batch.problems += schema_problems(parsed.schema_errors, unit.name)
    return batch


def schema_problems(errors: Sequence[IatiProblem], name: str) -> list[Problem]:
    """Blocking `schema` problems, one per error, e.g. "IATI schema: file donor.xml, line 12,
    activity XM-1: Element 'bogus': This element is not expected. …".

    A donor file failing the same way in every activity would bury the quality page under
    thousands of rows: the first MAX_SCHEMA_PROBLEMS are listed, then one says how many more.
    """
    problems = [
        Problem(reason=f"IATI schema: {e.describe()}", row=e.line, check="schema")
        for e in errors[:MAX_SCHEMA_PROBLEMS]
    ]
    hidden = len(errors) - MAX_SCHEMA_PROBLEMS
    if hidden > 0:
        problems.append(
            Problem(
                reason=f"IATI schema: file {name}: {hidden} more schema errors not listed; "
                "check the file with the IATI validator (validator.iatistandard.org)",
                check="schema",
            )
        )
    return problems


KIND = SourceKind(
    name="iati_files",
    config=IatiFilesSource,
    group="donors",
    fetch=fetch,
    read=read,
    raw_tables={raw_table(name): schema for name, schema in TABLE_SCHEMAS.items()},
    gated={
        "iati_activities": GatedDataset("donor_transactions", "staging.stg_donors__transactions")
    },
    sensor=SensorSpec(
        name="iati_{name}_files",
        interval_seconds=INTERVAL_SECONDS,
        look=look,
        describe=lambda source: f"one of its {len(source.urls)} file(s) changed",
    ),
    sync_job="donor_sync",
)
