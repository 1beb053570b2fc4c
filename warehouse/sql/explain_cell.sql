-- The source rows behind one report cell: $1 report, $2 province (2025 code, null where the
-- report has none), $3 period (null where the report has none), $4 the code the report keys the
-- cell by (a project, a sub-project in rpt_progress_by_subproject; null where the report has
-- none), $5 measure, $6 the sheet's further key (donor, comparison, decision, restated leaf;
-- null elsewhere). Their amounts (counts, points) sum to the cell. A beneficiary line shows its
-- pseudonym from mart_beneficiary_review (not published; never a name or an ID).
select
    cells.amount_vnd,
    cells.counted,
    cells.points,
    cells.source_kind,
    cells.batch_id,
    cells.source_name,
    cells.batch_loaded_at,
    cells.source_file_sha256,
    cells.source_sheet,
    cells.source_row,
    cells.source_record_id,
    review.household_pseudonym,
    cells.derivation,
    cells.subproject_code,
    cells.budget_source,
    cells.capital_type,
    cells.province_code_as_reported,
    cells.admin_era
from marts.lineage_report_cells as cells
left join marts.mart_beneficiary_review as review
    on
        cells.report = 'rpt_beneficiary_review_by_province'
        and cells.batch_id = review.batch_id
        and cells.source_sheet is not distinct from review.source_sheet
        and cells.source_row = review.source_row
where
    cells.report = $1
    and cells.province_code is not distinct from $2
    and cells.period is not distinct from $3
    and cells.cell_code is not distinct from $4
    and cells.measure = $5
    and cells.cell_key is not distinct from $6
order by
    cells.batch_id, cells.source_sheet, cells.source_row, cells.source_record_id,
    cells.budget_source, cells.capital_type
