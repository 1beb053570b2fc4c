"""Jobs: one per source (its landing and what follows), one per group of senders, the monthly."""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from connectors.kinds import kind_of
from connectors.source_models import SourceModel
from orchestration.quality.partitions import province_period_verdicts

MONTHLY_JOB = "monthly_completeness_report"
# Everything the monthly check re-derives: the gate, the marts, the quality models, the report
# and the published snapshot.
MONTHLY_PREFIXES = ("quality", "marts", "reports", "published")


def safe_name(name: str) -> str:
    """A source name as Dagster accepts it in job and sensor names (letters, digits, _)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", name)


def landing_key(source: SourceModel) -> dg.AssetKey:
    return dg.AssetKey(["landing", source.name])


# Partitioned assets run on demand, one slice at a time, never as part of a whole run.
ON_DEMAND = dg.AssetSelection.assets(province_period_verdicts)


def after_landing(keys: Iterable[dg.AssetKey]) -> dg.AssetSelection:
    """These landing assets, what follows them, and what that needs besides other sources.

    Seeds and dimensions are not downstream of a source but the models need them; they are
    cheap to rebuild, so a fresh home gets them in its first run.
    """
    chosen = dg.AssetSelection.assets(*keys).downstream()
    return (chosen | (chosen.upstream() - dg.AssetSelection.key_prefixes("landing"))) - ON_DEMAND


def whole_pipeline() -> dg.AssetSelection:
    return dg.AssetSelection.all() - ON_DEMAND


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


def source_job_name(source: SourceModel) -> str:
    return f"sync_{safe_name(source.name)}"


def build_jobs(sources: list[SourceModel]) -> MtqgJobs:
    """A job per fetched source and per group that has sources, and the monthly report job."""
    kinds = {s.name: kind_of(s) for s in sources}
    fetched = [s for s in sources if kinds[s.name].sync_job or kinds[s.name].sensor]
    jobs = MtqgJobs()
    for source in fetched:
        jobs.by_source[source.name] = dg.define_asset_job(
            source_job_name(source),
            selection=after_landing([landing_key(source)]),
            description=f"Fetch source {source.name!r} ({source.kind}) and rebuild what follows.",
            tags={"mtqg/source": source.name},
        )
    for name in sorted({kinds[s.name].sync_job for s in fetched} - {None}):
        members = [s for s in fetched if kinds[s.name].sync_job == name and s.enabled]
        if members:
            shown = " / ".join(sorted({s.kind for s in members}))
            jobs.by_group[name] = dg.define_asset_job(
                name,
                selection=after_landing([landing_key(s) for s in members]),
                description=f"Fetch every {shown} source and rebuild what follows.",
            )
    jobs.monthly = dg.define_asset_job(
        MONTHLY_JOB,
        selection=dg.AssetSelection.key_prefixes(*[[p] for p in MONTHLY_PREFIXES]) - ON_DEMAND,
        description=(
            "Re-gate pending batches, rebuild the marts and quality models (completeness "
            "included), republish the Steering Committee report and the analysts' snapshot."
        ),
    )
    return jobs
