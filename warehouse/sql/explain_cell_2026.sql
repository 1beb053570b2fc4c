-- The source rows behind one cell read in the 2026–2035 structure: $1 report, $2 province,
-- $3 period, $4 programme code of 2026–2035 (a component or content), $5 measure; each with
-- the phase I line it comes from and the crosswalk share applied. Their amounts sum to the cell.
select
    figures.amount_vnd,
    figures.phase1_code,
    figures.crosswalk_share,
    figures.source_amount_vnd,
    figures.batch_id,
    batches.original_name as source_name,
    figures.source_file_sha256,
    figures.source_sheet,
    figures.source_row,
    figures.source_record_id
from marts.mart_figures_2026_structure as figures
left join raw.batches as batches on figures.batch_id = batches.batch_id
where
    figures.report = $1
    and figures.province_code is not distinct from $2
    and figures.period = $3
    and (figures.programme_code_2026 = $4 or figures.component_code = $4)
    and figures.measure = $5
order by figures.batch_id, figures.source_sheet, figures.source_row, figures.source_record_id
