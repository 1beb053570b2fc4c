"""The assignment table (Bảng phân công): who answers for which provinces and projects."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from core.errors import ConfigError
from reporting.alerts.findings import Finding, normalise_project_code, normalise_province_code
from reporting.alerts.settings import EMAIL_PATTERN

COLUMNS = (
    "staff_id",
    "full_name",
    "role",
    "email",
    "webhook_url",
    "provinces_2025",
    "projects",
    "language",
)
LANGUAGES = ("vi", "en")


@dataclass(frozen=True)
class Recipient:
    """One member of staff; `provinces`/`projects` None means `*` (all)."""

    staff_id: str
    full_name: str
    role: str
    email: str
    webhook_url: str | None
    provinces: frozenset[str] | None
    projects: frozenset[str] | None
    language: str = "vi"

    @property
    def is_wildcard(self) -> bool:
        return self.provinces is None and self.projects is None

    def matches(self, finding: Finding) -> bool:
        """Both the province and the project match; a finding without one matches only `*`."""
        return _province_matches(self.provinces, finding.province_code) and _project_matches(
            self.projects, finding.project_code
        )


class AssignmentTable:
    """The routing table of quality alerts; the general desk gets what no one else does."""

    def __init__(self, recipients: Iterable[Recipient], *, source: str = "assignment table"):
        self.recipients = tuple(recipients)
        desks = [r for r in self.recipients if r.is_wildcard]
        if not desks:
            raise ConfigError(
                f"{source}: no general desk; add a row whose provinces_2025 and projects are "
                f"both * (it receives the problems no one else is assigned to)"
            )
        # Further `*`/`*` rows are people who asked for everything (e.g. the director).
        self.general_desk = desks[0]

    @classmethod
    def from_csv(cls, path: Path) -> AssignmentTable:
        """Read and validate the CSV (UTF-8, `,`-separated, header as in COLUMNS)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise ConfigError(f"assignment table {path} does not exist") from None
        except UnicodeDecodeError:
            raise ConfigError(
                f"assignment table {path} is not UTF-8; save it as 'CSV UTF-8' and try again"
            ) from None
        text = unicodedata.normalize("NFC", text)
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in COLUMNS if c not in header]
        if missing:
            raise ConfigError(
                f"assignment table {path}, line 1: missing column(s) {', '.join(missing)}; "
                f"the header must be {','.join(COLUMNS)}"
            )
        rows: list[tuple[int, list[str]]] = [(reader.line_num, row) for row in reader]
        while rows and not any(cell.strip() for cell in rows[-1][1]):
            rows.pop()  # blank lines at the end of the file are harmless
        recipients: list[Recipient] = []
        seen: set[str] = set()
        for line, row in rows:
            where = f"assignment table {path}, line {line}"
            if not any(cell.strip() for cell in row):
                raise ConfigError(f"{where}: the row is empty; delete it or fill it in")
            if len(row) > len(header):
                raise ConfigError(
                    f"{where}: {len(row)} cells for {len(header)} columns; separate several "
                    f"provinces or projects with ';', not ','"
                )
            values = dict(zip(header, (c.strip() for c in row), strict=False))
            recipient = _recipient(values, where)
            if recipient.staff_id in seen:
                raise ConfigError(f"{where}: staff_id {recipient.staff_id} appears twice")
            seen.add(recipient.staff_id)
            recipients.append(recipient)
        return cls(recipients, source=f"assignment table {path}")

    def by_staff_id(self, staff_id: str) -> Recipient | None:
        return next((r for r in self.recipients if r.staff_id == staff_id), None)

    def recipients_of(self, finding: Finding) -> list[Recipient]:
        """Everyone assigned to this finding, or the general desk alone when no one is."""
        assigned = [r for r in self.recipients if r is not self.general_desk and r.matches(finding)]
        return assigned or [self.general_desk]

    def route(self, findings: Iterable[Finding]) -> dict[Recipient, list[Finding]]:
        """Findings per recipient, in table order; each recipient's findings in input order."""
        routed: dict[Recipient, list[Finding]] = {}
        for finding in findings:
            for recipient in self.recipients_of(finding):
                routed.setdefault(recipient, []).append(finding)
        order = {r.staff_id: i for i, r in enumerate(self.recipients)}
        return dict(sorted(routed.items(), key=lambda item: order[item[0].staff_id]))


def _recipient(values: dict[str, str], where: str) -> Recipient:
    staff_id = values.get("staff_id", "")
    if not staff_id:
        raise ConfigError(f"{where}: staff_id is empty; give each member of staff an id")
    email = values.get("email", "")
    if not EMAIL_PATTERN.match(email):
        raise ConfigError(
            f"{where}: e-mail {email!r} of {staff_id} is not an address like name@vpdp.gov.vn"
        )
    webhook = values.get("webhook_url") or None
    if webhook and not webhook.lower().startswith(("https://", "http://")):
        # Do not echo the URL: chat webhooks carry their token in the path.
        raise ConfigError(f"{where}: webhook_url of {staff_id} must start with https://")
    language = (values.get("language") or "vi").lower()
    if language not in LANGUAGES:
        raise ConfigError(
            f"{where}: language {language!r} of {staff_id} is unknown; write vi or en"
        )
    return Recipient(
        staff_id=staff_id,
        full_name=values.get("full_name", ""),
        role=values.get("role", ""),
        email=email,
        webhook_url=webhook,
        provinces=_codes(values.get("provinces_2025", ""), "provinces_2025", staff_id, where),
        projects=_codes(values.get("projects", ""), "projects", staff_id, where),
        language=language,
    )


def _codes(cell: str, column: str, staff_id: str, where: str) -> frozenset[str] | None:
    parts = [p.strip() for p in cell.split(";") if p.strip()]
    if not parts:
        raise ConfigError(f"{where}: {column} of {staff_id} is empty; write codes or *")
    if "*" in parts:
        return None
    if column == "provinces_2025":
        bad = [p for p in parts if not p.isdigit() or len(p) > 2]
        if bad:
            raise ConfigError(
                f"{where}: {column} of {staff_id} has {bad[0]!r}, not a 2025 province code "
                f"(two digits, e.g. 15 for Lào Cai)"
            )
        return frozenset(normalise_province_code(p) or p for p in parts)
    return frozenset(normalise_project_code(p) or p for p in parts)


def _province_matches(assigned: frozenset[str] | None, code: str | None) -> bool:
    if assigned is None:
        return True
    return code is not None and code in assigned


def _project_matches(assigned: frozenset[str] | None, code: str | None) -> bool:
    if assigned is None:
        return True
    # A sub-project (DA3.1) belongs to whoever follows its project (DA3).
    return code is not None and any(code == a or code.startswith(a + ".") for a in assigned)
