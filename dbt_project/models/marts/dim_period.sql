{#- Reporting periods of every source: provincial report periods (quarter, half-year, year,
    month), treasury months and plan years, each with its end date. -#}
with

report_periods as (
    select distinct
        period,
        period_end_date
    from {{ ref('int_provincial_progress_unpivoted') }}
),

treasury_months as (
    select distinct month_start_date
    from {{ ref('int_treasury_disbursements_history') }}
),

plan_years as (
    select distinct plan_year
    from {{ ref('int_capital_plans_converted') }}
),

unioned as (
    select
        period,
        period_end_date
    from report_periods
    union
    select
        cast(extract(year from month_start_date) as varchar)
        || '-' || lpad(cast(extract(month from month_start_date) as varchar), 2, '0') as period,
        cast(month_start_date + interval '1 month' - interval '1 day' as date) as period_end_date
    from treasury_months
    union
    select
        cast(plan_year as varchar) as period,
        cast(cast(plan_year as varchar) || '-12-31' as date) as period_end_date
    from plan_years
),

final as (
    select
        period,
        case
            when period like '%-Q%' then 'quarter'
            when period like '%-H%' then 'half_year'
            when length(period) = 4 then 'year'
            else 'month'
        end as period_kind,
        cast(extract(year from period_end_date) as integer) as period_year,
        period_end_date,
        period_end_date >= cast('{{ var("admin_reform_date") }}' as date) as is_2025_admin_era
    from unioned
)

select * from final
