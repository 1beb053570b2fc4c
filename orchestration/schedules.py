"""Schedules in Vietnam's time: nightly ministries, weekly donors, the monthly check and report."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import MONTHLY_JOB, MtqgJobs

TIMEZONE = "Asia/Ho_Chi_Minh"
# job name → (cron, what the schedule is for)
SCHEDULES = {
    "ministry_sync": ("0 2 * * *", "Nightly (02:00) pull of the ministries' gateways."),
    "donor_sync": ("0 3 * * 1", "Weekly (Monday 03:00) sync of the donors' IATI data."),
    MONTHLY_JOB: (
        "0 6 1 * *",
        "Monthly (1st, 06:00) completeness check and Steering Committee report.",
    ),
}


def build_schedules(jobs: MtqgJobs) -> list[dg.ScheduleDefinition]:
    """The schedules of the jobs that exist (a home without ministry sources has no nightly)."""
    by_name = {job.name: job for job in jobs.all}
    return [
        dg.ScheduleDefinition(
            name=f"{name}_schedule",
            job=by_name[name],
            cron_schedule=cron,
            execution_timezone=TIMEZONE,
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=description,
            tags={"mtqg/trigger": "schedule"},
        )
        for name, (cron, description) in SCHEDULES.items()
        if name in by_name
    ]
