{#- Progress per reporting period and 2025 province (all 34, reported or not), with the old
    provinces each absorbed in the 2025 reform and which reporting units sent the period. -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

provinces as (
    select * from {{ ref('dim_province') }}
),

current_provinces as (
    select * from provinces
    where is_current
),

periods as (
    select distinct
        period,
        period_end_date
    from progress
),

absorbed as (
    select
        province_code_2025,
        string_agg(province_name, ', ' order by province_name) as old_provinces
    from provinces
    where admin_era = '2008'
    group by province_code_2025
),

totals as (
    select
        period,
        province_code,
        cast(sum(planned_vnd) as bigint) as allocation_vnd,
        cast(sum(disbursed_vnd) as bigint) as disbursed_vnd,
        count(*) as leaf_rows,
        string_agg(distinct province_code_as_reported || ' (' || admin_era || ')', ', ')
            as reporting_units
    from progress
    group by period, province_code
),

final as (
    select
        periods.period,
        periods.period_end_date,
        current_provinces.province_code,
        current_provinces.province_name,
        absorbed.old_provinces,
        totals.reporting_units,
        coalesce(totals.allocation_vnd, 0) as allocation_vnd,
        coalesce(totals.disbursed_vnd, 0) as disbursed_vnd,
        case
            when totals.allocation_vnd > 0
                then round(100.0 * totals.disbursed_vnd / totals.allocation_vnd, 1)
        end as disbursement_rate_pct,
        totals.period is not null as has_reported,
        coalesce(totals.leaf_rows, 0) as leaf_rows
    from periods
    cross join current_provinces
    left join absorbed on current_provinces.province_code = absorbed.province_code_2025
    left join totals
        on
            periods.period = totals.period
            and current_provinces.province_code = totals.province_code
)

select * from final
