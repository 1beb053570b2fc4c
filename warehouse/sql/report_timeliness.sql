-- Who has not reported the period ($1), who was late (arrival in Vietnam time), who was on time.
select
    province_code,
    province_name,
    province_code_as_reported,
    admin_era,
    due_date,
    timeliness,
    first_received_at_vn,
    is_accepted,
    submissions
from marts.rpt_reporting_timeliness
where period = $1::varchar
order by
    case timeliness when 'not_received' then 0 when 'late' then 1 else 2 end,
    province_code,
    province_code_as_reported
