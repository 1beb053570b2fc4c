"""The IATI Datastore connector against the demo Solr server on 127.0.0.1."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from connectors.auth import ApiKeyHeader
from connectors.http import HttpClient
from connectors.iati.datastore import (
    API_KEY_HEADER,
    DatastoreClient,
    datastore_http,
    datastore_transactions,
)
from connectors.iati.tables import TRANSACTION_SCHEMA, exact_decimal
from connectors.iati.xml import parse_activities
from connectors.landing import Landing
from core.errors import ConfigError, SourceError
from demo.servers.iati_server import IatiServer

KEY = "k3y-for-tests-0123456789"

# Each activity: identifier, default currency, last update, transactions
# (type, date, value, currency or None, value date, receiver ref, description).
ACTIVITIES: list[tuple[str, str, str, list[tuple[str, str, str, str | None, str, str, str]]]] = [
    (
        "XM-DAC-41114-VN-001",
        "USD",
        "2024-05-01T08:00:00Z",
        [
            ("2", "2024-01-15", "1500000.5", "USD", "2024-01-15", "VN-LC", "Cam kết"),
            ("3", "2024-03-01", "250000", "EUR", "2024-02-28", "VN-LC", "Giải ngân đợt 1"),
            ("3", "2024-06-01", "0.25", "EUR", "2024-06-01", "VN-HG", "Đợt 2"),
        ],
    ),
    (
        "XM-DAC-41114-VN-002",
        "JPY",
        "2023-12-31T23:59:59Z",
        [("4", "2023-11-30", "120000000", None, "2023-11-30", "VN-DB", "Chi tiêu")],
    ),
    ("XM-DAC-41114-VN-003", "USD", "2024-01-01T00:00:00Z", []),
    (
        "XM-DAC-6-VN-004",
        "EUR",
        "2024-02-02T02:02:02Z",
        [
            ("2", "2024-02-01", "10", None, "2024-02-01", "VN-CB", "a"),
            ("3", "2024-02-05", "5", None, "2024-02-05", "VN-CB", "b"),
        ],
    ),
]


def activity_docs() -> list[dict[str, Any]]:
    docs = []
    for number, (identifier, currency, updated, transactions) in enumerate(ACTIVITIES):
        doc: dict[str, Any] = {
            "id": f"a{number:04d}",
            "iati_identifier": identifier,
            "default_currency": currency,
            "last_updated_datetime": updated,
            "recipient_country_code": ["VN"],
            "reporting_org_ref": identifier.rsplit("-VN", 1)[0],
        }
        if transactions:
            doc.update(
                {
                    "transaction_transaction_type_code": [t[0] for t in transactions],
                    "transaction_transaction_date_iso_date": [
                        f"{t[1]}T00:00:00Z" for t in transactions
                    ],
                    "transaction_value": [float(t[2]) for t in transactions],
                    "transaction_value_value_date": [f"{t[4]}T00:00:00Z" for t in transactions],
                    "transaction_receiver_org_ref": [t[5] for t in transactions],
                    "transaction_description_narrative": [t[6] for t in transactions],
                }
            )
            # Solr lists only the currencies that were written; the fixtures write all or none,
            # so the lists stay parallel (the misaligned case has its own test).
            if all(t[3] for t in transactions):
                doc["transaction_value_currency"] = [t[3] for t in transactions]
        docs.append(doc)
    return docs


def transaction_docs() -> list[dict[str, Any]]:
    docs = []
    for number, (identifier, currency, updated, transactions) in enumerate(ACTIVITIES):
        for index, t in enumerate(transactions):
            doc: dict[str, Any] = {
                "id": f"t{number:04d}-{index:03d}",
                "iati_identifier": identifier,
                "default_currency": currency,
                "last_updated_datetime": updated,
                "recipient_country_code": "VN",
                "transaction_transaction_type_code": t[0],
                "transaction_transaction_date_iso_date": f"{t[1]}T00:00:00Z",
                "transaction_value": [float(t[2])],
                "transaction_value_value_date": f"{t[4]}T00:00:00Z",
                "transaction_receiver_org_ref": [t[5]],
                "transaction_description_narrative": [t[6]],
            }
            if t[3]:
                doc["transaction_value_currency"] = [t[3]]
            docs.append(doc)
    return docs


def activities_xml() -> bytes:
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities version="2.03">']
    for identifier, currency, updated, transactions in ACTIVITIES:
        parts.append(
            f'<iati-activity default-currency="{currency}" last-updated-datetime="{updated}">'
            f"<iati-identifier>{identifier}</iati-identifier>"
        )
        for t in transactions:
            currency_attr = f' currency="{t[3]}"' if t[3] else ""
            parts.append(
                f'<transaction><transaction-type code="{t[0]}"/>'
                f'<transaction-date iso-date="{t[1]}"/>'
                f'<value{currency_attr} value-date="{t[4]}">{t[2]}</value>'
                f"<description><narrative>{t[6]}</narrative></description>"
                f'<receiver-org ref="{t[5]}"/></transaction>'
            )
        parts.append("</iati-activity>")
    parts.append("</iati-activities>")
    return "\n".join(parts).encode("utf-8")


@pytest.fixture
def server():
    with IatiServer({}, activity_docs(), transaction_docs(), api_key=KEY) as running:
        yield running


def make_client(server: IatiServer, *, key: str | None = KEY, rows: int = 2, **options: Any):
    options.setdefault("timeout", (2.0, 0.3))
    http = HttpClient(
        "iati_datastore",
        auth=ApiKeyHeader(API_KEY_HEADER, key) if key else None,
        max_retries=3,
        backoff_factor=0.01,
        backoff_max=0.05,
        **options,
    )
    return DatastoreClient(f"{server.url}/datastore", http, rows=rows)


def _without_page(table):
    """The transactions as the activity file gives them: without the landed page they came in."""
    return table.drop_columns(["source_file_sha256"])


def test_each_transaction_names_the_landed_page_it_came_in(
    server: IatiServer, tmp_path: Path
) -> None:
    client = make_client(server)
    with client.http:
        pull = client.pull(
            "activity", Landing(tmp_path / "l"), "iati_datastore", q="recipient_country_code:VN"
        )
    rows = datastore_transactions(pull.landed).to_pylist()
    pages = {f.sha256 for f in pull.landed}
    assert rows and all(r["source_file_sha256"] in pages for r in rows)


def pull_table(server: IatiServer, tmp_path: Path, collection: str = "activity", **kw: Any):
    client = make_client(server, **kw)
    with client.http:
        pull = client.pull(
            collection,
            Landing(tmp_path / "landing"),
            "iati_datastore",
            q="recipient_country_code:VN",
        )
    return pull, _without_page(datastore_transactions(pull.landed))


def test_activity_collection_gives_the_same_table_as_the_activity_file(
    server: IatiServer, tmp_path: Path
) -> None:
    xml_path = tmp_path / "donor.xml"
    xml_path.write_bytes(activities_xml())
    from_file = parse_activities(xml_path).transactions

    pull, table = pull_table(server, tmp_path)

    assert table.schema == TRANSACTION_SCHEMA == from_file.schema
    assert table.num_rows == sum(len(a[3]) for a in ACTIVITIES) == 6
    assert table.equals(from_file), (table.to_pylist(), from_file.to_pylist())
    # rows=2 over 4 activities: 2 full pages, then the page that shows the cursor has stopped.
    assert len(pull.landed) == 3
    assert [f.extra["page"] for f in pull.landed] == [1, 2, 3]
    assert pull.landed[0].extra["cursorMark"] == "*"
    assert pull.landed[1].extra["cursorMark"] != "*"
    assert len({f.extra["batch_id"] for f in pull.landed}) == 1
    assert pull.doc_count == 4
    by_key = {(r["iati_identifier"], r["transaction_index"]): r for r in table.to_pylist()}
    first = by_key[("XM-DAC-41114-VN-001", 0)]
    assert (first["value"], first["currency"]) == (Decimal("1500000.5"), "USD")
    assert by_key[("XM-DAC-41114-VN-002", 0)]["currency"] == "JPY"  # the default currency
    assert by_key[("XM-DAC-41114-VN-001", 2)]["value"] == Decimal("0.25")
    assert by_key[("XM-DAC-41114-VN-001", 1)]["description"] == "Giải ngân đợt 1"


def test_transaction_collection_gives_the_same_table(server: IatiServer, tmp_path: Path) -> None:
    _, from_activities = pull_table(server, tmp_path / "a")
    pull, from_transactions = pull_table(server, tmp_path / "t", collection="transaction", rows=3)
    assert pull.doc_count == 6
    assert from_transactions.equals(from_activities)


def test_select_yields_every_doc_once_and_sends_the_key(server: IatiServer) -> None:
    client = make_client(server, rows=3)
    with client.http:
        docs = list(client.select("transaction", "*:*", fq="iati_identifier:XM-DAC-6-VN-004"))
    assert [d["id"] for d in docs] == ["t0003-000", "t0003-001"]
    selects = [r for r in server.requests if r.path.endswith("/select")]
    assert all(r.header(API_KEY_HEADER) == KEY for r in selects)
    assert all(r.query["sort"] == "id asc" and r.query["wt"] == "json" for r in selects)


def test_sort_without_the_unique_key_gets_it_added(server: IatiServer) -> None:
    client = make_client(server)
    with client.http:
        docs = list(client.select("activity", sort="last_updated_datetime desc"))
    assert docs[0]["iati_identifier"] == "XM-DAC-41114-VN-001"
    assert server.requests[-1].query["sort"] == "last_updated_datetime desc, id asc"


FAULTS = [
    {"kind": "status", "status": 429, "retry_after": "0"},
    {"kind": "status", "status": 500},
    {"kind": "status", "status": 502},
    {"kind": "status", "status": 503, "times": 2},
    {"kind": "delay", "delay": 0.6},
    {"kind": "reset"},
    {"kind": "truncate"},
    {"kind": "invalid_body"},
]


@pytest.mark.parametrize(
    "fault",
    FAULTS,
    ids=["429", "500", "502", "503x2", "timeout", "reset", "truncated", "invalid-json"],
)
def test_faults_recover_to_the_fault_free_table(
    server: IatiServer, tmp_path: Path, fault: dict
) -> None:
    _, clean = pull_table(server, tmp_path / "clean")

    pull, faulty = _pull_with_fault_on_page(server, tmp_path / "faulty", fault, page=2)

    assert server.faults.pending() == 0  # the fault was met
    assert len(pull.landed) == 3
    assert faulty.equals(clean)


def _pull_with_fault_on_page(server: IatiServer, tmp_path: Path, fault: dict, page: int):
    """Inject the fault once `page - 1` pages were served (faults apply to the next requests)."""
    client = make_client(server)
    landing = Landing(tmp_path / "landing")
    original = client.http.get_json_response
    calls = {"n": 0}

    def get(url: str, params: dict | None = None):
        calls["n"] += 1
        if calls["n"] == page:
            server.faults.add("/datastore/activity/select", **fault)
        return original(url, params)

    client.http.get_json_response = get  # type: ignore[method-assign]
    with client.http:
        pull = client.pull("activity", landing, "iati_datastore", q="recipient_country_code:VN")
    return pull, _without_page(datastore_transactions(pull.landed))


def test_docs_repeated_across_pages_count_once(server: IatiServer, tmp_path: Path) -> None:
    _, clean = pull_table(server, tmp_path / "clean")
    server.page_overlap = 1
    client = make_client(server)
    with client.http:
        ids = [d["id"] for d in client.select("activity")]
    assert ids == ["a0000", "a0001", "a0002", "a0003"]

    pull, repeated = pull_table(server, tmp_path / "repeated")
    served = [f.path.read_bytes().count(b'"id": "a') for f in pull.landed]
    assert sum(served) > 4  # the server did repeat docs
    assert pull.doc_count == 4
    assert repeated.equals(clean)


def test_empty_answer_gives_an_empty_table(server: IatiServer, tmp_path: Path) -> None:
    client = make_client(server)
    with client.http:
        pull = client.pull(
            "activity", Landing(tmp_path / "l"), "iati_datastore", q="iati_identifier:none"
        )
    assert len(pull.landed) == 1 and pull.doc_count == 0
    table = datastore_transactions(pull.landed)
    assert table.num_rows == 0 and _without_page(table).schema == TRANSACTION_SCHEMA


@pytest.mark.parametrize("key", [None, "wrong-key-value-xyz"], ids=["missing", "wrong"])
def test_missing_or_wrong_key_names_the_source_never_the_key(
    server: IatiServer, tmp_path: Path, key: str | None
) -> None:
    client = make_client(server, key=key)
    with client.http, pytest.raises(SourceError) as refused:
        client.pull("activity", Landing(tmp_path / "l"), "iati_datastore")
    message = str(refused.value)
    assert "iati_datastore" in message
    assert f"{server.url}/datastore/activity/select" in message
    assert "401" in message
    assert KEY not in message and (key is None or key not in message)
    assert server.hits("/datastore") == 1  # a refused key is not retried


def test_a_source_that_keeps_failing_raises_source_error(
    server: IatiServer, tmp_path: Path
) -> None:
    server.faults.add("/datastore/activity/select", "status", status=503, times=50)
    client = make_client(server)
    with client.http, pytest.raises(SourceError) as failed:
        client.pull("activity", Landing(tmp_path / "l"), "iati_datastore")
    assert "iati_datastore" in str(failed.value) and "/datastore/activity/select" in str(
        failed.value
    )
    assert "503" in str(failed.value)


def test_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, server) -> None:
    monkeypatch.delenv("MTQG_TEST_IATI_KEY", raising=False)
    with pytest.raises(ConfigError, match="MTQG_TEST_IATI_KEY"):
        datastore_http("iati_datastore", api_key_env="MTQG_TEST_IATI_KEY")
    monkeypatch.setenv("MTQG_TEST_IATI_KEY", KEY)
    http = datastore_http("iati_datastore", api_key_env="MTQG_TEST_IATI_KEY")
    with http:
        docs = list(DatastoreClient(f"{server.url}/datastore", http).select("activity"))
    assert len(docs) == 4


def test_parallel_lists_that_do_not_line_up_are_left_null(tmp_path: Path) -> None:
    landing = Landing(tmp_path)
    doc = {
        "id": "x",
        "iati_identifier": "XM-1",
        "default_currency": "USD",
        "transaction_transaction_type_code": ["2", "3"],
        "transaction_value": [100, 50.5],
        # One value date and one currency for two transactions: which one they belong to is
        # unknowable, and the default currency would be a guess.
        "transaction_value_value_date": ["2024-01-01T00:00:00Z"],
        "transaction_value_currency": ["EUR"],
    }
    answer = {"response": {"numFound": 1, "start": 0, "docs": [doc]}}
    page = landing.store_bytes(
        "iati_datastore",
        json.dumps(answer).encode("utf-8"),
        extension="json",
        extra={"collection": "activity"},
    )
    rows = datastore_transactions([page]).to_pylist()
    assert [(r["value"], r["currency"], r["value_date"]) for r in rows] == [
        (Decimal(100), None, None),
        (Decimal("50.5"), None, None),
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1000.0, Decimal("1000")),
        (0.1, Decimal("0.1")),  # the float's shortest text, not 0.1000000000000000055…
        (" 1234567.891 ", Decimal("1234567.891")),
        (-0.0, Decimal("0")),
        (1e20, Decimal("100000000000000000000")),
        ("", None),
    ],
)
def test_exact_decimal_reads_solr_numbers_without_float_noise(raw: object, expected) -> None:
    assert exact_decimal(raw) == expected


@pytest.mark.parametrize("raw", ["1,000", "abc", "NaN", "1e40", "0.00000000001", True])
def test_exact_decimal_refuses_what_it_would_have_to_guess(raw: object) -> None:
    with pytest.raises(ValueError):
        exact_decimal(raw)


def test_transactions_of_one_activity_keep_their_order_past_nine(tmp_path: Path) -> None:
    # Ids like …-T10 sort before …-T2 as text; the transaction collection has no position.
    identifier = "XM-DAC-7-VN-MANY"
    values = [str(100 + n) for n in range(12)]
    activity = {
        "id": "a-many",
        "iati_identifier": identifier,
        "default_currency": "USD",
        "recipient_country_code": ["VN"],
        "transaction_transaction_type_code": ["3"] * 12,
        "transaction_value": [float(v) for v in values],
    }
    transactions = [
        {
            "id": f"{identifier}-T{n + 1}",
            "iati_identifier": identifier,
            "default_currency": "USD",
            "recipient_country_code": ["VN"],
            "transaction_transaction_type_code": ["3"],
            "transaction_value": [float(v)],
        }
        for n, v in enumerate(values)
    ]
    with IatiServer({}, [activity], transactions, api_key=KEY) as server:
        _, from_activities = pull_table(server, tmp_path / "a")
        _, from_transactions = pull_table(server, tmp_path / "t", collection="transaction", rows=5)
    assert from_activities.column("value").to_pylist() == [Decimal(v) for v in values]
    assert from_transactions.equals(from_activities)
