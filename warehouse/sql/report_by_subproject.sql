-- Projects and sub-projects in the report's period ($1), national.
select
    coalesce(subproject_code, project_code) as programme_code,
    project_code,
    project_name_vi,
    subproject_code,
    subproject_name_vi,
    allocation_vnd,
    disbursed_vnd,
    disbursement_rate_pct,
    provinces_reporting
from marts.rpt_progress_by_subproject
where period = $1::varchar
order by project_number, project_code, subproject_code nulls first
