"""The typed configuration every source model builds on: names, HTTP options, secrets by
variable name only. Each source kind declares its own model (in `connectors/kinds/`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from connectors.http import redact
from core.home import Home

_SAFE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")
# Keys that would hold a secret itself; the file may only name the variable holding it.
SECRET_KEYS = re.compile(r"(secret|password|passwd|token|api_?key|key|credential)$", re.I)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _refuse_literal_secrets(data: Any) -> Any:
    if isinstance(data, dict):
        for key in data:
            if isinstance(key, str) and not key.endswith("_env") and SECRET_KEYS.search(key):
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


class SecretsByName(Strict):
    """Credentials given as the names of the environment variables that hold them."""

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secret(cls, data: Any) -> Any:
        return _refuse_literal_secrets(data)


class OAuthClientEnv(SecretsByName):
    """OAuth2 client credentials, given as the names of the variables that hold them."""

    client_id_env: str
    client_secret_env: str
    token_path: str = "/oauth/token"

    @field_validator("client_id_env", "client_secret_env")
    @classmethod
    def _variable_names(cls, value: str) -> str:
        return _env_name(value)


class ApiKeyEnv(SecretsByName):
    """An API key sent in a header, given as the name of the variable that holds it."""

    api_key_env: str
    header: str = "Ocp-Apim-Subscription-Key"

    @field_validator("api_key_env")
    @classmethod
    def _variable_name(cls, value: str) -> str:
        return _env_name(value)


def url_without_secret(url: str) -> str:
    if not re.match(r"^https?://[^/\s]+", url):
        raise ValueError("must be an http:// or https:// URL")
    if redact(url) != url:
        raise ValueError(
            "carries a credential (user:password or a key in the query string); remove it and "
            "give the variable holding it in `auth` instead"
        )
    return url.rstrip("/") if url.count("/") <= 3 else url


class SourceModel(Strict):
    """What every configured source has; `kind` picks its model."""

    kind: str
    name: Annotated[str, Field(pattern=_SAFE_NAME)]
    enabled: bool = True
    description: str | None = None

    def with_paths_below(self, home: Home) -> SourceModel:
        """The same source with its relative paths made absolute below the home."""
        return self


class HttpSourceModel(SourceModel):
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
