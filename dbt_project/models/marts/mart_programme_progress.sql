{#- Plan (ministry decisions) vs allocation (the plan provinces report) vs disbursement (treasury
    and provincial reports) vs feasibility targets, by phase I project × 2025 province × year.
    Reports of old provinces count under the 2025 province they belong to now. -#}
with

plans as (
    select * from {{ ref('fct_capital_plan') }}
    where plan_kind = 'annual'
),

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

treasury as (
    select * from {{ ref('fct_disbursement') }}
),

targets as (
    select * from {{ ref('feasibility_targets') }}
),

programme as (
    select * from {{ ref('dim_programme') }}
    where programme_regime = 'phase_1_2021_2025' and is_project
),

provinces as (
    select * from {{ ref('dim_province') }}
    where is_current
),

plan_totals as (
    select
        project_code,
        province_code,
        plan_year as progress_year,
        sum(amount_vnd) as plan_vnd,
        sum(case when budget_source = 'central' then amount_vnd else 0 end) as plan_central_vnd
    from plans
    group by project_code, province_code, plan_year
),

-- each report row with the year it counts in: a reporting unit's latest report of the year
{{ progress_in_year('progress', 'progress_years') }},

report_totals as (
    select
        progress_years.project_code,
        progress_years.province_code,
        progress_years.progress_year,
        sum(progress_years.planned_vnd) as allocation_vnd,
        sum(progress_years.disbursed_vnd) as disbursed_reported_vnd,
        max(progress_years.period_end_date) as reported_to_date,
        count(distinct progress_years.province_code_as_reported) as reporting_units
    from progress_years
    where progress_years.is_counted_in_year
    group by progress_years.project_code, progress_years.province_code, progress_years.progress_year
),

treasury_totals as (
    select
        project_code,
        province_code,
        disbursement_year as progress_year,
        sum(amount_vnd) as disbursed_treasury_vnd,
        max(month_start_date) as treasury_last_month
    from treasury
    group by project_code, province_code, disbursement_year
),

spine as (
    select
        project_code,
        province_code,
        progress_year
    from plan_totals
    where province_code is not null
    union
    select
        project_code,
        province_code,
        progress_year
    from report_totals
    where province_code is not null
    union
    select
        project_code,
        province_code,
        progress_year
    from treasury_totals
    where province_code is not null
),

final as (
    select
        spine.project_code,
        programme.name_vi as project_name_vi,
        programme.successor_code as programme_code_2026,
        spine.province_code,
        provinces.province_name,
        spine.progress_year,
        case
            when spine.progress_year >= 2026 then 'merged_2026_2035' else 'phase_1_2021_2025'
        end as programme_regime,
        cast(coalesce(plan_totals.plan_vnd, 0) as bigint) as plan_vnd,
        cast(coalesce(plan_totals.plan_central_vnd, 0) as bigint)
            as plan_central_vnd,
        cast(coalesce(report_totals.allocation_vnd, 0) as bigint) as allocation_vnd,
        cast(coalesce(report_totals.disbursed_reported_vnd, 0) as bigint)
            as disbursed_reported_vnd,
        report_totals.reported_to_date,
        coalesce(report_totals.reporting_units, 0) as reporting_units,
        cast(coalesce(treasury_totals.disbursed_treasury_vnd, 0) as bigint)
            as disbursed_treasury_vnd,
        treasury_totals.treasury_last_month,
        targets.central_capital_target_vnd as project_target_central_national_vnd,
        targets.local_capital_target_vnd as project_target_local_national_vnd,
        targets.is_illustrative as project_targets_are_illustrative
    from spine
    left join plan_totals
        on
            spine.project_code = plan_totals.project_code
            and spine.province_code = plan_totals.province_code
            and spine.progress_year = plan_totals.progress_year
    left join report_totals
        on
            spine.project_code = report_totals.project_code
            and spine.province_code = report_totals.province_code
            and spine.progress_year = report_totals.progress_year
    left join treasury_totals
        on
            spine.project_code = treasury_totals.project_code
            and spine.province_code = treasury_totals.province_code
            and spine.progress_year = treasury_totals.progress_year
    left join targets
        on
            spine.project_code = targets.project_code
            and spine.progress_year = targets.target_year
    left join programme on spine.project_code = programme.project_code
    left join provinces on spine.province_code = provinces.province_code_2025
)

select * from final
