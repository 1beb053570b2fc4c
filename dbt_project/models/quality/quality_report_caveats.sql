{#- The caveats that hold now, for the report: each province × period whose latest submission is
    quarantined or held and has not been superseded by a later accepted one, with the period the
    marts use instead (the reporting unit's last accepted period up to it, which is the same
    period when an earlier accepted submission still stands). Batches that carry no province ×
    period (ministry pulls, donor and reference files, unreadable files) are listed while
    quality_open_problems holds them open. A quarantine already corrected is not a caveat. -#}
with

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

reports as (
    select distinct
        batch_id,
        admin_era,
        province_code_as_reported,
        province_code_2025,
        province_name,
        period,
        period_end_date
    from {{ ref('stg_provincial__report_lines') }}
),

submissions as (
    select
        reports.*,
        batch_status.status,
        batch_status.dataset,
        batch_status.original_name,
        batch_status.reasons,
        batch_status.loaded_at
    from reports
    inner join batch_status on reports.batch_id = batch_status.batch_id
),

not_in_force as (
    select * from submissions
    where
        status in ('quarantined', 'held')
        and not exists (
            select 1 from submissions as accepted
            where
                accepted.status = 'accepted'
                and accepted.admin_era = submissions.admin_era
                and accepted.province_code_as_reported = submissions.province_code_as_reported
                and accepted.period = submissions.period
                and accepted.loaded_at > submissions.loaded_at
        )
),

in_force as (
    select distinct
        admin_era,
        province_code_as_reported,
        period,
        period_end_date,
        batch_id
    from {{ ref('fct_capital_progress') }}
),

replacements as (
    select
        not_in_force.batch_id,
        not_in_force.admin_era,
        not_in_force.province_code_as_reported,
        not_in_force.period,
        in_force.period as in_force_period,
        in_force.batch_id as in_force_batch_id,
        row_number() over (
            partition by
                not_in_force.batch_id,
                not_in_force.admin_era,
                not_in_force.province_code_as_reported,
                not_in_force.period
            order by in_force.period_end_date desc, in_force.period desc
        ) as recency
    from not_in_force
    inner join in_force
        on
            not_in_force.admin_era = in_force.admin_era
            and not_in_force.province_code_as_reported = in_force.province_code_as_reported
            and not_in_force.period_end_date >= in_force.period_end_date
),

provincial as (
    select
        not_in_force.province_code_2025 as province_code,
        not_in_force.admin_era,
        not_in_force.province_code_as_reported,
        not_in_force.province_name,
        not_in_force.period,
        not_in_force.period_end_date,
        not_in_force.status,
        not_in_force.dataset,
        not_in_force.batch_id,
        not_in_force.original_name,
        not_in_force.reasons,
        not_in_force.loaded_at,
        replacements.in_force_period as last_accepted_period,
        replacements.in_force_batch_id as last_accepted_batch_id
    from not_in_force
    left join replacements
        on
            not_in_force.batch_id = replacements.batch_id
            and not_in_force.admin_era = replacements.admin_era
            and not_in_force.province_code_as_reported = replacements.province_code_as_reported
            and not_in_force.period = replacements.period
            and replacements.recency = 1
),

whole_source as (
    select
        cast(null as varchar) as province_code,
        cast(null as varchar) as admin_era,
        cast(null as varchar) as province_code_as_reported,
        cast(null as varchar) as province_name,
        cast(null as varchar) as period,
        cast(null as date) as period_end_date,
        'quarantined' as status,
        open_problems.dataset,
        open_problems.batch_id,
        open_problems.original_name,
        open_problems.reasons,
        open_problems.loaded_at,
        cast(null as varchar) as last_accepted_period,
        cast(null as varchar) as last_accepted_batch_id
    from {{ ref('quality_open_problems') }} as open_problems
    where open_problems.province_code_as_reported is null
),

final as (
    select * from provincial
    union all
    select * from whole_source
)

select * from final
