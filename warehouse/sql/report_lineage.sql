-- Nguồn số liệu: the source rows behind the report's allocation and disbursement of the period
-- ($1), each with its file, sheet, row and batch (lineage_report_cells, from the trust issue's
-- models); a cell's rows add up to the cell.
select
    province_code,
    project_code,
    subproject_code,
    measure,
    amount_vnd,
    source_name,
    source_sheet,
    source_row,
    source_record_id,
    batch_id,
    source_file_sha256
from marts.lineage_report_cells
where
    period = $1::varchar
    and report = 'rpt_progress_by_province'
    and measure in ('planned_vnd', 'disbursed_vnd')
order by measure, province_code, project_code, subproject_code, source_name, source_row
