"""What is published, and where: `$MTQG_HOME/publish.yaml` (optional; every key has a default).

```yaml
keep: 5                      # snapshots kept in $MTQG_HOME/published/
postgres:                    # present: the marts go to PostgreSQL after each successful run
  schema: marts              # the schema analysts read
  analyst_role: mtqg_analyst # the read-only role (LOGIN; created when missing)
  analyst_password_env: MTQG_PG_ANALYST_PASSWORD   # optional: its password, from the environment
```

The server comes from the environment (`MTQG_PG_HOST`, `MTQG_PG_PORT`, `MTQG_PG_USER`,
`MTQG_PG_PASSWORD`, `MTQG_PG_DATABASE`), never from the file.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.errors import ConfigError
from core.home import Home

PUBLISH_YAML = "publish.yaml"
_IDENTIFIER = r"^[a-z_][a-z0-9_]{0,62}$"


class PostgresPublish(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_name: str = Field("marts", alias="schema", pattern=_IDENTIFIER)
    analyst_role: str = Field("mtqg_analyst", pattern=_IDENTIFIER)
    analyst_password_env: str | None = None

    def analyst_password(self) -> str | None:
        return os.environ.get(self.analyst_password_env) if self.analyst_password_env else None


class PublishConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    keep: int = Field(5, ge=1)
    postgres: PostgresPublish | None = None


def load_publish_config(home: Home) -> PublishConfig:
    """`publish.yaml` of the home, or the defaults (keep 5, no PostgreSQL) without one."""
    path = home.root / PUBLISH_YAML
    if not path.is_file():
        return PublishConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return PublishConfig.model_validate(data)
    except (yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def postgres_uri() -> str:
    """The PostgreSQL server analysts read, from MTQG_PG_HOST/PORT/USER/PASSWORD/DATABASE
    (defaults 127.0.0.1, 5432, postgres, no password, postgres)."""
    host = os.environ.get("MTQG_PG_HOST", "127.0.0.1")
    port = os.environ.get("MTQG_PG_PORT", "5432")
    user = os.environ.get("MTQG_PG_USER", "postgres")
    password = os.environ.get("MTQG_PG_PASSWORD", "")
    database = os.environ.get("MTQG_PG_DATABASE", "postgres")
    credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
    return f"postgresql://{credentials}@{host}:{port}/{quote(database, safe='')}?connect_timeout=10"


def postgres_place() -> str:
    """host:port/database, for messages (never the password)."""
    return (
        f"{os.environ.get('MTQG_PG_HOST', '127.0.0.1')}:{os.environ.get('MTQG_PG_PORT', '5432')}"
        f"/{os.environ.get('MTQG_PG_DATABASE', 'postgres')}"
    )
