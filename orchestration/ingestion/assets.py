"""Landing assets: each configured source fetched into the immutable landing zone."""

import dagster as dg

from connectors.kinds import fetch_source, kind_of
from connectors.personal_data import redact
from connectors.source_models import SourceModel
from core.errors import SourceError
from orchestration.resources import MtqgHome

SOURCE_REACHABLE = "source_reachable"


def landing_asset(source: SourceModel) -> dg.AssetsDefinition:
    """The asset `landing/<source>`: new payloads of one source, stored as they arrived.

    A source that stays unreachable after its retries fails the check `source_reachable`
    instead of the asset, so the other sources' data still flow on in the same run.
    """
    key = dg.AssetKey(["landing", source.name])

    @dg.asset(
        key=key,
        group_name=kind_of(source).group,
        kinds={"python"},
        tags={"source_kind": source.kind},
        description=f"Payloads of source {source.name!r} ({source.kind}) stored in landing.",
        check_specs=[
            dg.AssetCheckSpec(
                SOURCE_REACHABLE,
                asset=key,
                description="The source answered (after retries) and its payloads landed.",
            )
        ],
    )
    def _landing(context: dg.AssetExecutionContext, mtqg: MtqgHome):
        try:
            result = fetch_source(source, mtqg.paths)
        except SourceError as exc:
            context.log.error(str(exc))
            yield dg.MaterializeResult(metadata={"landed": 0, "error": str(exc)})
            yield dg.AssetCheckResult(
                check_name=SOURCE_REACHABLE, passed=False, metadata={"error": str(exc)}
            )
            return
        for name, reason in result.refused:
            context.log.warning(f"{source.name}: refused {redact(name)}: {redact(reason)}")
        for note in result.notes:
            context.log.info(f"{source.name}: {note}")
        yield dg.MaterializeResult(
            metadata={
                "landed": len(result.landed),
                "new": result.new,
                "unchanged": result.unchanged,
                "refused": len(result.refused),
                "files": [redact(f.original_name or f.path.name) for f in result.landed][:50],
            }
        )
        yield dg.AssetCheckResult(check_name=SOURCE_REACHABLE, passed=True)

    return _landing


def landing_assets(sources: list[SourceModel]) -> list[dg.AssetsDefinition]:
    return [landing_asset(s) for s in sources]
