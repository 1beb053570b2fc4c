"""Expectation suites kept as data: one YAML file per dataset, loaded and checked without GX."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core.errors import ConfigError

SUITES_DIR = Path(__file__).resolve().parent / "suites"
SEVERITIES = ("blocking", "warning")
PARAM_KEY = "$param"
# `aliases` holds YAML anchors (type lists written once) and is otherwise ignored.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TOP_LEVEL_KEYS = {
    "name",
    "description",
    "location_columns",
    "personal_data",
    "aliases",
    "expectations",
}

# The expectation types a suite may use, by the domain they need. Only these are accepted so
# that a typo in a YAML file is caught when the suite is loaded, not when a batch is judged.
# "column": kwargs.column; "pair": kwargs.column_A and column_B; "multicolumn": column_list.
EXPECTATION_DOMAINS: dict[str, str] = {
    "expect_column_to_exist": "column",
    "expect_column_values_to_not_be_null": "column",
    "expect_column_values_to_be_null": "column",
    "expect_column_values_to_be_in_set": "column",
    "expect_column_values_to_not_be_in_set": "column",
    "expect_column_values_to_be_between": "column",
    "expect_column_values_to_be_in_type_list": "column",
    "expect_column_values_to_be_of_type": "column",
    "expect_column_values_to_match_regex": "column",
    "expect_column_values_to_not_match_regex": "column",
    "expect_column_values_to_be_unique": "column",
    "expect_column_value_lengths_to_equal": "column",
    "expect_column_value_lengths_to_be_between": "column",
    "expect_column_min_to_be_between": "column",
    "expect_column_max_to_be_between": "column",
    "expect_column_sum_to_be_between": "column",
    "expect_column_pair_values_A_to_be_greater_than_B": "pair",
    "expect_column_pair_values_to_be_equal": "pair",
    "expect_compound_columns_to_be_unique": "multicolumn",
    "expect_select_column_values_to_be_unique_within_record": "multicolumn",
    "expect_multicolumn_sum_to_equal": "multicolumn",
    "expect_table_row_count_to_be_between": "table",
    "expect_table_row_count_to_equal": "table",
    "expect_table_column_count_to_be_between": "table",
    "expect_table_columns_to_match_set": "table",
}


def gx_class_name(expectation_type: str) -> str:
    """The GX class name of a type: expect_column_values_to_be_null → ExpectColumnValuesToBeNull."""
    return "".join(part[:1].upper() + part[1:] for part in expectation_type.split("_"))


@dataclass(frozen=True)
class ExpectationSpec:
    """One entry of a suite: a GX expectation, how much it matters, and what to tell people."""

    index: int  # position in the file (0-based), to name the entry in errors
    type: str
    kwargs: dict[str, Any]
    severity: str
    message_vi: str
    message_en: str

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns this expectation reads (empty for table-level expectations)."""
        domain = EXPECTATION_DOMAINS[self.type]
        if domain == "column":
            return (self.kwargs["column"],)
        if domain == "pair":
            return (self.kwargs["column_A"], self.kwargs["column_B"])
        if domain == "multicolumn":
            return tuple(self.kwargs["column_list"])
        return ()

    def describe(self) -> str:
        cols = ", ".join(self.columns)
        return f"entry {self.index + 1} ({self.type}{f' on {cols}' if cols else ''})"


@dataclass(frozen=True)
class SuiteSpec:
    """A suite as written in its YAML file."""

    name: str
    description: str
    location_columns: tuple[str, ...]
    expectations: tuple[ExpectationSpec, ...]
    path: Path
    # True when the dataset holds personal data: failing values are then never reported,
    # only the locations (which must themselves not be personal data).
    personal_data: bool = False
    param_names: frozenset[str] = field(default_factory=frozenset)

    def bind(self, spec: ExpectationSpec, params: dict[str, Any]) -> dict[str, Any]:
        """The kwargs of `spec` with every `{$param: name}` replaced from `params`."""
        return _substitute(spec.kwargs, params, f"suite {self.path.name}, {spec.describe()}")


# Suites are validated once per batch; parsing the YAML each time would cost more than that.
_loaded: dict[Path, tuple[int, SuiteSpec]] = {}


def list_suites(directory: Path = SUITES_DIR) -> list[str]:
    """Names of the suites shipped in `directory`, sorted."""
    return sorted(p.stem for p in directory.glob("*.yaml"))


