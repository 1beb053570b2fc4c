"""Landing assets: each configured source fetched into the immutable landing zone."""

from __future__ import annotations

from typing import Any

import dagster as dg

from connectors.ingest import fetch_source
from orchestration.resources import MtqgHome
from orchestration.sources import GROUP_OF_KIND


def landing_asset(source: Any) -> dg.AssetsDefinition:
    """The asset `landing/<source>`: new payloads of one source, stored as they arrived."""

    @dg.asset(
        key=["landing", source.name],
        group_name=GROUP_OF_KIND.get(source.kind, "sources"),
        kinds={"python", source.kind},
        description=f"Payloads of source {source.name!r} ({source.kind}) stored in landing.",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL),
    )
    def _landing(context: dg.AssetExecutionContext, mtqg: MtqgHome) -> dg.MaterializeResult:
        result = fetch_source(source, mtqg.paths)
        for name, reason in result.refused:
            context.log.warning(f"{source.name}: refused {name}: {reason}")
        for note in result.notes:
            context.log.info(f"{source.name}: {note}")
        return dg.MaterializeResult(
            metadata={
                "landed": len(result.landed),
                "new": result.new,
                "unchanged": result.unchanged,
                "refused": len(result.refused),
                "files": [f.original_name or f.path.name for f in result.landed][:50],
            }
        )

    return _landing


def landing_assets(sources: list[Any]) -> list[dg.AssetsDefinition]:
    return [landing_asset(s) for s in sources if s.kind != "reference"]
