{#- The Steering Committee's progress table: plan and disbursement by current province, period
    and project, from gated facts only. -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

provinces as (
    select * from {{ ref('dim_province') }}
    where is_current
),

programme as (
    select * from {{ ref('dim_programme') }}
    where is_project
),

aggregated as (
    select
        province_code,
        period,
        max(period_end_date) as period_end_date,
        project_code,
        sum(case when budget_source = 'central' then planned_vnd else 0 end) as planned_central_vnd,
        sum(case when budget_source = 'local' then planned_vnd else 0 end) as planned_local_vnd,
        sum(planned_vnd) as planned_vnd,
        sum(disbursed_vnd) as disbursed_vnd,
        count(distinct province_code_as_reported) as reporting_units
    from progress
    group by province_code, period, project_code
),

final as (
    select
        aggregated.province_code,
        provinces.province_name,
        aggregated.period,
        aggregated.period_end_date,
        aggregated.project_code,
        programme.project_number,
        programme.name_vi as project_name_vi,
        cast(aggregated.planned_central_vnd as bigint) as planned_central_vnd,
        cast(aggregated.planned_local_vnd as bigint) as planned_local_vnd,
        cast(aggregated.planned_vnd as bigint) as planned_vnd,
        cast(aggregated.disbursed_vnd as bigint) as disbursed_vnd,
        case
            when aggregated.planned_vnd > 0
                then round(100.0 * aggregated.disbursed_vnd / aggregated.planned_vnd, 1)
        end as disbursement_rate_pct,
        aggregated.reporting_units
    from aggregated
    inner join provinces on aggregated.province_code = provinces.province_code
    inner join programme on aggregated.project_code = programme.project_code
)

select * from final
