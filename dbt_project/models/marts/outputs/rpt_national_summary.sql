{#- The Steering Committee's national summary per reporting period: the Ministry of Finance's
    annual plan of the period's year, the allocation and year-to-date disbursement the provinces
    reported (the sum of the accepted leaf rows of the period, fct_capital_progress), the rate,
    the same period of the year before, and the feasibility-study target of the year with its
    label (feasibility_targets is illustrative until the study's figures are typed in). -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

plans as (
    select * from {{ ref('fct_capital_plan') }}
    where plan_kind = 'annual'
),

targets as (
    select * from {{ ref('feasibility_targets') }}
),

periods as (
    select
        period,
        max(period_end_date) as period_end_date,
        cast(extract(year from max(period_end_date)) as integer) as period_year,
        cast(sum(planned_vnd) as bigint) as allocation_vnd,
        cast(sum(case when budget_source = 'central' then planned_vnd else 0 end) as bigint)
            as allocation_central_vnd,
        cast(sum(disbursed_vnd) as bigint) as disbursed_vnd,
        count(*) as leaf_rows,
        count(distinct province_code_as_reported || '-' || admin_era) as reporting_units,
        count(distinct province_code) as provinces_reporting
    from progress
    group by period
),

plan_years as (
    select
        plan_year,
        cast(sum(amount_vnd) as bigint) as plan_vnd
    from plans
    group by plan_year
),

target_years as (
    select
        target_year,
        cast(sum(central_capital_target_vnd) + sum(local_capital_target_vnd) as bigint) as target_vnd,
        max(source_document) as target_source,
        {% if has_column(ref('feasibility_targets'), 'is_illustrative') -%}
            bool_or(cast(is_illustrative as boolean)) as is_target_illustrative
        {%- else -%}
            cast(null as boolean) as is_target_illustrative
        {%- endif %}
    from targets
    group by target_year
),

final as (
    select
        periods.period,
        periods.period_end_date,
        periods.period_year,
        coalesce(plan_years.plan_vnd, 0) as plan_vnd,
        periods.allocation_vnd,
        periods.allocation_central_vnd,
        periods.disbursed_vnd,
        case
            when periods.allocation_vnd > 0
                then round(100.0 * periods.disbursed_vnd / periods.allocation_vnd, 1)
        end as disbursement_rate_pct,
        last_year.period as previous_year_period,
        last_year.allocation_vnd as previous_year_allocation_vnd,
        last_year.disbursed_vnd as previous_year_disbursed_vnd,
        case
            when last_year.allocation_vnd > 0
                then round(100.0 * last_year.disbursed_vnd / last_year.allocation_vnd, 1)
        end as previous_year_rate_pct,
        target_years.target_vnd,
        target_years.target_source,
        target_years.is_target_illustrative,
        periods.leaf_rows,
        periods.reporting_units,
        periods.provinces_reporting
    from periods
    left join periods as last_year
        on
            last_year.period_year = periods.period_year - 1
            and substr(last_year.period, 5) = substr(periods.period, 5)
    left join plan_years on periods.period_year = plan_years.plan_year
    left join target_years on periods.period_year = target_years.target_year
)

select * from final
