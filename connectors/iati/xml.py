"""Read IATI v2 activity files (streamed, safely) into the raw IATI tables."""

from __future__ import annotations

import copy
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
from lxml import etree

from connectors.iati.tables import (
    TABLE_SCHEMAS,
    IatiProblem,
    IatiTables,
    exact_decimal,
    nfc,
    parse_date,
    parse_datetime,
)
from connectors.safe_xml import iter_elements, local_name
from core.errors import ConfigError, InputRejected

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Narratives are chosen in this order of language, then the first one written.
PREFERRED_LANGS = ("vi", "en")


def load_schema(xsd_path: Path) -> etree.XMLSchema:
    """The IATI activity schema; `xsd_path` must have iati-common.xsd and xml.xsd beside it."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.XMLSchema(etree.parse(str(xsd_path), parser))
    except (OSError, etree.XMLSyntaxError, etree.XMLSchemaParseError) as exc:
        raise ConfigError(
            f"IATI schema {xsd_path} cannot be loaded ({exc}); check the schema path of the "
            "IATI source (iati-common.xsd and xml.xsd must sit beside it) or turn validation off"
        ) from exc


def parse_activities(
    path: Path,
    *,
    name: str | None = None,
    schema: etree.XMLSchema | Path | None = None,
) -> IatiTables:
    """Every <iati-activity> of an activity file, as tables; the file is streamed, not loaded.

    `name` is how messages call the file (its URL or original name; default: the file name).
    With `schema` (an XMLSchema or the path of iati-activities-schema.xsd) each activity is also
    validated; schema errors are collected with their line numbers, not raised.
    Raises InputRejected (naming the file and line) when the XML is unsafe or not well-formed.

    An activity without <iati-identifier>, or repeating the identifier of an earlier activity
    of the file, gives no rows (they could not be joined to their activity) and is a problem
    located at its line: every problem of a file is blocking, so the file is quarantined.
    """
    shown = name or Path(path).name
    if isinstance(schema, Path | str):
        schema = load_schema(Path(schema))
    rows: dict[str, list[dict[str, Any]]] = {table: [] for table in TABLE_SCHEMAS}
    problems: list[IatiProblem] = []
    schema_errors: list[IatiProblem] = []
    first_lines: dict[str, int | None] = {}  # identifier -> line of its first activity
    seen_root = schema_checked_root = False
    for activity in iter_elements(Path(path), "iati-activity", name=shown):
        root = activity.getparent()
        if not seen_root:
            if root is None or local_name(root.tag) != "iati-activities":
                raise InputRejected(
                    "is not an IATI activity file: <iati-activity> must sit in <iati-activities>",
                    file=shown,
                    row=activity.sourceline,
                )
            seen_root = True
        reader = _ActivityReader(activity, root, shown, problems)
        if reader.is_joinable(first_lines):
            reader.read_into(rows)
        if schema is not None:
            if not schema_checked_root:
                schema_errors.extend(_validate_root(schema, activity, root, shown))
                schema_checked_root = True
            schema_errors.extend(_validate(schema, activity, shown, reader.identifier))
    if not seen_root:
        problems.append(IatiProblem("holds no <iati-activity>", file=shown))
    tables = {
        table: pa.Table.from_pylist(rows[table], schema=TABLE_SCHEMAS[table])
        for table in TABLE_SCHEMAS
    }
    return IatiTables(**tables, problems=problems, schema_errors=schema_errors)


def validate_activity_file(path: Path, schema: etree.XMLSchema | Path) -> list[IatiProblem]:
    """Schema errors of an activity file (streamed one activity at a time), with line numbers."""
    return parse_activities(path, schema=schema).schema_errors


def _validate(
    schema: etree.XMLSchema, activity: etree._Element, shown: str, identifier: str | None
) -> list[IatiProblem]:
    """The schema errors of one activity, each with the line of the donor's file it is on.

    The activity is validated where it stands (lxml roots a temporary document at it that
    shares its children), so memory stays flat and lines are the parser's own: a copy would
    lose every line past 65,535, which libxml2 keeps beside the tree, and large donor files
    have hundreds of thousands.
    """
    if schema.validate(activity):
        return []
    return [_schema_problem(error, shown, identifier, activity) for error in schema.error_log]


def _validate_root(
    schema: etree.XMLSchema, activity: etree._Element, root: etree._Element, shown: str
) -> list[IatiProblem]:
    """The schema errors of <iati-activities> itself (its attributes, e.g. a missing
    `version`), checked once per file on a small copy: the root with its first activity."""
    wrapper = etree.Element(root.tag, dict(root.attrib), nsmap=root.nsmap)
    wrapper.append(copy.deepcopy(activity))
    if schema.validate(wrapper):
        return []
    root_path = wrapper.getroottree().getpath(wrapper)
    return [
        IatiProblem(error.message, file=shown, line=root.sourceline)
        for error in schema.error_log
        if error.path == root_path
    ]


def _schema_problem(
    error: etree._LogEntry, shown: str, identifier: str | None, activity: etree._Element
) -> IatiProblem:
    # libxml2 says line 0 when it cannot tell; the activity's own line still finds the place.
    line = error.line or activity.sourceline or None
    return IatiProblem(error.message, file=shown, line=line, iati_identifier=identifier)


class _ActivityReader:
    """Copies what the tables need out of one <iati-activity> element."""

    def __init__(
        self,
        activity: etree._Element,
        root: etree._Element | None,
        shown: str,
        problems: list[IatiProblem],
    ) -> None:
        self.activity = activity
        root_lang = root.get(XML_LANG) if root is not None else None
        self.lang = (activity.get(XML_LANG) or root_lang or "").lower() or None
        self.shown = shown
        self.problems = problems
        self.identifier = nfc(_text(activity.find("iati-identifier")))

    def is_joinable(self, first_lines: dict[str, int | None]) -> bool:
        """Whether the activity's rows can be told apart from every other activity's: it has
        an identifier no earlier activity of the file had. If not, a located problem says so."""
        line = self.activity.sourceline
        if self.identifier is None:
            self._problem(
                f"activity at line {line} has no <iati-identifier>; the file is quarantined",
                self.activity,
            )
            return False
        if self.identifier in first_lines:
            self._problem(
                f"activity at line {line} repeats the <iati-identifier> of the activity at line "
                f"{first_lines[self.identifier]}; the file is quarantined",
                self.activity,
            )
            return False
        first_lines[self.identifier] = line
        return True

    def read_into(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        activity, identifier = self.activity, self.identifier
        reporting_org = activity.find("reporting-org")
        default_currency = nfc(activity.get("default-currency"))
        updated = self._datetime(activity.get("last-updated-datetime"), activity)
        rows["activities"].append(
            {
                "iati_identifier": identifier,
                "reporting_org_ref": _attr(reporting_org, "ref"),
                "reporting_org_name": self._narrative(reporting_org),
                "default_currency": default_currency,
                "title": self._narrative(activity.find("title")),
                "activity_status": _attr(activity.find("activity-status"), "code"),
                "recipient_countries": [
                    code
                    for code in (_attr(c, "code") for c in activity.findall("recipient-country"))
                    if code
                ],
                "last_updated_datetime": updated,
                "source_line": activity.sourceline,
            }
        )
        for index, transaction in enumerate(activity.findall("transaction")):
            rows["transactions"].append(
                self._transaction(index, transaction, default_currency, updated)
            )
        for sector in activity.findall("sector"):
            rows["sectors"].append(
                {
                    "iati_identifier": identifier,
                    "vocabulary": _attr(sector, "vocabulary"),
                    "code": _attr(sector, "code"),
                    "percentage": self._decimal(sector.get("percentage"), sector, "percentage"),
                    "narrative": self._narrative(sector),
                }
            )
        for index, location in enumerate(activity.findall("location")):
            rows["locations"].append(self._location(index, location))
        for org in activity.findall("participating-org"):
            rows["participating_orgs"].append(
                {
                    "iati_identifier": identifier,
                    "role": _attr(org, "role"),
                    "ref": _attr(org, "ref"),
                    "type": _attr(org, "type"),
                    "name": self._narrative(org),
                    "activity_id": _attr(org, "activity-id"),
                }
            )
        for tag in activity.findall("tag"):
            rows["tags"].append(
                {
                    "iati_identifier": identifier,
                    "vocabulary": _attr(tag, "vocabulary"),
                    "vocabulary_uri": _attr(tag, "vocabulary-uri"),
                    "code": _attr(tag, "code"),
                    "narrative": self._narrative(tag),
                }
            )
        for other in activity.findall("other-identifier"):
            owner = other.find("owner-org")
            rows["other_identifiers"].append(
                {
                    "iati_identifier": identifier,
                    "ref": _attr(other, "ref"),
                    "type": _attr(other, "type"),
                    "owner_org_ref": _attr(owner, "ref"),
                    "owner_org_name": self._narrative(owner),
                }
            )

    def _transaction(
        self, index: int, transaction: etree._Element, default_currency: str | None, updated: Any
    ) -> dict[str, Any]:
        value = transaction.find("value")
        provider = transaction.find("provider-org")
        receiver = transaction.find("receiver-org")
        return {
            "iati_identifier": self.identifier,
            "transaction_index": index,
            "transaction_ref": _attr(transaction, "ref"),
            "transaction_type_code": _attr(transaction.find("transaction-type"), "code"),
            "transaction_date": self._date(
                _attr(transaction.find("transaction-date"), "iso-date"), transaction
            ),
            "value": self._decimal(_text(value), value, "transaction value"),
            "currency": _attr(value, "currency") or default_currency,
            "value_date": self._date(_attr(value, "value-date"), value),
            "provider_org_ref": _attr(provider, "ref"),
            "provider_org_name": self._narrative(provider),
            "provider_activity_id": _attr(provider, "provider-activity-id"),
            "receiver_org_ref": _attr(receiver, "ref"),
            "receiver_org_name": self._narrative(receiver),
            "receiver_activity_id": _attr(receiver, "receiver-activity-id"),
            "description": self._narrative(transaction.find("description")),
            "last_updated_datetime": updated,
        }

    def _location(self, index: int, location: etree._Element) -> dict[str, Any]:
        pos = nfc(_text(location.find("point/pos")))
        latitude = longitude = None
        if pos:
            parts = pos.split()
            try:
                latitude, longitude = float(parts[0]), float(parts[1])
            except (IndexError, ValueError):
                self._problem(f"location point {pos!r} is not 'latitude longitude'", location)
        return {
            "iati_identifier": self.identifier,
            "location_index": index,
            "ref": _attr(location, "ref"),
            "name": self._narrative(location.find("name")),
            "description": self._narrative(location.find("description")),
            "administrative": [
                {
                    "vocabulary": _attr(admin, "vocabulary"),
                    "level": _attr(admin, "level"),
                    "code": _attr(admin, "code"),
                }
                for admin in location.findall("administrative")
            ],
            "point_pos": pos,
            "latitude": latitude,
            "longitude": longitude,
        }

    def _narrative(self, element: etree._Element | None) -> str | None:
        """The narrative in Vietnamese, else English, else the first one written."""
        if element is None:
            return None
        narratives = [
            (((n.get(XML_LANG) or self.lang or "").lower()), nfc(_text(n)))
            for n in element.findall("narrative")
        ]
        narratives = [(lang, text) for lang, text in narratives if text]
        if not narratives:
            # IATI 1.x put the text straight in the element; some publishers still do.
            return nfc(_text(element))
        for wanted in PREFERRED_LANGS:
            for lang, text in narratives:
                if lang == wanted or lang.startswith(f"{wanted}-"):
                    return text
        return narratives[0][1]

    def _decimal(
        self, raw: str | None, element: etree._Element | None, what: str
    ) -> Decimal | None:
        try:
            return exact_decimal(nfc(raw))
        except ValueError as exc:
            self._problem(f"{what}: {exc}; kept as null", element)
            return None

    def _date(self, raw: str | None, element: etree._Element | None) -> Any:
        if not raw:
            return None
        try:
            return parse_date(raw)
        except ValueError:
            self._problem(f"date {raw!r} is not an ISO date (YYYY-MM-DD); kept as null", element)
            return None

    def _datetime(self, raw: str | None, element: etree._Element) -> Any:
        if not raw:
            return None
        try:
            return parse_datetime(raw)
        except ValueError:
            self._problem(f"last-updated-datetime {raw!r} is not an ISO datetime", element)
            return None

    def _problem(self, reason: str, element: etree._Element | None) -> None:
        line = element.sourceline if element is not None else self.activity.sourceline
        self.problems.append(
            IatiProblem(reason, file=self.shown, line=line, iati_identifier=self.identifier)
        )


def _text(element: etree._Element | None) -> str | None:
    return element.text if element is not None else None


def _attr(element: etree._Element | None, name: str) -> str | None:
    return nfc(element.get(name)) if element is not None else None
