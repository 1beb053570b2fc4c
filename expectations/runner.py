"""Run one expectation suite on one pandas batch and say pass/fail, with the failing rows' places.

Great Expectations is imported lazily (it takes seconds; `prepare_in_background` starts it while
dbt works) and one ephemeral context, pandas datasource and dataframe asset are kept per process,
with each suite's GX expectations made once, so judging many batches stays fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import math
import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError
from expectations.suites import SuiteSpec, gx_class_name, load_suite

if TYPE_CHECKING:
    import pandas as pd

MAX_LOCATIONS = 50
MAX_OBSERVED_VALUES = 10
_INDEX_KEY = "mtqg_index"

_gx_cache: dict[str, Any] = {}
_gx_lock = threading.Lock()
# GX expectation suites made from a suite spec and its bound kwargs: made once, not per batch.
_suites: dict[tuple[int, str], tuple[SuiteSpec, Any]] = {}


@dataclass(frozen=True)
class ExpectationOutcome:
    """What one expectation found in one batch."""

    expectation_type: str
    columns: tuple[str, ...]
    severity: str  # blocking | warning
    success: bool
    unexpected_count: int | None
    element_count: int | None
    message_vi: str
    message_en: str
    failing_locations: list[dict[str, Any]] = field(default_factory=list)
    observed_value: Any = None

    @property
    def column_name(self) -> str | None:
        return ", ".join(self.columns) or None


@dataclass(frozen=True)
class ValidationOutcome:
    """The verdict of a suite on a batch: passed unless a blocking expectation failed."""

    suite: str
    row_count: int
    results: list[ExpectationOutcome]

    @property
    def passed(self) -> bool:
        return not self.blocking_failures

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success and r.severity == "blocking"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [r for r in self.results if not r.success and r.severity == "warning"]

    def to_check_records(
        self, batch_id: str, evaluated_at: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """One row per evaluated expectation, shaped like `quality.check_results`."""
        when = evaluated_at or dt.datetime.now(dt.UTC)
        return [
            {
                "batch_id": batch_id,
                "suite": self.suite,
                "expectation_type": r.expectation_type,
                "column_name": r.column_name,
                "severity": r.severity,
                "success": r.success,
                "unexpected_count": r.unexpected_count,
                "element_count": r.element_count,
                "message_vi": r.message_vi,
                "message_en": r.message_en,
                "failing_locations_json": json.dumps(
                    r.failing_locations, ensure_ascii=False, sort_keys=True
                ),
                "evaluated_at": when,
            }
            for r in self.results
        ]


def validate(
    suite: str | SuiteSpec, df: pd.DataFrame, *, params: dict[str, Any] | None = None
) -> ValidationOutcome:
    """Judge `df` with `suite` (a name in expectations/suites or a loaded spec).

    `params` fills `{$param: name}` in the suite; `today` defaults to today's date.
    Columns an expectation needs but `df` lacks make that expectation a blocking failure.
    """
    spec = load_suite(suite) if isinstance(suite, str) else suite
    values = {"today": dt.date.today(), **(params or {})}
    frame = _plain_frame(df)
    present = set(frame.columns)

    outcomes: dict[int, ExpectationOutcome] = {}
    runnable = []
    for exp in spec.expectations:
        kwargs = spec.bind(exp, values)
        missing = [c for c in exp.columns if c not in present]
        if missing:
            outcomes[exp.index] = _missing_columns(exp, missing, len(frame))
        else:
            runnable.append((exp, _coerce_bounds(kwargs, frame, exp.columns)))

    if runnable:
        locations = [c for c in spec.location_columns if c in present]
        for result in _run_gx(spec, runnable, frame, locations):
            index = result.expectation_config.meta[_INDEX_KEY]
            exp = spec.expectations[index]
            outcomes[index] = _outcome(exp, result, locations, spec.personal_data)
    return ValidationOutcome(
        suite=spec.name,
        row_count=len(frame),
        results=[outcomes[i] for i in sorted(outcomes)],
    )


def prepare_in_background() -> threading.Thread:
    """Import GX (seconds) in a thread of its own, so that the import overlaps other work of the
    run (dbt building in its own process) instead of delaying the gate; `validate` waits for it.
    """
    thread = threading.Thread(target=_gx, name="mtqg-gx-import", daemon=True)
    thread.start()
    return thread


def _gx() -> tuple[Any, Any]:
    """The GX module and the one batch definition every validation of this process reuses."""
    with _gx_lock:
        return _gx_made()


def _gx_made() -> tuple[Any, Any]:
    if not _gx_cache:
        # Set before the import: GX reads it when the context is made.
        os.environ["GX_ANALYTICS_ENABLED"] = "false"
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas("mtqg_quality").add_dataframe_asset("batch")
        _gx_cache["gx"] = gx
        _gx_cache["batch_definition"] = asset.add_batch_definition_whole_dataframe("whole")
    return _gx_cache["gx"], _gx_cache["batch_definition"]


def _run_gx(spec: SuiteSpec, runnable: list, frame: pd.DataFrame, locations: list[str]) -> list:
    gx, batch_definition = _gx()
    suite = _gx_suite(gx, spec, runnable)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    result_format: dict[str, Any] = {"result_format": "COMPLETE"}
    if locations:
        result_format["unexpected_index_column_names"] = locations
    return batch.validate(suite, result_format=result_format).results


def _gx_suite(gx: Any, spec: SuiteSpec, runnable: list) -> Any:
    """The GX suite of these expectations and kwargs, made once per process."""
    key = (id(spec), json.dumps([(e.index, k) for e, k in runnable], default=repr))
    if key in _suites:
        return _suites[key][1]
    expectations = []
    for exp, kwargs in runnable:
        cls = getattr(gx.expectations, gx_class_name(exp.type), None)
        try:
            if cls is None:
                raise TypeError(f"GX has no expectation {exp.type}")
            expectations.append(cls(**kwargs, meta={_INDEX_KEY: exp.index}))
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise ConfigError(
                f"expectation suite {spec.path}, {exp.describe()}: GX refuses its kwargs: {exc}"
            ) from exc
    # Given to the constructor, not added one by one: add_expectation compares each new
    # expectation with all the others, which costs more than validating a small batch.
    if len(_suites) > 64:  # suites edited while a long-lived process runs: keep a few
        _suites.clear()
    suite = gx.ExpectationSuite(name=spec.name, expectations=expectations)
    _suites[key] = (spec, suite)  # the spec kept alive, so its id is never another's
    return suite


def _plain_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A shallow copy whose dtypes GX's pandas type checks understand.

    Arrow → pandas gives dates as `datetime.date` objects, strings as pandas' `str` dtype and
    DECIMAL as `Decimal` objects; GX cannot name any of these in a type list, so dates become
    datetime64, strings plain objects and decimals floats. The caller's frame is not changed.
    """
    import pandas as pd

    frame = df.copy(deep=False)
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.StringDtype):
            frame[name] = column.astype(object).where(column.notna(), None)
        elif column.dtype == object:
            sample = column.dropna()
            first = sample.iloc[0] if len(sample) else None
            if isinstance(first, dt.date) and not isinstance(first, dt.datetime):
                # Mixed content stays as it is: the type expectation will then say so.
                with contextlib.suppress(TypeError, ValueError):
                    frame[name] = pd.to_datetime(column)
            elif isinstance(first, decimal.Decimal):
                frame[name] = column.astype(float)
    return frame


