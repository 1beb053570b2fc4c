-- The gate's verdict on one batch ($1 = batch_id) and the reports it holds.
select
    s.status,
    s.reasons,
    s.fact_count,
    string_agg(
        distinct r.province_name || ' (' || r.province_code_as_reported || ', era '
        || r.admin_era || ') ' || r.period,
        ', '
        order by
            r.province_name || ' (' || r.province_code_as_reported || ', era '
            || r.admin_era || ') ' || r.period
    ) as reports
from quality.batch_status as s
left join raw.provincial_report_lines as r on s.batch_id = r.batch_id
where s.batch_id = $1
group by s.status, s.reasons, s.fact_count
