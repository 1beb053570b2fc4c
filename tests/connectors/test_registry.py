"""A new kind of source is one module and one registry entry: config, fetch, look, read, raw
tables, sensor. This test adds a throwaway kind through the registry alone and follows it from
sources.yaml to raw and into the Dagster definitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pytest

from connectors import kinds
from connectors.batches import Batch, LandedUnit
from connectors.config import load_sources
from connectors.kinds.base import FetchResult, Look, RunAsk, SensorSpec, SourceKind
from connectors.landing import Landing
from connectors.source_models import SourceModel
from core.errors import ConfigError, InputRejected
from core.home import Home
from warehouse.connection import connect
from warehouse.loading import load_landed_into_raw
from warehouse.tables import declared_tables, ensure_tables

ROWS = pa.schema([("code", pa.string()), ("amount_vnd", pa.int64())])


class DropSource(SourceModel):
    kind: Literal["json_drop"]
    path: str


def _fetch(source: DropSource, home: Home, landing: Landing) -> FetchResult:
    result = FetchResult(source.name, source.kind)
    for file in sorted(Path(source.path).glob("*.json")):
        result.landed.append(landing.store_file(source.name, file, original_name=file.name))
    return result


def _look(source: DropSource, home: Home, cursor: str | None) -> Look:
    names = sorted(p.name for p in Path(source.path).glob("*.json"))
    if not names or json.dumps(names) == cursor:
        return Look(cursor=json.dumps(names), skip_reason="nothing new")
    return Look((RunAsk(f"{source.name}:{len(names)}"),), json.dumps(names))


def _read(source: DropSource, unit: LandedUnit) -> Batch:
    try:
        records = json.loads(unit.landed.path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputRejected(f"is not JSON ({exc.args[0]})") from None
    batch = Batch(unit, source.name, source.kind, "json_drop", unit.name)
    batch.tables["json_drop_rows"] = pa.Table.from_pylist(records, schema=ROWS)
    batch.rows_read = batch.rows_loaded = len(records)
    return batch


THROWAWAY = SourceKind(
    name="json_drop",
    config=DropSource,
    group="provinces",
    fetch=_fetch,
    read=_read,
    raw_tables={"json_drop_rows": ROWS},
    sensor=SensorSpec("json_drop_{name}_files", 60, _look, lambda s: f"files appear in {s.path}"),
)


@pytest.fixture
def registered():
    kinds.register(THROWAWAY)
    yield THROWAWAY
    kinds.unregister(THROWAWAY.name)


@pytest.fixture
def configured(home: Home, tmp_path: Path, registered) -> DropSource:
    folder = tmp_path / "drops"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps([{"code": "15", "amount_vnd": 1_000_000}]))
    (folder / "b.json").write_text("{not json")
    home.sources_yaml.write_text(
        f"sources:\n  - name: drops\n    kind: json_drop\n    path: {folder}\n", encoding="utf-8"
    )
    (source,) = load_sources(home.sources_yaml, home).sources
    return source


def test_sources_yaml_knows_the_new_kind_with_its_typed_model(configured):
    assert isinstance(configured, DropSource) and configured.name == "drops"


def test_an_unknown_kind_is_refused_with_the_known_ones(home, registered):
    home.sources_yaml.write_text("sources:\n  - name: x\n    kind: fax\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="json_drop"):
        load_sources(home.sources_yaml, home)


def test_the_new_kind_is_fetched_loaded_and_its_bad_file_kept_with_a_reason(home, configured):
    fetched = kinds.fetch_source(configured, home)
    assert fetched.new == 2
    assert "raw.json_drop_rows" in declared_tables()
    with connect(home.warehouse) as con:
        ensure_tables(con)
        loads = load_landed_into_raw(con, home, [configured])
        rows = con.execute("select code, amount_vnd, batch_id from raw.json_drop_rows").fetchall()
        problems = con.execute("select reason, is_blocking from raw.batch_problems").fetchall()
    good = next(b for b in loads if b.original_name == "a.json")
    assert rows == [("15", 1_000_000, good.batch_id)]
    ((reason, blocking),) = problems
    assert blocking and "b.json" in reason and "is not JSON" in reason


def test_the_new_kind_gets_its_landing_asset_job_and_sensor(home, configured):
    import dagster as dg

    from orchestration.definitions import build_definitions

    defs = build_definitions(home)
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey(["landing", "drops"]) in graph.get_all_asset_keys()
    assert dg.AssetKey(["raw", "json_drop_rows"]) in graph.get_all_asset_keys()
    assert defs.resolve_job_def("sync_drops") is not None
    sensor = defs.resolve_sensor_def("json_drop_drops_files")
    (run,) = sensor.evaluate_tick(dg.build_sensor_context()).run_requests
    assert run.run_key == "drops:2"
