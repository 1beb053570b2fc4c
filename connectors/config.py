"""`sources.yaml`: which senders to fetch and how, validated with errors that name file and line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connectors.exceptions import ConfigError
from connectors.home import Home
from connectors.http import redact

SOURCE_KINDS = ("ministry_api", "iati_files", "iati_datastore", "ckan", "inbox", "reference")
MINISTRY_COLLECTIONS = (
    "capital-plans",
    "disbursements",
    "beneficiary-communes",
    "extremely-difficult-villages",
    "exchange-rates",
)
_SAFE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# Keys that would hold a secret itself; the file may only name the variable holding it.
_SECRET_KEYS = re.compile(r"(secret|password|passwd|token|api_?key|key|credential)$", re.I)

Collection = Literal[
    "capital-plans",
    "disbursements",
    "beneficiary-communes",
    "extremely-difficult-villages",
    "exchange-rates",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _refuse_literal_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        for key in data:
            if isinstance(key, str) and not key.endswith("_env") and _SECRET_KEYS.search(key):
                raise ValueError(
                    f"`{key}` holds a secret written in the file; secrets never go in "
                    f"sources.yaml: put it in an environment variable and give its name as "
                    f"`{key}_env: MTQG_...`"
                )
    return data


def _env_name(value: str) -> str:
    if not _ENV_NAME.match(value):
        # Never echo the value: it may be the secret itself, pasted in the wrong place.
        raise ValueError(
            "must be the NAME of an environment variable (capitals, digits, _), "
            "e.g. MTQG_MOF_CLIENT_SECRET, not the secret itself"
        )
    return value


class OAuthClientEnv(_Strict):
    """OAuth2 client credentials, given as the names of the variables that hold them."""

    client_id_env: str
    client_secret_env: str
    token_path: str = "/oauth/token"

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secret(cls, data: Any) -> Any:
        return _refuse_literal_secrets(data)

    @field_validator("client_id_env", "client_secret_env")
    @classmethod
    def _variable_names(cls, value: str) -> str:
        return _env_name(value)


class ApiKeyEnv(_Strict):
    """An API key sent in a header, given as the name of the variable that holds it."""

    api_key_env: str
    header: str = "Ocp-Apim-Subscription-Key"

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secret(cls, data: Any) -> Any:
        return _refuse_literal_secrets(data)

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        return _env_name(value)


def _url_without_secret(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError("must be an http:// or https:// URL")
    if redact(url) != url:
        raise ValueError(
            "carries a credential (user:password or a key in the query string); remove it and "
            "give the variable holding it in `auth` instead"
        )
    return url.rstrip("/") if url.count("/") <= 3 else url


class _Source(_Strict):
    name: Annotated[str, Field(pattern=_SAFE_NAME)]
    enabled: bool = True
    description: str | None = None


class _HttpSource(_Source):
    connect_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 10.0
    read_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 60.0
    max_retries: Annotated[int, Field(ge=0, le=20)] = 5
    backoff_factor: Annotated[float, Field(ge=0, le=60)] = 0.5
    backoff_max_seconds: Annotated[float, Field(ge=0, le=3600)] = 60.0
    max_response_mb: Annotated[int, Field(gt=0, le=10_000)] = 512

    def http_options(self) -> dict[str, Any]:
        """Keyword arguments for `HttpClient` (everything but auth)."""
        return {
            "timeout": (self.connect_timeout_seconds, self.read_timeout_seconds),
            "max_retries": self.max_retries,
            "backoff_factor": self.backoff_factor,
            "backoff_max": self.backoff_max_seconds,
            "max_response_bytes": self.max_response_mb * 1024 * 1024,
        }


class MinistryApiSource(_HttpSource):
    kind: Literal["ministry_api"]
    url: str
    auth: OAuthClientEnv
    collections: list[Collection] = Field(default_factory=lambda: list(MINISTRY_COLLECTIONS))
    page_size: Annotated[int, Field(ge=1, le=1000)] = 1000
    overlap_hours: Annotated[float, Field(ge=0, le=24 * 30)] = 1.0
    # Extra query parameters per collection, e.g. {"capital-plans": {"year": 2025}}.
    params: dict[Collection, dict[str, str | int]] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str) -> str:
        return _url_without_secret(url)


class IatiFilesSource(_HttpSource):
    kind: Literal["iati_files"]
    urls: Annotated[list[str], Field(min_length=1)]
    validate_schema: bool = True
    read_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 300.0

    @field_validator("urls")
    @classmethod
    def _safe_urls(cls, urls: list[str]) -> list[str]:
        return [_url_without_secret(u) for u in urls]


class IatiDatastoreSource(_HttpSource):
    kind: Literal["iati_datastore"]
    url: str
    auth: ApiKeyEnv | None = None
    query: str = "recipient_country_code:VN"
    filters: list[str] = Field(default_factory=list)  # extra Solr `fq`
    rows: Annotated[int, Field(ge=1, le=1000)] = 1000

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str) -> str:
        return _url_without_secret(url)


class CkanSource(_HttpSource):
    kind: Literal["ckan"]
    url: str
    auth: ApiKeyEnv | None = None  # CKAN API tokens go in `header: Authorization`
    fq: str = "tags:mtqg-1719"
    formats: list[str] = Field(default_factory=lambda: ["XLSX", "XLS", "CSV"])
    rows: Annotated[int, Field(ge=1, le=1000)] = 100

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str) -> str:
        return _url_without_secret(url)

    @field_validator("formats")
    @classmethod
    def _upper_formats(cls, formats: list[str]) -> list[str]:
        return [f.strip().lstrip(".").upper() for f in formats]


class InboxSource(_Source):
    kind: Literal["inbox"]
    path: str = "inbox"  # relative paths are below MTQG_HOME
    min_age_seconds: Annotated[float, Field(ge=0)] = 0.0
    settle_seconds: Annotated[float, Field(ge=0, le=60)] = 0.0


class ReferenceSource(_HttpSource):
    kind: Literal["reference"]
    path: str | None = None
    url: str | None = None

    @field_validator("url")
    @classmethod
    def _safe_url(cls, url: str | None) -> str | None:
        return None if url is None else _url_without_secret(url)

    @model_validator(mode="after")
    def _one_location(self) -> ReferenceSource:
        if (self.path is None) == (self.url is None):
            raise ValueError("give exactly one of `path` or `url`")
        return self


SourceConfig = Annotated[
    MinistryApiSource
    | IatiFilesSource
    | IatiDatastoreSource
    | CkanSource
    | InboxSource
    | ReferenceSource,
    Field(discriminator="kind"),
]


class SourcesConfig(_Strict):
    sources: list[SourceConfig] = Field(default_factory=list)

    @field_validator("sources")
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

    def get(self, name: str) -> Any:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)

    def of_kind(self, kind: str) -> list[Any]:
        return [s for s in self.sources if s.kind == kind and s.enabled]


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
        config = SourcesConfig.model_validate(data)
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
                and _SECRET_KEYS.search(name)
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
    sources = []
    for source in config.sources:
        if isinstance(source, InboxSource | ReferenceSource) and source.path is not None:
            source = source.model_copy(update={"path": str(home.resolve_path(source.path))})
        sources.append(source)
    return config.model_copy(update={"sources": sources})


def _describe_errors(path: Path, root: yaml.Node | None, data: Any, exc: ValidationError) -> str:
    lines = [f"{path}: {exc.error_count()} problem(s) in the sources configuration:"]
    for error in exc.errors(include_input=False, include_url=False):
        loc = [p for p in error["loc"] if not (isinstance(p, str) and p in SOURCE_KINDS)]
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
        return f"; `kind` must be one of {', '.join(SOURCE_KINDS)}"
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
    unknown = set(urls) - set(SOURCE_KINDS)
    if unknown:
        raise TypeError(f"unknown source kinds {sorted(unknown)}; use {SOURCE_KINDS}")
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
    validate_schema: true  # check against the IATI XSD in reference/iati

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
