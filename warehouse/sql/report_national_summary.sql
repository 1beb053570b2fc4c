-- National summary: every period up to the report's ($1, null = all), the trend of the report.
select
    period,
    plan_vnd,
    allocation_vnd,
    disbursed_vnd,
    disbursement_rate_pct,
    previous_year_period,
    previous_year_allocation_vnd,
    previous_year_disbursed_vnd,
    previous_year_rate_pct,
    target_vnd,
    target_source,
    is_target_illustrative,
    provinces_reporting,
    leaf_rows
from marts.rpt_national_summary
where
    $1::varchar is null
    or period_end_date <= (
        select max(chosen.period_end_date) from marts.rpt_national_summary as chosen
        where chosen.period = $1::varchar
    )
order by period_end_date, period
