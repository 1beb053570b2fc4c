{#- What each submission says of each leaf, one row per batch × reporting unit × period × leaf ×
    measure: the figures the marts would publish for that reporting unit and period if the batch
    were the one in force (its last report of the slice, as fct_capital_progress ranks them).
    Sign-off and restatements compare submissions on these rows. -#}
with

facts as (
    select * from {{ ref('int_provincial_progress_unpivoted') }}
),

last_reports as (
    select
        batch_id,
        admin_era,
        province_code_as_reported,
        period,
        max(report_index) as report_index
    from facts
    group by batch_id, admin_era, province_code_as_reported, period
),

leaves as (
    select
        facts.batch_id,
        facts.admin_era,
        facts.province_code_as_reported,
        facts.province_code,
        facts.period,
        facts.project_code,
        facts.subproject_code,
        facts.budget_source,
        facts.capital_type,
        sum(facts.planned_vnd) as planned_vnd,
        sum(facts.disbursed_vnd) as disbursed_vnd
    from facts
    inner join last_reports
        on
            facts.batch_id = last_reports.batch_id
            and facts.admin_era = last_reports.admin_era
            and facts.province_code_as_reported = last_reports.province_code_as_reported
            and facts.period = last_reports.period
            and facts.report_index = last_reports.report_index
    group by
        facts.batch_id,
        facts.admin_era,
        facts.province_code_as_reported,
        facts.province_code,
        facts.period,
        facts.project_code,
        facts.subproject_code,
        facts.budget_source,
        facts.capital_type
),

-- one row per leaf × measure
measures as (
    select measures.* from (values ('planned_vnd'), ('disbursed_vnd')) as measures (measure)
),

final as (
    select
        leaves.batch_id,
        leaves.admin_era,
        leaves.province_code_as_reported,
        leaves.province_code,
        leaves.period,
        leaves.project_code,
        leaves.subproject_code,
        leaves.budget_source,
        leaves.capital_type,
        measures.measure,
        cast(
            case measures.measure
                when 'planned_vnd' then leaves.planned_vnd
                when 'disbursed_vnd' then leaves.disbursed_vnd
            end as bigint
        ) as value_vnd
    from leaves
    cross join measures
)

select * from final
