{#- What each submission says of each leaf, one row per batch × reporting unit × period × leaf ×
    measure: the figures the marts would publish for that reporting unit and period if the batch
    were the one in force (its last report of the slice, as fct_capital_progress ranks them).
    Sign-off and restatements compare submissions on these rows. -#}
with

facts as (
    select * from {{ ref('int_provincial_progress_unpivoted') }}
),

{{ submission_report_rows('facts', 'report_rows') }},

leaves as (
    select
        report_rows.batch_id,
        report_rows.admin_era,
        report_rows.province_code_as_reported,
        report_rows.province_code,
        report_rows.period,
        report_rows.project_code,
        report_rows.subproject_code,
        report_rows.budget_source,
        report_rows.capital_type,
        sum(report_rows.planned_vnd) as planned_vnd,
        sum(report_rows.disbursed_vnd) as disbursed_vnd
    from report_rows
    group by
        report_rows.batch_id,
        report_rows.admin_era,
        report_rows.province_code_as_reported,
        report_rows.province_code,
        report_rows.period,
        report_rows.project_code,
        report_rows.subproject_code,
        report_rows.budget_source,
        report_rows.capital_type
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