def _coerce_bounds(kwargs: dict[str, Any], frame: pd.DataFrame, columns: tuple[str, ...]) -> dict:
    """Dates written in a suite (`"2021-01-01"`, `{$param: today}`) compared with a date column."""
    import pandas as pd

    if len(columns) != 1 or not pd.api.types.is_datetime64_any_dtype(frame[columns[0]]):
        return kwargs
    coerced = dict(kwargs)
    for key in ("min_value", "max_value"):
        if isinstance(coerced.get(key), str | dt.date):
            coerced[key] = pd.Timestamp(coerced[key])
    return coerced


def _missing_columns(exp, missing: list[str], row_count: int) -> ExpectationOutcome:
    names = ", ".join(missing)
    return ExpectationOutcome(
        expectation_type=exp.type,
        columns=exp.columns,
        severity="blocking",  # without the column nothing can be checked: never a mere warning
        success=False,
        unexpected_count=None,
        element_count=row_count,
        message_vi=f"Thiếu cột {names} trong dữ liệu (cần cho kiểm tra: {exp.message_vi})",
        message_en=f"Column {names} is missing from the data (needed to check: {exp.message_en})",
        observed_value={"missing_columns": missing},
    )


def _outcome(exp, result, locations: list[str], personal_data: bool) -> ExpectationOutcome:
    body = result.result or {}
    info = result.exception_info or {}
    message_vi, message_en = exp.message_vi, exp.message_en
    severity = exp.severity
    error = _raised(info)
    if error is not None:
        # A check that could not run proves nothing: it blocks, like a missing column.
        severity = "blocking"
        reason = "" if personal_data else f": {error[:200]}"
        message_vi = f"Không chạy được kiểm tra ({exp.message_vi}){reason}"
        message_en = f"The check could not run ({exp.message_en}){reason}"
    return ExpectationOutcome(
        expectation_type=exp.type,
        columns=exp.columns,
        severity=severity,
        success=bool(result.success),
        unexpected_count=_int_or_none(body.get("unexpected_count")),
        element_count=_int_or_none(body.get("element_count")),
        message_vi=message_vi,
        message_en=message_en,
        failing_locations=_locations(body, locations),
        observed_value=_observed(body, personal_data),
    )


def _raised(info: dict) -> str | None:
    """The exception message if GX could not run the check (flat, or keyed by metric)."""
    found = [info] + [v for v in info.values() if isinstance(v, dict)]
    for item in found:
        if item.get("raised_exception"):
            return str(item.get("exception_message") or "unknown error")
    return None


def _locations(body: dict, locations: list[str]) -> list[dict[str, Any]]:
    """Only the location columns of each failing row: never the failing value itself."""
    found = body.get("unexpected_index_list") or []
    if locations:
        found = [item for item in found if isinstance(item, dict)]
        rows = [{c: _plain(item.get(c)) for c in locations} for item in found]
    else:
        rows = [{"row_index": _plain(item)} for item in found if not isinstance(item, dict)]
    unique = {json.dumps(r, sort_keys=True, ensure_ascii=False): r for r in rows}
    ordered = sorted(unique.values(), key=lambda r: tuple(_sort_key(v) for v in r.values()))
    return ordered[:MAX_LOCATIONS]


def _observed(body: dict, personal_data: bool) -> Any:
    mismatched = (body.get("details") or {}).get("mismatched")
    if mismatched:  # table columns: what is missing or extra says more than the full list
        return _plain(mismatched)
    if "observed_value" in body:
        return _plain(body["observed_value"])
    if personal_data or "partial_unexpected_counts" not in body:
        return None
    counts = body.get("partial_unexpected_counts") or []
    return [_plain(c.get("value")) for c in counts[:MAX_OBSERVED_VALUES]]


def _plain(value: Any) -> Any:
    """A JSON-ready value: numpy scalars to Python, dates to ISO text, NaN to None."""
    if value is None or type(value).__name__ == "NaTType":
        return None
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (2, 0, "")
    if isinstance(value, bool | int | float):
        return (0, value, "")
    return (1, 0, str(value))
