"""`sources.yaml`: which senders to fetch and how, validated with errors that name file and line.

Each kind of source brings its own model (`connectors/kinds/`); the file is validated against
the union of the registered kinds' models, picked by `kind`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any, Union

import yaml
from pydantic import Field, ValidationError, create_model, field_validator

from connectors.kinds import all_kinds
from connectors.source_models import SECRET_KEYS, SourceModel, Strict
from core.errors import ConfigError
from core.home import Home


class SourcesConfig(Strict):
    """The configured sources; `sources_config_model()` gives the class that validates them."""

    sources: list[SourceModel] = Field(default_factory=list)

    @field_validator("sources", check_fields=False)
    @classmethod
    def _unique_names(cls, sources: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for source in sources:
            if source.name.lower() in seen:
                raise ValueError(
                    f"two sources are named {source.name!r} (names are compared "
                    "ignoring case); give each source its own name"
                )
            seen.add(source.name.lower())
        return sources

    def get(self, name: str) -> SourceModel:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def of_kind(self, kind: str) -> list[SourceModel]:
        return [s for s in self.sources if s.kind == kind and s.enabled]


def source_kinds() -> tuple[str, ...]:
    return tuple(all_kinds())


def sources_config_model() -> type[SourcesConfig]:
    """SourcesConfig whose `sources` are the registered kinds' models, told apart by `kind`."""
    return _model_for(tuple(kind.config for kind in all_kinds().values()))


@cache
def _model_for(models: tuple[type[SourceModel], ...]) -> type[SourcesConfig]:
    source = Annotated[Union[models], Field(discriminator="kind")]  # noqa: UP007
    return create_model(
        "SourcesConfig",
        __base__=SourcesConfig,
        sources=(list[source], Field(default_factory=list)),
    )


