{#- Progress per reporting period, phase I project and sub-project (national, accepted leaf rows). -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

programme as (
    select * from {{ ref('dim_programme') }}
    where programme_regime = 'phase_1_2021_2025'
),

totals as (
    select
        period,
        max(period_end_date) as period_end_date,
        project_code,
        subproject_code,
        cast(sum(planned_vnd) as bigint) as allocation_vnd,
        cast(sum(disbursed_vnd) as bigint) as disbursed_vnd,
        count(distinct province_code) as provinces_reporting
    from progress
    group by period, project_code, subproject_code
),

final as (
    select
        totals.period,
        totals.period_end_date,
        totals.project_code,
        projects.project_number,
        projects.name_vi as project_name_vi,
        totals.subproject_code,
        subprojects.name_vi as subproject_name_vi,
        totals.allocation_vnd,
        totals.disbursed_vnd,
        case
            when totals.allocation_vnd > 0
                then round(100.0 * totals.disbursed_vnd / totals.allocation_vnd, 1)
        end as disbursement_rate_pct,
        totals.provinces_reporting
    from totals
    left join programme as projects
        on totals.project_code = projects.project_code and projects.is_project
    left join programme as subprojects
        on totals.subproject_code = subprojects.subproject_code and not subprojects.is_project
)

select * from final
