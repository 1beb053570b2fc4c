{#- Caveats that hold now: quarantined submissions not superseded by a later accepted one for
    the same province × period (quality_open_problems), each with the last accepted period of
    that reporting unit, whose figures are the latest the report has for it. A file whose
    province or period could not be read has no last accepted period. -#}
with

open_problems as (
    select * from {{ ref('quality_open_problems') }}
),

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

accepted_periods as (
    select distinct
        admin_era,
        province_code_as_reported,
        period,
        period_end_date
    from progress
),

ranked as (
    select
        open_problems.batch_id,
        accepted_periods.period,
        row_number() over (
            partition by open_problems.batch_id
            order by accepted_periods.period_end_date desc, accepted_periods.period desc
        ) as period_rank
    from open_problems
    inner join accepted_periods
        on
            open_problems.admin_era = accepted_periods.admin_era
            and open_problems.province_code_as_reported = accepted_periods.province_code_as_reported
            and (open_problems.period is null or open_problems.period != accepted_periods.period)
),

final as (
    select
        open_problems.batch_id,
        open_problems.original_name,
        open_problems.dataset,
        open_problems.province_code,
        open_problems.province_code_as_reported,
        open_problems.period,
        'quarantined' as status,
        open_problems.reasons,
        open_problems.loaded_at,
        ranked.period as last_accepted_period
    from open_problems
    left join ranked on open_problems.batch_id = ranked.batch_id and ranked.period_rank = 1
)

select * from final
