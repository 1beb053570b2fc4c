-- Batches with verdict $3 (accepted | held) that report one province ($1: 2025 code) × period ($2).
select distinct verdicts.batch_id
from quality.batch_status as verdicts
inner join raw.provincial_report_lines as report_lines on verdicts.batch_id = report_lines.batch_id
where
    report_lines.province_code_2025 = $1
    and report_lines.period = $2
    and verdicts.status = $3
order by verdicts.batch_id
