"""sources.yaml: the template loads, mistakes name their line, literal secrets are refused."""

from __future__ import annotations

import pytest

from connectors.config import load_sources, render_sources_template
from connectors.kinds.ckan import CkanSource
from connectors.kinds.iati_datastore import IatiDatastoreSource
from connectors.kinds.inbox import InboxSource
from connectors.kinds.ministry_api import MinistryApiSource
from core.errors import ConfigError

GOOD = """\
sources:
  - name: mof
    kind: ministry_api
    url: http://127.0.0.1:8801
    auth: {client_id_env: MTQG_MOF_CLIENT_ID, client_secret_env: MTQG_MOF_CLIENT_SECRET}
    collections: [capital-plans, disbursements, beneficiary-communes,
                  extremely-difficult-villages, exchange-rates]
  - name: donor_files
    kind: iati_files
    urls: [http://127.0.0.1:8802/files/donor-a.xml]
  - name: iati_datastore
    kind: iati_datastore
    url: http://127.0.0.1:8802/datastore
    auth: {api_key_env: MTQG_IATI_KEY}
    query: "recipient_country_code:VN"
  - name: lao_cai_portal
    kind: ckan
    url: http://127.0.0.1:8803
    fq: "tags:mtqg-1719"
  - name: inbox
    kind: inbox
    path: inbox            # relative paths are relative to MTQG_HOME
  - name: admin_units
    kind: reference
    path: /somewhere/admin_units
"""


def _write(home, text: str):
    home.sources_yaml.write_text(text, encoding="utf-8")
    return home.sources_yaml


def test_the_contract_example_loads_with_defaults(home):
    config = load_sources(_write(home, GOOD), home)
    assert [s.kind for s in config.sources] == [
        "ministry_api",
        "iati_files",
        "iati_datastore",
        "ckan",
        "inbox",
        "reference",
    ]
    mof = config.get("mof")
    assert isinstance(mof, MinistryApiSource)
    assert mof.auth.client_secret_env == "MTQG_MOF_CLIENT_SECRET"
    assert mof.page_size == 1000 and len(mof.collections) == 5
    assert mof.http_options()["timeout"] == (10.0, 60.0)
    ckan = config.get("lao_cai_portal")
    assert isinstance(ckan, CkanSource) and ckan.formats == ["XLSX", "XLS", "CSV"]
    datastore = config.get("iati_datastore")
    assert isinstance(datastore, IatiDatastoreSource)
    assert datastore.auth.header == "Ocp-Apim-Subscription-Key"
    assert config.get("donor_files").validate_schema is True
    inbox = config.get("inbox")
    assert isinstance(inbox, InboxSource) and inbox.path == str(home.inbox)
    assert config.get("admin_units").path == "/somewhere/admin_units"
    assert [s.name for s in config.of_kind("ckan")] == ["lao_cai_portal"]


def test_rendered_template_loads_with_the_given_urls(home):
    text = render_sources_template(
        ministry_api="http://127.0.0.1:8801",
        iati_files=["http://127.0.0.1:8802/files/a.xml", "http://127.0.0.1:8802/files/b.xml"],
        iati_datastore="http://127.0.0.1:8802/datastore",
        ckan="http://127.0.0.1:8803",
    )
    config = load_sources(_write(home, text), home)
    assert {s.kind for s in config.sources} == {
        "ministry_api",
        "iati_files",
        "iati_datastore",
        "ckan",
        "inbox",
        "reference",
    }
    assert config.get("mof").url == "http://127.0.0.1:8801"
    assert len(config.get("donor_files").urls) == 2
    with pytest.raises(TypeError):
        render_sources_template(ftp="x")


@pytest.mark.parametrize(
    ("old", "new", "marker", "words"),
    [
        ("page_size: 1000", "page_size: 5000", "page_size: 5000", "page_size"),
        ("kind: ckan", "kind: ckann", "kind: ckann", "kind"),
        ("name: inbox", "name: ../inbox", "name: ../inbox", "name"),
        ('fq: "tags:mtqg-1719"', 'fq: "x"\n    colour: blue', "colour: blue", "colour"),
        ("urls: [http://127.0.0.1:8802/files/donor-a.xml]", "urls: []", "urls: []", "urls"),
        ("path: /somewhere/admin_units", "url: ftp://x", "url: ftp://x", "url"),
        ("MTQG_MOF_CLIENT_SECRET", "hunter2pass", "hunter2pass", "NAME of an environment"),
        (
            "    url: http://127.0.0.1:8803\n",
            "",
            "name: lao_cai_portal",
            "field `url`: Field required",
        ),
    ],
)
def test_mistakes_name_file_line_and_field(home, old, new, marker, words):
    text = GOOD.replace("    collections: [", "    page_size: 1000\n    collections: [")
    text = text.replace(old, new)
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if marker in t)
    with pytest.raises(ConfigError) as caught:
        load_sources(_write(home, text), home)
    message = str(caught.value)
    assert str(home.sources_yaml) in message
    assert f"line {line}:" in message, message
    assert words in message
    assert "hunter2pass" not in message


def test_a_literal_secret_is_refused_naming_the_line_not_the_value(home):
    text = GOOD.replace("client_secret_env: MTQG_MOF_CLIENT_SECRET", "client_secret: Zq9-top")
    with pytest.raises(ConfigError) as caught:
        load_sources(_write(home, text), home)
    message = str(caught.value)
    assert "line 5" in message and "client_secret_env" in message
    assert "Zq9-top" not in message
    key_in_url = GOOD.replace("8802/datastore", "8802/datastore?api_key=Zq9-top")
    with pytest.raises(ConfigError, match="credential") as caught:
        load_sources(_write(home, key_in_url), home)
    assert "Zq9-top" not in str(caught.value)


def test_duplicate_names_and_broken_yaml_are_explained(home):
    twice = GOOD + "  - name: MOF\n    kind: inbox\n"
    with pytest.raises(ConfigError, match="two sources are named 'MOF'"):
        load_sources(_write(home, twice), home)
    with pytest.raises(ConfigError, match=r"line 3: not valid YAML"):
        load_sources(_write(home, "sources:\n  - name: a\n   kind: [x\n"), home)
    with pytest.raises(ConfigError, match="file not found"):
        load_sources(home.root / "missing.yaml", home)


def test_empty_file_means_no_sources(home):
    assert load_sources(_write(home, ""), home).sources == []