def load_suite(name: str, directory: Path = SUITES_DIR) -> SuiteSpec:
    """The suite called `name` (its file is `<directory>/<name>.yaml`), read once per change."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(list_suites(directory)) or "none"
        raise ConfigError(f"no expectation suite {name!r} in {directory} (known: {known})")
    stamp = path.stat().st_mtime_ns
    cached = _loaded.get(path)
    if cached is None or cached[0] != stamp:
        cached = (stamp, load_suite_file(path))
        _loaded[path] = cached
    return cached[1]


def load_suite_file(path: Path) -> SuiteSpec:
    """Read and check one suite file; every mistake is a ConfigError naming the file and entry."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"expectation suite {path}: cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"expectation suite {path}: expected a mapping at the top level")
    unknown = set(data) - _TOP_LEVEL_KEYS
    if unknown:
        raise ConfigError(
            f"expectation suite {path}: unknown keys {', '.join(sorted(map(str, unknown)))} "
            f"(allowed: {', '.join(sorted(_TOP_LEVEL_KEYS))})"
        )
    name = data.get("name")
    if name != path.stem:
        raise ConfigError(f"expectation suite {path}: name {name!r} must equal the file name")
    locations = data.get("location_columns") or []
    if not isinstance(locations, list) or not all(isinstance(c, str) for c in locations):
        raise ConfigError(f"expectation suite {path}: location_columns must be a list of names")
    entries = data.get("expectations")
    if not isinstance(entries, list) or not entries:
        raise ConfigError(f"expectation suite {path}: expectations must be a non-empty list")
    specs = tuple(_parse_entry(path, i, entry) for i, entry in enumerate(entries))
    params: set[str] = set()
    for spec in specs:
        _collect_params(spec.kwargs, params)
    return SuiteSpec(
        name=name,
        description=_text(data.get("description") or ""),
        location_columns=tuple(locations),
        expectations=specs,
        path=path,
        personal_data=bool(data.get("personal_data", False)),
        param_names=frozenset(params),
    )


def _parse_entry(path: Path, index: int, entry: Any) -> ExpectationSpec:
    where = f"expectation suite {path}, entry {index + 1}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping with type, kwargs, severity, messages")
    kind = entry.get("type")
    if kind not in EXPECTATION_DOMAINS:
        raise ConfigError(
            f"{where}: unknown expectation type {kind!r}; "
            f"known types: {', '.join(sorted(EXPECTATION_DOMAINS))}"
        )
    kwargs = entry.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise ConfigError(f"{where} ({kind}): kwargs must be a mapping")
    domain = EXPECTATION_DOMAINS[kind]
    needed = {"column": ["column"], "pair": ["column_A", "column_B"]}.get(domain, [])
    for key in needed:
        if not isinstance(kwargs.get(key), str):
            raise ConfigError(f"{where} ({kind}): kwargs.{key} must name a column")
    if domain == "multicolumn":
        cols = kwargs.get("column_list")
        if not isinstance(cols, list) or not cols or not all(isinstance(c, str) for c in cols):
            raise ConfigError(f"{where} ({kind}): kwargs.column_list must list column names")
    severity = entry.get("severity")
    if severity not in SEVERITIES:
        raise ConfigError(f"{where} ({kind}): severity {severity!r} must be blocking or warning")
    messages = {}
    for key in ("message_vi", "message_en"):
        text = entry.get(key)
        if not isinstance(text, str) or not text.strip():
            raise ConfigError(f"{where} ({kind}): {key} is missing")
        messages[key] = _text(text)
    return ExpectationSpec(
        index, kind, kwargs, severity, messages["message_vi"], messages["message_en"]
    )


def _text(text: str) -> str:
    # Messages are shown to officers and compared in tests: one Unicode form only.
    return unicodedata.normalize("NFC", str(text)).strip()


def _is_param(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {PARAM_KEY}


def _collect_params(value: Any, found: set[str]) -> None:
    if _is_param(value):
        found.add(str(value[PARAM_KEY]))
    elif isinstance(value, dict):
        for item in value.values():
            _collect_params(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect_params(item, found)


def _substitute(value: Any, params: dict[str, Any], where: str) -> Any:
    if _is_param(value):
        name = str(value[PARAM_KEY])
        if name not in params:
            raise ConfigError(f"{where}: needs the parameter {name!r}, which was not given")
        return params[name]
    if isinstance(value, dict):
        return {k: _substitute(v, params, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, params, where) for v in value]
    return value
