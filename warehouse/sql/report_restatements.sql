-- Restatements since the previous report ($1: when it was made; null = all): leaf figures an
-- accepted re-submission changed (fct_progress_restatements, from the trust issue's models).
select
    province_code,
    province_name,
    period,
    project_code,
    subproject_code,
    measure,
    old_value_vnd,
    new_value_vnd,
    change_vnd,
    change_kind,
    old_source_name,
    new_source_name,
    restated_at
from marts.fct_progress_restatements
where $1::timestamptz is null or restated_at > $1::timestamptz
order by restated_at, province_code, period, project_code, subproject_code
