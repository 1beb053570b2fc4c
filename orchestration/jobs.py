"""Jobs: one per source (its landing and what follows), one per group of senders, the monthly."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from connectors.warehouse import connect, ensure_tables
from expectations import gate
from orchestration.resources import WAREHOUSE_WRITER_POOL, MtqgHome

# Which source kinds each scheduled sync fetches.
GROUP_JOB_KINDS = {
    "ministry_sync": ("ministry_api",),
    "donor_sync": ("iati_files", "iati_datastore"),
    "province_sync": ("ckan", "inbox"),
}
MONTHLY_JOB = "monthly_completeness_report"
# Everything the monthly check re-derives: the gate, the marts, the quality models and the report.
MONTHLY_PREFIXES = ("quality", "marts", "reports")
REPROCESS_JOB = "reprocess_province_period"


def safe_name(name: str) -> str:
    """A source name as Dagster accepts it in job and sensor names (letters, digits, _)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def landing_key(source: Any) -> dg.AssetKey:
    return dg.AssetKey(["landing", source.name])


def after_landing(keys: Iterable[dg.AssetKey]) -> dg.AssetSelection:
    """These landing assets, what follows them, and what that needs besides other sources.

    Seeds and dimensions are not downstream of a source but the models need them; they are
    cheap to rebuild, so a fresh home gets them in its first run.
    """
    chosen = dg.AssetSelection.assets(*keys).downstream()
    return chosen | (chosen.upstream() - dg.AssetSelection.key_prefixes("landing"))


@dataclass
class MtqgJobs:
    """The jobs built for the configured sources, by name."""

    by_source: dict[str, Any] = field(default_factory=dict)
    by_group: dict[str, Any] = field(default_factory=dict)
    monthly: Any = None

    @property
    def all(self) -> list[Any]:
        monthly = [self.monthly] if self.monthly is not None else []
        return [*self.by_source.values(), *self.by_group.values(), *monthly]


def source_job_name(source: Any) -> str:
    return f"sync_{safe_name(source.name)}"


def build_jobs(sources: list[Any]) -> MtqgJobs:
    """A job per fetched source and per group that has sources, and the monthly report job."""
    fetched = [s for s in sources if s.kind != "reference"]
    jobs = MtqgJobs()
    for source in fetched:
        jobs.by_source[source.name] = dg.define_asset_job(
            source_job_name(source),
            selection=after_landing([landing_key(source)]),
            description=f"Fetch source {source.name!r} ({source.kind}) and rebuild what follows.",
            tags={"mtqg/source": source.name},
        )
    for name, kinds in GROUP_JOB_KINDS.items():
        members = [s for s in fetched if s.kind in kinds and getattr(s, "enabled", True)]
        if members:
            jobs.by_group[name] = dg.define_asset_job(
                name,
                selection=after_landing([landing_key(s) for s in members]),
                description=f"Fetch every {' / '.join(kinds)} source and rebuild what follows.",
            )
    jobs.monthly = dg.define_asset_job(
        MONTHLY_JOB,
        selection=dg.AssetSelection.key_prefixes(*[[p] for p in MONTHLY_PREFIXES]),
        description=(
            "Re-gate pending batches, rebuild the marts and quality models (completeness "
            "included) and republish the Steering Committee report."
        ),
    )
    return jobs


# --- one province × period again ------------------------------------------------------------


class ProvincePeriod(dg.Config):
    """The slice to judge again: a province (2025 code, or the code as the report gave it) and
    a period as reported (e.g. 2024-Q3)."""

    province_code: str
    period: str


@dg.op(
    pool=WAREHOUSE_WRITER_POOL,
    out=dg.Out(dg.Nothing),
    description="Forget the gate's verdicts on one province × period and judge its batches again.",
)
def regate_province_period(
    context: dg.OpExecutionContext, config: ProvincePeriod, mtqg: MtqgHome
) -> None:
    with connect(mtqg.paths.warehouse) as con:
        ensure_tables(con)
        outcomes = gate.regate_province_period(con, config.province_code, config.period)
    if not outcomes:
        raise dg.Failure(
            description=(
                f"no provincial report of province {config.province_code} for period "
                f"{config.period} is loaded; check the code (2025 or as reported, e.g. 10 "
                "for Lào Cai before 2025) and the period as written in the report (2024-Q3)"
            )
        )
    accepted = sum(1 for o in outcomes if o.is_accepted)
    metadata = {
        "province_code": config.province_code,
        "period": config.period,
        "batches_gated": len(outcomes),
        "accepted": accepted,
        "quarantined": len(outcomes) - accepted,
    }
    context.log.info(f"re-gated {len(outcomes)} batch(es): {accepted} accepted")
    # Recorded as the gate's own output, so declarative automation rebuilds the marts and the
    # report from the new verdicts (and not while a blocking check fails).
    for key in (["quality", "batch_status"], ["quality", "check_results"]):
        context.log_event(dg.AssetMaterialization(asset_key=key, metadata=metadata))


@dg.job(
    name=REPROCESS_JOB,
    description=(
        "Judge one province × period again (e.g. after its thresholds or reference data were "
        "fixed); the marts and the report follow through automation."
    ),
    tags={"mtqg/trigger": "manual"},
)
def reprocess_province_period() -> None:
    regate_province_period()
