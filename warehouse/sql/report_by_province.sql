-- The 34 provinces (2025 units) in the report's period ($1), with the old provinces they absorbed.
select
    province_code,
    province_name,
    old_provinces,
    reporting_units,
    allocation_vnd,
    disbursed_vnd,
    disbursement_rate_pct,
    has_reported
from marts.rpt_progress_by_province_period
where period = $1::varchar
order by province_code
