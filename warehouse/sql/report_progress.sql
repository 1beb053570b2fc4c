-- The progress detail (province × project) of the report's period ($1, null = every period):
-- gated marts only.
select
    province_code,
    province_name,
    period,
    project_code,
    project_name_vi,
    planned_central_vnd,
    planned_local_vnd,
    planned_vnd,
    disbursed_vnd,
    disbursement_rate_pct
from marts.rpt_progress_by_province
where $1::varchar is null or period = $1::varchar
order by period_end_date, period, province_code, project_number
