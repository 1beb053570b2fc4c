"""Vietnamese personal identifiers found in free text, and text with them taken out.

Officers type citizen IDs and phone numbers wherever there is room: in the support content, the
village column, a contact line above the table, a file name. Every text that leaves a reader for
the warehouse, a reason, a log or an alert can pass through `redact`, which replaces each
identifier by a marker (`[CCCD đã ẩn]`, `[CMND đã ẩn]`, `[SĐT đã ẩn]`, `[email đã ẩn]`) and keeps
the rest of the text, so "Hỗ trợ nhà ở, ĐT 0912 345 678" becomes "Hỗ trợ nhà ở, ĐT [SĐT đã ẩn]".

What counts as an identifier (Decree 13/2023/NĐ-CP personal data; the shapes people type):

* a **digit run** is digits not touching other digits; letters may touch it ("CCCD001234567890",
  "bao_cao_001234567890.xlsx" are found). A run of
  - 12 digits → CCCD (chip-based citizen ID: province code 001–096, century/sex, year, serial);
  - 11 digits → a phone (landline `02x xxxx xxxx`) when it starts with 0, otherwise a CCCD
    that lost its leading 0 in a number cell;
  - 10 digits starting with 0 → a phone (mobile `03x/05x/07x/08x/09x` + 7 digits);
  - 9 digits → CMND (the old 9-digit ID; also a mobile number that lost its 0);
  - 10 digits not starting with 0, 8 digits or fewer, 13 or more → not an identifier (amounts
    typed without separators, dates such as 20240115, codes).
* a **grouped number** is digit runs joined by one space, dot or dash ("001 234 567 890",
  "0912.345.678", "0912-345-678"). Consecutive groups that *start with 0* and add up to 12
  (CCCD, whose first three digits are a province code 001–096), 10–11 (phone) or 9 (CMND)
  digits are an identifier; only a CCCD starts with "00". A grouped number that does not start
  with 0 is read as an amount with thousands separators ("1.234.567.890", "22 500 000") and
  left alone: amounts never start with 0, and the "050.000.000" of "1.050.000.000" (groups of
  three after a dot) starts nothing. Commas never join groups (they separate list items and
  decimals: "22,5", and "CCCD 001234567890, ĐT 0912 345 678" with made-up numbers); dates
  (15.01.2024, 2024-01-15) are taken out before grouping, so a date beside an ID never joins it.
* a phone written with the country code: `+84`, `(+84)` or `0084`, then 9 digits however grouped.
* an e-mail address.

Never taken for identifiers: amounts with separators ("22.500.000", "1.234,5"), codes such as
DA3.1 or TDA 1.2, dates (15/01/2024, 15.01.2024, 2024-01-15), two- or three-digit province codes,
years, decimal numbers. A few false positives are accepted on purpose (a 9-digit count typed
without separators is taken for a CMND, and so is the "050 000 000" of an amount grouped with
spaces, "1 050 000 000"): hiding a number by mistake is cheaper than leaking one.

Not found: names. A person's name in a free-text column cannot be told from a village's; the
readers keep name columns out of the warehouse and callers quote at most short texts
(`quote`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CCCD = "[CCCD đã ẩn]"
CMND = "[CMND đã ẩn]"
PHONE = "[SĐT đã ẩn]"
EMAIL = "[email đã ẩn]"
NUMBER = "[số định danh đã ẩn]"

_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
# +84 912 345 678, (+84) 912.345.678, 0084912345678: the country code, then 9 digits.
_INTERNATIONAL = re.compile(
    r"(?:\(\s*\+\s*84\s*\)|\+\s*84|(?<!\d)0084)[ .\-]?(?:\d[ .\-]?){8}\d(?!\d)"
)
# Digit groups joined by one separator; commas, slashes and colons end a cluster.
_SEPARATOR = r" .\-" + "\u2010\u2011\u2013\u00a0"
_CLUSTER = re.compile(rf"(?<!\d)\d+(?:[{_SEPARATOR}]\d+)*(?!\d)")
_GROUP = re.compile(r"\d+")
_DATE = re.compile(
    r"(?<!\d)(?:(?:0?[1-9]|[12]\d|3[01])([./\-])(?:0?[1-9]|1[0-2])\1(?:19|20)\d\d"
    r"|(?:19|20)\d\d([./\-])(?:0?[1-9]|1[0-2])\2(?:0?[1-9]|[12]\d|3[01]))(?!\d)"
)


@dataclass(frozen=True)
class Finding:
    """One identifier in a text: what it looks like and where it is (never its value)."""

    kind: str  # cccd | cmnd | phone | email
    start: int
    end: int

    @property
    def marker(self) -> str:
        return {"cccd": CCCD, "cmnd": CMND, "phone": PHONE, "email": EMAIL}[self.kind]


def find_personal_data(text: str) -> list[Finding]:
    """Every identifier in `text`, in order, not overlapping."""
    if not text:
        return []
    found: list[Finding] = [Finding("email", m.start(), m.end()) for m in _EMAIL.finditer(text)]
    found += [
        Finding("phone", m.start(), m.end())
        for m in _INTERNATIONAL.finditer(text)
        if not _overlaps(found, m.start(), m.end())
    ]
    # Dates are no digits to the clusters: "15.01.2024 2024-01-15" must not join into an ID.
    undated = _DATE.sub(lambda m: "#" * len(m.group()), text)
    for cluster in _CLUSTER.finditer(undated):
        if _overlaps(found, cluster.start(), cluster.end()):
            continue
        found += _identifiers_in(cluster.group(), cluster.start())
    return sorted(found, key=lambda f: f.start)


def contains_personal_data(text: str | None) -> bool:
    """Whether `text` holds a citizen ID, a phone number or an e-mail address."""
    return bool(text) and bool(find_personal_data(str(text)))


def redact(text: str | None) -> str | None:
    """`text` with each identifier replaced by its marker; None stays None."""
    if text is None:
        return None
    text = str(text)
    findings = find_personal_data(text)
    if not findings:
        return text
    parts, last = [], 0
    for finding in findings:
        parts.append(text[last : finding.start])
        parts.append(finding.marker)
        last = finding.end
    parts.append(text[last:])
    return "".join(parts)


def redact_cell(value: object) -> str | None:
    """A spreadsheet cell meant to hold text, as redacted text (None when empty).

    A number cell with 8 to 12 integer digits in a text column is an ID typed as a number (its
    leading zeros lost, so its length no longer tells CCCD from CMND): it is hidden whole.
    """
    if value is None or value == "" or isinstance(value, bool):
        return None if value in (None, "") else str(value)
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        if 10**7 <= abs(value) < 10**12:
            return NUMBER
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return redact(text)
    return redact(str(value).strip()) or None


def quote(text: str | None, limit: int = 40) -> str:
    """A short, redacted excerpt of `text` for a reason: at most `limit` characters."""
    shown = redact(text or "") or ""
    shown = " ".join(shown.split())
    return shown if len(shown) <= limit else shown[: limit - 1].rstrip() + "…"


def digits_only(text: str) -> str:
    """The digits of `text` (for scanning: "0912 345 678" → "0912345678")."""
    return re.sub(r"\D", "", text)


def _overlaps(found: list[Finding], start: int, end: int) -> bool:
    return any(f.start < end and start < f.end for f in found)


def _kind_of_run(digits: str) -> str | None:
    """What one run of digits without separators is, by its length and first digit."""
    n, zero = len(digits), digits.startswith("0")
    if n == 12:
        return "cccd"
    if n == 11:
        return "phone" if zero else "cccd"
    if n == 10:
        return "phone" if zero else None
    if n == 9:
        return "cmnd"
    return None


def _kind_of_grouped(digits: str) -> str | None:
    """What consecutive separated groups are: only numbers starting with 0 (amounts never do)."""
    if not digits.startswith("0") or (digits.startswith("00") and len(digits) != 12):
        return None
    n = len(digits)
    if n == 12:
        # a CCCD starts with its province code, 001–096 ("000 000 000 000" is an amount's tail)
        return "cccd" if 1 <= int(digits[:3]) <= 96 else None
    return {11: "phone", 10: "phone", 9: "cmnd"}.get(n)


def _identifiers_in(cluster: str, offset: int) -> list[Finding]:
    """Identifiers inside one cluster of digit groups: at each group, the longest run of
    consecutive groups that makes an identifier, taken from the left."""
    groups = [(m.start(), m.end(), m.group()) for m in _GROUP.finditer(cluster)]
    continues = _thousands_continuations(cluster, groups)
    found: list[Finding] = []
    i = 0
    while i < len(groups):
        if i in continues:  # "000" of "1.000.000.000" starts no identifier
            i += 1
            continue
        best: tuple[int, str] | None = None
        digits = ""
        for j in range(i, len(groups)):
            digits += groups[j][2]
            if len(digits) > 12:
                break
            kind = _kind_of_run(digits) if j == i else _kind_of_grouped(digits)
            if kind is not None:
                best = (j, kind)
        if best is None:
            i += 1
            continue
        j, kind = best
        found.append(Finding(kind, offset + groups[i][0], offset + groups[j][1]))
        i = j + 1
    return found


def _thousands_continuations(cluster: str, groups: list[tuple[int, int, str]]) -> set[int]:
    """Groups that continue an amount written with dots: after a group of 1–3 digits not
    starting with 0, each following group of exactly 3 digits joined by a dot."""
    continues: set[int] = set()
    in_amount = False
    for k, (start, _, digits) in enumerate(groups):
        joined_by_dot = k > 0 and cluster[start - 1] == "."
        if in_amount and joined_by_dot and len(digits) == 3:
            continues.add(k)
            continue
        in_amount = len(digits) <= 3 and not digits.startswith("0")
    return continues