def load_sources(path: Path, home: Home) -> SourcesConfig:
    """Read and validate `sources.yaml`; relative paths are resolved below the home."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: file not found; create it with `mtqg init` or point MTQG_HOME at the "
            "right folder"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(
            f"{path}{where}: not valid YAML ({problem}); check indentation and quotes"
        ) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}, line 1: expected a mapping with a `sources:` list")
    _refuse_secrets_in_tree(path, root)
    try:
        config = sources_config_model().model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe_errors(path, root, data, exc)) from None
    return _resolved(config, home)


def _refuse_secrets_in_tree(path: Path, node: yaml.Node | None) -> None:
    """A secret written in the file is refused before anything else, naming its exact line."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = getattr(key, "value", None)
            if (
                isinstance(name, str)
                and not name.endswith("_env")
                and SECRET_KEYS.search(name)
                and isinstance(value, yaml.ScalarNode)
            ):
                raise ConfigError(
                    f"{path}, line {key.start_mark.line + 1}: `{name}` is a secret written in "
                    "the file; secrets never go in sources.yaml. Put it in an environment "
                    f"variable and give the variable's name instead: `{name}_env: MTQG_...`"
                )
            _refuse_secrets_in_tree(path, value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _refuse_secrets_in_tree(path, item)


def _resolved(config: SourcesConfig, home: Home) -> SourcesConfig:
    sources = [source.with_paths_below(home) for source in config.sources]
    return config.model_copy(update={"sources": sources})


def _describe_errors(path: Path, root: yaml.Node | None, data: Any, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s) in the sources configuration:"]
    for error in exc.errors(include_input=False, include_url=False):
        loc = [p for p in error["loc"] if not (isinstance(p, str) and p in source_kinds())]
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc, message = [*loc, "kind"], "unknown or missing kind"
        node = _node_at(root, loc)
        line = node.start_mark.line + 1 if node is not None else 1
        who = _source_name(data, loc)
        field = ".".join(str(p) for p in loc[2:]) if who else ".".join(str(p) for p in loc)
        lines.append(
            f"  line {line}: {who}field `{field or 'sources'}`: {message}{_fix(error, loc)}"
        )
    return "\n".join(lines)


def _source_name(data: Any, loc: list[Any]) -> str:
    if len(loc) >= 2 and loc[0] == "sources" and isinstance(loc[1], int):
        try:
            name = data["sources"][loc[1]].get("name")
        except (KeyError, IndexError, TypeError, AttributeError):
            name = None
        return f"source {name!r}, " if name else f"source #{loc[1] + 1}, "
    return ""


def _fix(error: Any, loc: list[Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return "; add it"
    if kind == "extra_forbidden":
        return "; remove it or check its spelling"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return f"; `kind` must be one of {', '.join(source_kinds())}"
    if kind == "string_pattern_mismatch" and loc and loc[-1] == "name":
        return "; use letters, digits, '_', '-' or '.', starting with a letter or digit"
    return ""


def _node_at(root: yaml.Node | None, loc: list[Any]) -> yaml.Node | None:
    """The deepest YAML node on the path `loc` (a missing key gives its parent mapping)."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            child = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if child is None:
                # Point at the key itself when the value is wrong, the mapping when it is absent.
                return node
            node = child
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def render_sources_template(**urls: str | list[str]) -> str:
    """A commented sources.yaml with one example of every kind; keyword names are the kinds.

    `render_sources_template(ministry_api="http://127.0.0.1:8801", ckan="http://...")` fills in
    URLs (iati_files takes a list); kinds not given keep placeholder addresses.
    """
    unknown = set(urls) - set(source_kinds())
    if unknown:
        raise TypeError(f"unknown source kinds {sorted(unknown)}; use {source_kinds()}")
    files = urls.get("iati_files", ["https://donor.example.org/iati/activities-vn.xml"])
    files = [files] if isinstance(files, str) else list(files)
    file_lines = "\n".join(f"      - {u}" for u in files)
    ministry = urls.get("ministry_api", "https://api.ministry.example.gov.vn")
    datastore = urls.get("iati_datastore", "https://api.iatistandard.org/datastore")
    ckan = urls.get("ckan", "https://opendata.laocai.example.gov.vn")
    reference = urls.get("reference")
    reference_line = f"url: {reference}" if reference else "path: reference/admin_units"
    return f"""\
# sources.yaml — who sends the programme's data and how mtqg fetches it.
# Secrets never go in this file: give the NAMES of environment variables (`*_env`).
# Relative paths are relative to MTQG_HOME. Every HTTP source also accepts
# connect_timeout_seconds, read_timeout_seconds, max_retries, backoff_factor,
# backoff_max_seconds, max_response_mb and enabled: false.
sources:
  # Ministries' API gateway (OAuth2 client credentials), README section 1.
  - name: mof
    kind: ministry_api
    url: {ministry}
    auth:
      client_id_env: MTQG_MOF_CLIENT_ID
      client_secret_env: MTQG_MOF_CLIENT_SECRET
    collections: [capital-plans, disbursements, beneficiary-communes,
                  extremely-difficult-villages, exchange-rates]
    page_size: 1000        # the gateway allows at most 1000
    overlap_hours: 1       # re-ask this much before the last high-water mark

  # Donors' IATI activity files (XML), fetched with conditional GETs.
  - name: donor_files
    kind: iati_files
    urls:
{file_lines}
    validate_schema: true  # quarantine a file the IATI 2.03 schema refuses (element, line)
    schema_path: reference/iati/iati-activities-schema.xsd  # iati-common.xsd, xml.xsd beside it

  # The IATI Datastore (Solr); the key goes in the header Ocp-Apim-Subscription-Key.
  - name: iati_datastore
    kind: iati_datastore
    url: {datastore}
    auth:
      api_key_env: MTQG_IATI_KEY
    query: "recipient_country_code:VN"
    rows: 1000

  # A provincial open-data portal (CKAN): packages tagged for the programme.
  - name: lao_cai_portal
    kind: ckan
    url: {ckan}
    fq: "tags:mtqg-1719"
    formats: [XLSX, XLS, CSV]

  # Files saved from e-mail by the Office's staff (Form 01, Form 02, CSV exports).
  - name: inbox
    kind: inbox
    path: inbox
    min_age_seconds: 0     # also wait until a file is this old before taking it

  # Reference data (administrative units, programme structure).
  - name: admin_units
    kind: reference
    {reference_line}
"""
