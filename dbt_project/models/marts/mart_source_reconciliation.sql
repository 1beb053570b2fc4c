{#- Cross-source reconciliation, in 2025 units: what provinces report against what the State
    Treasury paid (disbursed, year to date at the period's end) and what the Ministry of Finance
    planned (the year's annual plan), per 2025 province × project × period of the published
    reports. Tolerances come from the seed `reconciliation_tolerances`. A comparison is made only
    when the other source covers it: treasury records of the province that year reaching the
    period's last month; an annual plan of the province that year. -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

treasury as (
    select * from {{ ref('fct_disbursement') }}
),

plans as (
    select * from {{ ref('fct_capital_plan') }}
    where plan_kind = 'annual'
),

tolerances as (
    select * from {{ ref('reconciliation_tolerances') }}
),

provinces as (
    select * from {{ ref('dim_province') }}
    where is_current
),

reported as (
    select
        province_code,
        period,
        max(period_end_date) as period_end_date,
        project_code,
        sum(planned_vnd) as planned_vnd,
        sum(disbursed_vnd) as disbursed_vnd,
        count(distinct province_code_as_reported) as reporting_units
    from progress
    where province_code is not null
    group by province_code, period, project_code
),

treasury_coverage as (
    select
        province_code,
        disbursement_year,
        max(month_start_date) as last_month_start_date
    from treasury
    group by province_code, disbursement_year
),

-- the ministry's records each reported cell is compared with (the rule lineage_report_cells lists)
reference_records as (
    {{ reconciliation_references('reported', 'treasury', 'plans') }}
),

reference_totals as (
    select
        province_code,
        period,
        project_code,
        comparison,
        sum(amount_vnd) as amount_vnd
    from reference_records
    group by province_code, period, project_code, comparison
),

plan_years as (
    select
        province_code,
        plan_year
    from plans
    group by province_code, plan_year
),

disbursed as (
    select
        reported.province_code,
        reported.period,
        reported.period_end_date,
        reported.project_code,
        reported.reporting_units,
        'disbursed_vs_treasury' as comparison,
        reported.disbursed_vnd as reported_vnd,
        coalesce(treasury_to_date.amount_vnd, 0) as reference_vnd,
        treasury_coverage.last_month_start_date is not null
        and treasury_coverage.last_month_start_date
        >= cast(date_trunc('month', reported.period_end_date) as date) as is_compared
    from reported
    left join reference_totals as treasury_to_date
        on
            reported.province_code = treasury_to_date.province_code
            and reported.period = treasury_to_date.period
            and reported.project_code = treasury_to_date.project_code
            and treasury_to_date.comparison = 'disbursed_vs_treasury'
    left join treasury_coverage
        on
            reported.province_code = treasury_coverage.province_code
            and treasury_coverage.disbursement_year = extract(year from reported.period_end_date)
),

planned as (
    select
        reported.province_code,
        reported.period,
        reported.period_end_date,
        reported.project_code,
        reported.reporting_units,
        'planned_vs_capital_plan' as comparison,
        reported.planned_vnd as reported_vnd,
        coalesce(plan_totals.amount_vnd, 0) as reference_vnd,
        plan_years.plan_year is not null as is_compared
    from reported
    left join reference_totals as plan_totals
        on
            reported.province_code = plan_totals.province_code
            and reported.period = plan_totals.period
            and reported.project_code = plan_totals.project_code
            and plan_totals.comparison = 'planned_vs_capital_plan'
    left join plan_years
        on
            reported.province_code = plan_years.province_code
            and plan_years.plan_year = extract(year from reported.period_end_date)
),

compared as (
    select * from disbursed
    union all
    select * from planned
),

final as (
    select
        compared.province_code,
        provinces.province_name,
        compared.period,
        compared.period_end_date,
        compared.project_code,
        compared.comparison,
        tolerances.reference_source,
        compared.reporting_units,
        cast(compared.reported_vnd as bigint) as reported_vnd,
        case when compared.is_compared then cast(compared.reference_vnd as bigint) end as reference_vnd,
        case
            when compared.is_compared then cast(compared.reported_vnd - compared.reference_vnd as bigint)
        end as difference_vnd,
        cast(greatest(
            tolerances.absolute_tolerance_vnd,
            round(tolerances.relative_tolerance * abs(compared.reference_vnd))
        ) as bigint) as tolerance_vnd,
        compared.is_compared,
        coalesce(
            compared.is_compared
            and abs(compared.reported_vnd - compared.reference_vnd) > greatest(
                tolerances.absolute_tolerance_vnd,
                round(tolerances.relative_tolerance * abs(compared.reference_vnd))
            ),
            false
        ) as is_over_tolerance
    from compared
    inner join tolerances on compared.comparison = tolerances.comparison
    left join provinces on compared.province_code = provinces.province_code_2025
)

select * from final
