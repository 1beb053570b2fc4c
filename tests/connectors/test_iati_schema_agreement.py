"""The gate's schema verdict (activity by activity, streamed) agrees with the IATI 2.03 schema's
own verdict on the whole file, over the standard's example and variants of it that break one
rule each (written here, in the spirit of the schema's should-fail tests)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from connectors.batches import LandedUnit
from connectors.kinds.iati_files import IatiFilesSource, read
from connectors.landing import Landing

NS_XML = "{http://www.w3.org/XML/1998/namespace}"


def _first(root: etree._Element, tag: str) -> etree._Element:
    return root.find(f".//{tag}")


def _remove(tag: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        found = _first(root, tag)
        found.getparent().remove(found)

    return change


def _twice(tag: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        found = _first(root, tag)
        found.addnext(copy.deepcopy(found))

    return change


def _attribute(tag: str, name: str, value: str | None) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        found = root if tag == "iati-activities" else _first(root, tag)
        if value is None:
            del found.attrib[name]
        else:
            found.set(name, value)

    return change


def _append(tag: str, xml: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        _first(root, tag).append(etree.fromstring(xml))

    return change


def _empty_activity(root: etree._Element) -> None:
    activity = _first(root, "iati-activity")
    for child in list(activity):
        activity.remove(child)


def _nothing(root: etree._Element) -> None:
    return None


VARIANTS: dict[str, Callable[[etree._Element], None]] = {
    "the example as published": _nothing,
    "an extension element in its own namespace": _append(
        "iati-activity", '<x:note xmlns:x="http://example.org/ext">a donor note</x:note>'
    ),
    "an empty activity": _empty_activity,
    "no version on iati-activities": _attribute("iati-activities", "version", None),
    "a second reporting-org": _twice("reporting-org"),
    "a second title": _twice("title"),
    "an element the schema does not know": _append("iati-activity", "<bogus/>"),
    "hierarchy that is not a number": _attribute("iati-activity", "hierarchy", "top"),
    "a transaction value that is not a decimal": lambda root: setattr(
        _first(root, "transaction").find("value"), "text", "one thousand"
    ),
    "a budget without its period-end": _remove("period-end"),
    "a transaction date that is not a date": _attribute(
        "transaction-date", "iso-date", "2014-13-45"
    ),
    "a last-updated-datetime that is not a time": _attribute(
        "iati-activity", "last-updated-datetime", "yesterday"
    ),
}


VALID = {"the example as published", "an extension element in its own namespace"}


@pytest.fixture(scope="module")
def iati(shared) -> Path:
    return shared / "reference" / "iati"


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_gate_and_the_schema_agree(variant, iati, tmp_path):
    tree = etree.parse(str(iati / "activity-standard-example-annotated.xml"))
    VARIANTS[variant](tree.getroot())
    path = tmp_path / "donor.xml"
    tree.write(str(path), xml_declaration=True, encoding="utf-8")
    schema = etree.XMLSchema(etree.parse(str(iati / "iati-activities-schema.xsd")))
    schema_says_valid = schema.validate(etree.parse(str(path)))

    landed = Landing(tmp_path / "landing").store_file("donor", path, original_name="donor.xml")
    source = IatiFilesSource(
        kind="iati_files",
        name="donor",
        urls=["https://donor.example.org/donor.xml"],
        schema_path=str(iati / "iati-activities-schema.xsd"),
    )
    batch = read(source, LandedUnit(batch_id=landed.sha256, landed=landed))
    schema_problems = [p for p in batch.problems if p.check == "schema"]

    assert (not schema_problems) == schema_says_valid, [p.reason for p in schema_problems]
    assert all(p.blocking for p in schema_problems)
    assert schema_says_valid == (variant in VALID)  # each variant breaks what it says it does
