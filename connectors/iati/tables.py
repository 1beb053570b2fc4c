"""The raw IATI tables both ways in (activity files and the Datastore) produce, and their cells.

Amounts stay in the donor's currency as exact decimals (DECIMAL(38, 10), never floats): the raw
zone keeps them lossless, conversion to VND happens in the warehouse at the value date's rate.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation, localcontext

import pyarrow as pa

# Exact decimals: 28 digits before the point, 10 after (IATI values are xsd:decimal).
DECIMAL = pa.decimal128(38, 10)
_SCALE = Decimal(1).scaleb(-10)
_LIMIT = Decimal(10) ** 28

ACTIVITY_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("reporting_org_ref", pa.string()),
        ("reporting_org_name", pa.string()),
        ("default_currency", pa.string()),
        ("title", pa.string()),
        ("activity_status", pa.string()),
        ("recipient_countries", pa.list_(pa.string())),
        ("last_updated_datetime", pa.timestamp("s", tz="UTC")),
        ("source_line", pa.int32()),  # line of <iati-activity> in the file, for messages
    ]
)

# One row per <transaction>; `transaction_index` is its 0-based position within the activity.
TRANSACTION_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("transaction_index", pa.int32()),
        ("transaction_ref", pa.string()),
        ("transaction_type_code", pa.string()),  # 2 commitment, 3 disbursement, 4 expenditure
        ("transaction_date", pa.date32()),
        ("value", DECIMAL),  # in `currency`
        ("currency", pa.string()),  # value/@currency, else the activity's @default-currency
        ("value_date", pa.date32()),
        ("provider_org_ref", pa.string()),
        ("provider_org_name", pa.string()),
        ("provider_activity_id", pa.string()),
        ("receiver_org_ref", pa.string()),
        ("receiver_org_name", pa.string()),
        ("receiver_activity_id", pa.string()),
        ("description", pa.string()),
        ("last_updated_datetime", pa.timestamp("s", tz="UTC")),
    ]
)

SECTOR_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("vocabulary", pa.string()),
        ("code", pa.string()),
        ("percentage", DECIMAL),
        ("narrative", pa.string()),
    ]
)

ADMINISTRATIVE = pa.struct(
    [("vocabulary", pa.string()), ("level", pa.string()), ("code", pa.string())]
)

LOCATION_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("location_index", pa.int32()),
        ("ref", pa.string()),
        ("name", pa.string()),  # NFC; often a province name without diacritics
        ("description", pa.string()),
        ("administrative", pa.list_(ADMINISTRATIVE)),
        ("point_pos", pa.string()),  # "lat lon" as written
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
    ]
)

PARTICIPATING_ORG_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("role", pa.string()),
        ("ref", pa.string()),
        ("type", pa.string()),
        ("name", pa.string()),
        ("activity_id", pa.string()),
    ]
)

TAG_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("vocabulary", pa.string()),
        ("vocabulary_uri", pa.string()),
        ("code", pa.string()),
        ("narrative", pa.string()),
    ]
)

OTHER_IDENTIFIER_SCHEMA = pa.schema(
    [
        ("iati_identifier", pa.string()),
        ("ref", pa.string()),
        ("type", pa.string()),
        ("owner_org_ref", pa.string()),
        ("owner_org_name", pa.string()),
    ]
)


@dataclass(frozen=True)
class IatiProblem:
    """Something in a donor's data that could not be read as it is, located by file and line.

    The rest of the file is still read, but the kind makes each problem a blocking one of the
    file's batch: the file is quarantined until the donor corrects it."""

    reason: str
    file: str | None = None
    line: int | None = None
    iati_identifier: str | None = None

    def describe(self) -> str:
        where = ", ".join(
            p
            for p in (
                self.file and f"file {self.file}",
                self.line and f"line {self.line}",
                self.iati_identifier and f"activity {self.iati_identifier}",
            )
            if p
        )
        return f"{where}: {self.reason}" if where else self.reason


@dataclass
class IatiTables:
    """What one activity file held, as pyarrow tables, plus what could not be read."""

    activities: pa.Table
    transactions: pa.Table
    sectors: pa.Table
    locations: pa.Table
    participating_orgs: pa.Table
    tags: pa.Table
    other_identifiers: pa.Table
    problems: list[IatiProblem] = field(default_factory=list)
    schema_errors: list[IatiProblem] = field(default_factory=list)


def nfc(text: str | None) -> str | None:
    """Trimmed NFC text, None when empty (donors send NFD and stray whitespace)."""
    if text is None:
        return None
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    return text or None


def exact_decimal(raw: object) -> Decimal | None:
    """Exact decimal: " 1000.50 " → 1000.50, Solr's 1000.0 → 1000; ValueError if not a
    number or not representable in DECIMAL(38, 10) without loss.

    Commas are refused, not guessed: "1,000" could be a thousand or one (xsd:decimal has none).
    """
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValueError(f"{raw!r} is not a number")
    # repr of a float is its shortest round-trip text: 0.1 stays "0.1", not 0.1000000000000000055
    text = repr(raw) if isinstance(raw, float) else str(raw).strip()
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"{raw!r} is not a number") from exc
    if not number.is_finite() or abs(number) >= _LIMIT:
        raise ValueError(f"{raw!r} is not a number of at most 28 digits")
    # 38 significant digits fit DECIMAL(38, 10); the default context would stop at 28.
    with localcontext(prec=40):
        if number.quantize(_SCALE) != number:
            raise ValueError(f"{raw!r} has more than 10 decimal places")
        return number + 0  # drops a negative zero


def parse_date(raw: str | None) -> date:
    """An IATI iso-date ("2012-01-01", Solr's "2012-01-01T00:00:00Z"); raises ValueError."""
    if raw is None:
        raise ValueError("no date")
    return date.fromisoformat(raw.strip()[:10])


def parse_datetime(raw: str | None) -> datetime:
    """An IATI datetime in UTC (no zone given means UTC, per the standard); ValueError if bad."""
    if raw is None:
        raise ValueError("no datetime")
    value = datetime.fromisoformat(raw.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def empty_tables() -> dict[str, pa.Table]:
    return {name: schema.empty_table() for name, schema in TABLE_SCHEMAS.items()}


TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "activities": ACTIVITY_SCHEMA,
    "transactions": TRANSACTION_SCHEMA,
    "sectors": SECTOR_SCHEMA,
    "locations": LOCATION_SCHEMA,
    "participating_orgs": PARTICIPATING_ORG_SCHEMA,
    "tags": TAG_SCHEMA,
    "other_identifiers": OTHER_IDENTIFIER_SCHEMA,
}
