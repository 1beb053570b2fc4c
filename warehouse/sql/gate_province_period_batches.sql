-- Batches that report one province ($1: 2025 code or the code as reported) and period ($2).
select distinct batch_id
from raw.provincial_report_lines
where period = $2 and (province_code_2025 = $1 or province_code_as_reported = $1)
order by batch_id
