"""Starting the demo sources: every server answers, and the home is written so that it loads."""

from __future__ import annotations

import pytest
import requests

from connectors.config import load_sources
from core.home import Home
from demo.dataset import DemoDataset, build_demo_dataset
from demo.sources import (
    CLIENT_ID_VARIABLE,
    CLIENT_SECRET_VARIABLE,
    IATI_KEY_VARIABLE,
    start_demo_sources,
)
from reporting.alerts.settings import load_alert_settings

TIMEOUT = 10


@pytest.fixture(scope="module")
def dataset() -> DemoDataset:
    return build_demo_dataset()


def _session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # a proxy from the environment must not intercept 127.0.0.1
    return session


def test_every_demo_server_answers_and_stops_on_exit(home: Home, dataset: DemoDataset) -> None:
    http = _session()
    with start_demo_sources(home, dataset) as sources:
        env = sources.env
        assert {
            CLIENT_ID_VARIABLE,
            CLIENT_SECRET_VARIABLE,
            IATI_KEY_VARIABLE,
            "MTQG_PSEUDONYM_KEY",
        } <= set(env)
        urls = [sources.ministry.url, sources.iati.url, *(p.url for p in sources.portals.values())]
        assert all(u.startswith("http://127.0.0.1:") for u in urls)
        assert len(set(urls)) == len(urls)

        token = http.post(
            f"{sources.ministry.url}/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": env[CLIENT_ID_VARIABLE],
                "client_secret": env[CLIENT_SECRET_VARIABLE],
            },
            timeout=TIMEOUT,
        )
        assert token.status_code == 200
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        refused = http.get(f"{sources.ministry.url}/api/v1/capital-plans", timeout=TIMEOUT)
        assert refused.status_code == 401
        for collection, rows in dataset.ministry_records.items():
            page = http.get(
                f"{sources.ministry.url}/api/v1/{collection}",
                params={"page": 1, "page_size": 1000},
                headers=bearer,
                timeout=TIMEOUT,
            ).json()
            assert page["total"] == len(rows), collection
            assert len(page["data"]) == min(1000, len(rows))

        for url in sources.urls["donor_files"]:
            answer = http.get(url, timeout=TIMEOUT)
            assert answer.status_code == 200
            assert answer.content in dataset.iati_files.values()
        select = http.get(
            f"{sources.urls['iati_datastore']}/transaction/select",
            params={"q": "recipient_country_code:VN", "rows": 100, "wt": "json"},
            headers={"Ocp-Apim-Subscription-Key": env[IATI_KEY_VARIABLE]},
            timeout=TIMEOUT,
        ).json()
        assert select["response"]["numFound"] == len(dataset.iati_transaction_docs)

        for portal in dataset.ckan_portals:
            base = sources.portals[portal.name].url
            found = http.get(
                f"{base}/api/3/action/package_search",
                params={"fq": "tags:mtqg-1719", "rows": 100, "start": 0},
                timeout=TIMEOUT,
            ).json()
            assert found["success"] is True
            tagged = [p for p in portal.packages if "mtqg-1719" in {t["name"] for t in p["tags"]}]
            assert found["result"]["count"] == len(tagged) < len(portal.packages)
            for package in found["result"]["results"]:
                for resource in package["resources"]:
                    assert resource["url"].startswith(base + "/dataset/")
                    download = http.get(resource["url"], timeout=TIMEOUT)
                    assert download.content == portal.resources[resource["id"]]
        ministry_url = sources.ministry.url
    http.close()
    # A new connection: kept-alive ones may outlive the listening socket by a moment.
    with pytest.raises(requests.ConnectionError):
        _session().get(f"{ministry_url}/oauth/token", timeout=TIMEOUT)


def test_the_home_is_written_for_the_run(home: Home, dataset: DemoDataset) -> None:
    with start_demo_sources(home, dataset) as sources:
        config = load_sources(home.sources_yaml, home)
        by_kind = {}
        for source in config.sources:
            by_kind.setdefault(source.kind, []).append(source)
        assert set(by_kind) == {"ministry_api", "iati_files", "iati_datastore", "ckan", "inbox"}
        assert by_kind["ministry_api"][0].url == sources.ministry.url
        assert len(by_kind["ckan"]) == len(dataset.ckan_portals)
        assert sorted(by_kind["iati_files"][0].urls) == sorted(sources.urls["donor_files"])
        text = home.sources_yaml.read_text(encoding="utf-8")
        for secret in (sources.env[CLIENT_SECRET_VARIABLE], sources.env[IATI_KEY_VARIABLE]):
            assert secret not in text

        settings = load_alert_settings(home)
        assert settings is not None and settings.email is None and settings.webhooks is False
        assert settings.assignments.read_bytes() == dataset.assignments_csv

        inbox = sorted(p.name for p in home.inbox.iterdir())
        assert inbox == sorted(f.file_name for f in dataset.form01_files)
        for f in dataset.form01_files:
            assert (home.inbox / f.file_name).read_bytes() == f.content
        assert sources.donor_mapping.read_bytes() == dataset.donor_mapping_csv
        assert sources.donor_mapping.parent == home.root
