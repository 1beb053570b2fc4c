{{ config(materialized='ephemeral') }}
{#- Lineage of the steering report's sheet fct_progress_restatements (part of lineage_report_cells,
    which documents the columns): the report
    rows of each submission's last report (submission_report_rows, the same macro) behind a
    restated leaf's old and new value, keyed by the restated leaf (`cell_key`, restatement_cell_key);
    the change is the new rows less the old. -#}
with

restatements as (
    select * from {{ ref('fct_progress_restatements') }}
),

facts as (
    select * from {{ ref('int_provincial_progress_unpivoted') }}
),

{{ submission_report_rows('facts', 'submission_rows') }},

restatement_sides as (
    select
        restatements.*,
        sides.side,
        submission_rows.batch_id as row_batch_id,
        submission_rows.source_file_sha256,
        submission_rows.source_sheet,
        submission_rows.source_row,
        case restatements.measure
            when 'planned_vnd' then submission_rows.planned_vnd
            when 'disbursed_vnd' then submission_rows.disbursed_vnd
        end as value_vnd
    from restatements
    cross join (values ('old'), ('new')) as sides (side)
    inner join submission_rows
        on
            submission_rows.batch_id
            = case sides.side when 'old' then restatements.old_batch_id else restatements.new_batch_id end
            and restatements.admin_era = submission_rows.admin_era
            and restatements.province_code_as_reported = submission_rows.province_code_as_reported
            and restatements.period = submission_rows.period
            and restatements.project_code is not distinct from submission_rows.project_code
            and restatements.subproject_code is not distinct from submission_rows.subproject_code
            and restatements.budget_source is not distinct from submission_rows.budget_source
            and restatements.capital_type is not distinct from submission_rows.capital_type
),

restatement_measures as (
    select measures.* from (
        values
        ('old_value_vnd', 'old', 1),
        ('new_value_vnd', 'new', 1),
        ('change_vnd', 'new', 1),
        ('change_vnd', 'old', -1)
    ) as measures (measure, side, sign)
),

restatement_cells as (
    select
        'fct_progress_restatements' as report,
        restatement_sides.province_code,
        restatement_sides.period,
        coalesce(restatement_sides.subproject_code, restatement_sides.project_code) as cell_code,
        {{ restatement_cell_key('restatement_sides') }} as cell_key,
        restatement_sides.project_code,
        restatement_measures.measure,
        restatement_measures.sign * restatement_sides.value_vnd as amount_vnd,
        cast(null as integer) as counted,
        'provincial_report' as source_kind,
        restatement_sides.row_batch_id as batch_id,
        restatement_sides.source_file_sha256,
        restatement_sides.source_sheet,
        restatement_sides.source_row,
        cast(null as varchar) as source_record_id,
        cast(null as varchar) as household_pseudonym,
        cast(null as varchar) as derivation,
        restatement_sides.subproject_code,
        restatement_sides.budget_source,
        restatement_sides.capital_type,
        restatement_sides.province_code_as_reported,
        restatement_sides.admin_era
    from restatement_sides
    inner join restatement_measures on restatement_sides.side = restatement_measures.side
)

{{ lineage_cell_row('restatement_cells') }}
