"""The daemon's check for runs whose worker died: what `mtqg` commands do before each run.

Dagster's default run launcher cannot report a dead run worker to the daemon's run monitoring,
so a run killed hard under `mtqg serve` would stay STARTED and keep the warehouse's writer slot:
every later run would queue behind it. This sensor marks such runs failed and frees their slots
(`orchestration.recovery`); the failure sensor then alerts the officers as for any failed run.
"""

from __future__ import annotations

import dagster as dg

from orchestration.recovery import recover_dead_runs

INTERVAL_SECONDS = 30


def run_recovery_sensor() -> dg.SensorDefinition:
    @dg.sensor(
        name="run_recovery",
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=INTERVAL_SECONDS,
        description="Marks failed the runs whose worker died (killed, out of memory) and frees "
        "the writer slot they held, so the next runs are not stuck behind them.",
    )
    def run_recovery(context: dg.SensorEvaluationContext) -> dg.SkipReason:
        recovered = recover_dead_runs(context.instance)
        for dead in recovered:
            context.log.warning(f"run {dead.run_id} (pid {dead.owner.pid}) died: marked failed")
        return dg.SkipReason(
            f"{len(recovered)} dead run(s) marked failed" if recovered else "no dead run"
        )

    return run_recovery
