-- The source rows behind one report cell: $1 report, $2 province (2025 code, null for donors),
-- $3 period, $4 the code the report keys the cell by (a project, a sub-project in
-- rpt_progress_by_subproject; null where the report has none), $5 measure. Their amounts sum
-- to the cell.
select
    amount_vnd,
    source_kind,
    batch_id,
    source_name,
    batch_loaded_at,
    source_file_sha256,
    source_sheet,
    source_row,
    source_record_id,
    subproject_code,
    budget_source,
    capital_type,
    province_code_as_reported,
    admin_era
from marts.lineage_report_cells
where
    report = $1
    and province_code is not distinct from $2
    and period = $3
    and cell_code is not distinct from $4
    and measure = $5
order by batch_id, source_sheet, source_row, source_record_id, budget_source, capital_type
