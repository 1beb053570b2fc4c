-- The source rows behind one report cell: $1 report, $2 province (2025 code, null where the
-- report has none), $3 period (null where the report has none), $4 the code the report keys the
-- cell by (a project, a sub-project in rpt_progress_by_subproject; null where the report has
-- none), $5 measure, $6 the sheet's further key (donor, comparison, decision, restated leaf;
-- null elsewhere). Their amounts (counts, points) sum to the cell.
select
    amount_vnd,
    counted,
    points,
    source_kind,
    batch_id,
    source_name,
    batch_loaded_at,
    source_file_sha256,
    source_sheet,
    source_row,
    source_record_id,
    household_pseudonym,
    derivation,
    subproject_code,
    budget_source,
    capital_type,
    province_code_as_reported,
    admin_era
from marts.lineage_report_cells
where
    report = $1
    and province_code is not distinct from $2
    and period is not distinct from $3
    and cell_code is not distinct from $4
    and measure = $5
    and cell_key is not distinct from $6
order by batch_id, source_sheet, source_row, source_record_id, budget_source, capital_type
