{#- DHIS2-style reporting rate: every report the calendar expects from every province of the
    period's era, against what arrived (accepted or not) and when. -#}
with

calendar as (
    select * from {{ ref('reporting_calendar') }}
    where due_date <= current_date
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

submissions as (
    select distinct
        report_lines.batch_id,
        report_lines.admin_era,
        report_lines.province_code_as_reported,
        report_lines.period,
        batches.loaded_at,
        batch_status.status
    from {{ ref('stg_provincial__report_lines') }} as report_lines
    inner join {{ ref('stg_raw__batches') }} as batches on report_lines.batch_id = batches.batch_id
    left join {{ ref('stg_quality__batch_status') }} as batch_status
        on report_lines.batch_id = batch_status.batch_id
),

received as (
    select
        admin_era,
        province_code_as_reported,
        period,
        min(loaded_at) as first_received_at,
        max(case when status = 'accepted' then loaded_at end) as last_accepted_at,
        count(*) as submissions
    from submissions
    group by admin_era, province_code_as_reported, period
),

final as (
    select
        calendar.form,
        calendar.period,
        calendar.period_end_date,
        calendar.due_date,
        provinces.admin_era,
        provinces.province_code as province_code_as_reported,
        provinces.province_code_2025 as province_code,
        provinces.province_name,
        true as is_expected,
        received.first_received_at is not null as is_received,
        received.last_accepted_at is not null as is_accepted,
        -- the due date is a day in Vietnam: an arrival is dated in the Office's time zone, not UTC
        coalesce(
            cast(received.first_received_at at time zone '{{ var("office_time_zone") }}' as date)
            <= calendar.due_date,
            false
        ) as is_on_time,
        received.first_received_at,
        coalesce(received.submissions, 0) as submissions
    from calendar
    inner join provinces on calendar.admin_era = provinces.admin_era
    left join received
        on
            provinces.admin_era = received.admin_era
            and provinces.province_code = received.province_code_as_reported
            and calendar.period = received.period
)

select * from final
