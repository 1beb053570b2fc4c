-- Nguồn số liệu: the source rows behind every sheet's figures of the period ($1), and of the
-- sheets with no period (donor mobilisation, allocation norms), each with its file, sheet, row
-- and batch (lineage_report_cells); a cell's rows (report, province, period, cell code, cell
-- key, measure) add up to the cell. Figures computed from seeds say so, with their inputs.
select
    report,
    province_code,
    cell_code,
    cell_key,
    project_code,
    subproject_code,
    measure,
    amount_vnd,
    counted,
    source_kind,
    derivation,
    source_name,
    source_sheet,
    source_row,
    source_record_id,
    batch_id,
    source_file_sha256
from marts.lineage_report_cells
where period = $1::varchar or period is null
order by
    report, measure, province_code, cell_code, cell_key, project_code, subproject_code,
    source_name, source_row, source_record_id
