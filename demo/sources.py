"""Start every demo sender on 127.0.0.1 and write the home's configuration to point at them."""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from connectors.config import load_sources, sources_config_model
from connectors.pseudonymise import KEY_VARIABLE as PSEUDONYM_KEY_VARIABLE
from core.home import Home
from demo.dataset import ASSIGNMENTS_CSV, DemoDataset, build_demo_dataset
from demo.servers.ckan_portal import CkanPortal
from demo.servers.iati_server import IatiServer
from demo.servers.ministry_api import MinistryApiServer
from reporting.alerts.settings import load_alert_settings

CLIENT_ID_VARIABLE = "MTQG_MOF_CLIENT_ID"
CLIENT_SECRET_VARIABLE = "MTQG_MOF_CLIENT_SECRET"
IATI_KEY_VARIABLE = "MTQG_IATI_KEY"
DEMO_CLIENT_ID = "mtqg-demo"
DONOR_MAPPING_FILE = "donor_mapping.csv"
ASSIGNMENTS_FILE = "assignments.csv"


@dataclass(frozen=True)
class DemoSources:
    """The running demo: its servers, the environment the run needs, and what was written."""

    dataset: DemoDataset
    home: Home
    env: dict[str, str]  # put these in os.environ for the run (credentials, pseudonym key)
    ministry: MinistryApiServer
    iati: IatiServer
    portals: dict[str, CkanPortal]  # portal name -> server
    inbox_files: tuple[Path, ...]
    donor_mapping: Path

    @property
    def urls(self) -> dict[str, Any]:
        """Live base URLs of every sender, by source name of sources.yaml."""
        return {
            "mof": self.ministry.url,
            "donor_files": [f"{self.iati.url}/files/{n}" for n in sorted(self.dataset.iati_files)],
            "iati_datastore": f"{self.iati.url}/datastore",
            **{f"{name}_portal": portal.url for name, portal in self.portals.items()},
        }


def start_demo_sources(
    home: Home, dataset: DemoDataset | None = None
) -> contextlib.AbstractContextManager[DemoSources]:
    """Start the ministry API, the IATI server and the CKAN portals; write the home's files.

    On entry: servers are up on ephemeral ports, `sources.yaml` lists them, `alerts.yaml` sends
    to the quality page only (no SMTP, no webhooks in the demo), the assignment table and the
    donor mapping sit in the home and the Form 01 files in its inbox. On exit the servers stop;
    the files stay, as a real home's would.
    """
    return _running(home, dataset or build_demo_dataset())


@contextlib.contextmanager
def _running(home: Home, dataset: DemoDataset) -> Iterator[DemoSources]:
    home.ensure()
    # Fresh secrets for servers that live only for this run; the pseudonym key is stable so
    # that running the demo again in the same home gives the same pseudonyms.
    client_secret = secrets.token_urlsafe(24)
    iati_key = secrets.token_urlsafe(24)
    env = {
        CLIENT_ID_VARIABLE: DEMO_CLIENT_ID,
        CLIENT_SECRET_VARIABLE: client_secret,
        IATI_KEY_VARIABLE: iati_key,
        PSEUDONYM_KEY_VARIABLE: hashlib.sha256(
            f"mtqg-demo-pseudonyms-{dataset.seed}".encode()
        ).hexdigest(),
    }
    with contextlib.ExitStack() as stack:
        ministry = stack.enter_context(
            MinistryApiServer(dataset.ministry_records, clients={DEMO_CLIENT_ID: client_secret})
        )
        iati = stack.enter_context(
            IatiServer(
                dataset.iati_files,
                dataset.iati_activity_docs,
                dataset.iati_transaction_docs,
                api_key=iati_key,
            )
        )
        portals = {
            p.name: stack.enter_context(CkanPortal(p.packages, p.resources))
            for p in dataset.ckan_portals
        }
        running = DemoSources(
            dataset=dataset,
            home=home,
            env=env,
            ministry=ministry,
            iati=iati,
            portals=portals,
            inbox_files=_fill_inbox(home, dataset),
            donor_mapping=_write_bytes(home.root / DONOR_MAPPING_FILE, dataset.donor_mapping_csv),
        )
        write_sources_yaml(home, running)
        write_alerts_yaml(home)
        yield running


def sources_config(sources: DemoSources) -> dict[str, Any]:
    """The content of sources.yaml for the running demo, as plain data."""
    urls = sources.urls
    entries: list[dict[str, Any]] = [
        {
            "name": "mof",
            "kind": "ministry_api",
            "description": "Demo gateway of the ministries (capital plans, Treasury, ethnic "
            "affairs, State Bank rates)",
            "url": urls["mof"],
            "auth": {
                "client_id_env": CLIENT_ID_VARIABLE,
                "client_secret_env": CLIENT_SECRET_VARIABLE,
            },
            "page_size": 1000,
        },
        {
            "name": "donor_files",
            "kind": "iati_files",
            "description": "Two demo donors' IATI activity files",
            "urls": urls["donor_files"],
            # The demo must run without ../shared, where the IATI schema lives.
            "validate_schema": False,
        },
        {
            "name": "iati_datastore",
            "kind": "iati_datastore",
            "description": "Demo IATI Datastore (a third donor)",
            "url": urls["iati_datastore"],
            "auth": {"api_key_env": IATI_KEY_VARIABLE},
            "query": "recipient_country_code:VN",
        },
    ]
    for portal in sources.dataset.ckan_portals:
        entries.append(
            {
                "name": f"{portal.name}_portal",
                "kind": "ckan",
                "description": portal.title,
                "url": urls[f"{portal.name}_portal"],
                "fq": "tags:mtqg-1719",
            }
        )
    entries.append({"name": "inbox", "kind": "inbox", "path": "inbox"})
    config = {"sources": entries}
    sources_config_model().model_validate(config)  # a mistake here is ours: fail before writing
    return config


def write_sources_yaml(home: Home, sources: DemoSources) -> Path:
    """Write `home.sources_yaml` for the running demo and check that it loads."""
    text = (
        "# sources.yaml of the mtqg demo: every sender runs on 127.0.0.1 for this run only.\n"
        "# Secrets are in the environment variables named here, never in this file.\n"
        + yaml.safe_dump(sources_config(sources), allow_unicode=True, sort_keys=False)
    )
    path = home.sources_yaml
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    load_sources(path, home)
    return path


def write_alerts_yaml(home: Home) -> Path:
    """Alerts of the demo go to the quality page only: no e-mail server, no chat webhooks."""
    shutil.copyfile(ASSIGNMENTS_CSV, home.root / ASSIGNMENTS_FILE)
    settings = {"assignments": ASSIGNMENTS_FILE, "suppression_hours": 24, "webhooks": False}
    home.alerts_yaml.write_text(
        "# alerts.yaml of the mtqg demo: no `email:` section, so no e-mail is sent.\n"
        + yaml.safe_dump(settings, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    load_alert_settings(home)
    return home.alerts_yaml


def _fill_inbox(home: Home, dataset: DemoDataset) -> tuple[Path, ...]:
    return tuple(_write_bytes(home.inbox / f.file_name, f.content) for f in dataset.form01_files)


def _write_bytes(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path
