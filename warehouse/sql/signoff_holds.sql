-- The approved (locked) province × periods whose published figures batch $1 would change: it
-- reports the slice, is not one of the approved batches, and is newer than the approved batch
-- of its reporting unit (or that unit had no approved figures). An older version changes nothing.
with

latest_events as (
    select
        event_id,
        action,
        province_code,
        period,
        actor,
        recorded_at,
        row_number() over (
            partition by province_code, period
            order by recorded_at desc, event_id desc
        ) as recency
    from quality.signoff_events
),

locks as (
    select * from latest_events
    where recency = 1 and action = 'approve'
),

batch_reports as (
    select distinct
        report_lines.batch_id,
        report_lines.admin_era,
        report_lines.province_code_as_reported,
        report_lines.province_code_2025,
        report_lines.period,
        batches.loaded_at
    from raw.provincial_report_lines as report_lines
    inner join raw.batches as batches on report_lines.batch_id = batches.batch_id
    where report_lines.batch_id = $1
),

approved as (
    select
        approved_batches.event_id,
        approved_batches.batch_id,
        approved_batches.admin_era,
        approved_batches.province_code_as_reported,
        batches.loaded_at
    from quality.signoff_approved_batches as approved_batches
    inner join raw.batches as batches on approved_batches.batch_id = batches.batch_id
)

select distinct
    locks.province_code,
    locks.period,
    locks.actor,
    locks.recorded_at
from batch_reports
inner join locks
    on
        batch_reports.province_code_2025 = locks.province_code
        and batch_reports.period = locks.period
where
    not exists (
        select 1
        from approved
        where
            approved.event_id = locks.event_id
            and approved.batch_id = batch_reports.batch_id
    )
    and not exists (
        select 1
        from approved
        where
            approved.event_id = locks.event_id
            and approved.admin_era = batch_reports.admin_era
            and approved.province_code_as_reported = batch_reports.province_code_as_reported
            and (
                approved.loaded_at > batch_reports.loaded_at
                or (
                    approved.loaded_at = batch_reports.loaded_at
                    and approved.batch_id > batch_reports.batch_id
                )
            )
    )
order by locks.province_code, locks.period
