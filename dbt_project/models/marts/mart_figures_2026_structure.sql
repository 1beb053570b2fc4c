{#- Every figure of the reports read in the 2026–2035 programme's structure: each source row of
    lineage_report_cells in a phase I code is carried to the 2026–2035 code(s) the crosswalk
    names, in integer đồng by the crosswalk's shares, largest remainder per source row so the
    parts add back exactly to the row (and every total to the đồng); rows already in 2026–2035
    codes (reports from 2026) keep their code. Source columns carried for tracing. -#}
with

-- money summed from source rows only: counts, and figures computed or seeded (norms,
-- tolerances), have no đồng of a source row to carry
cells as (
    select * from {{ ref('lineage_report_cells') }}
    where amount_vnd is not null and source_kind not in ('computed', 'seed')
),

crosswalk as (
    select * from {{ ref('programme_crosswalk') }}
),

structure as (
    select * from {{ ref('programme_2026_2035') }}
),

-- the phase I line a row belongs to: its sub-project when it has one
phase1_lines as (
    select
        cells.*,
        coalesce(cells.subproject_code, cells.project_code) as line_code
    from cells
),

targets as (
    select
        phase1_lines.*,
        crosswalk.programme_code_2026 as crosswalk_code,
        coalesce(crosswalk.share, 1) as crosswalk_share,
        coalesce(crosswalk.is_confirmed, structure.is_confirmed) as is_share_confirmed,
        coalesce(crosswalk.programme_code_2026, structure.programme_code) as programme_code_2026
    from phase1_lines
    left join crosswalk on phase1_lines.line_code = crosswalk.phase1_code
    left join structure on phase1_lines.line_code = structure.programme_code
),

apportioned as (
    select
        targets.*,
        {{ apportion_integer(
            'targets.amount_vnd',
            'targets.crosswalk_share',
            'targets.report, targets.measure, targets.period, targets.province_code, '
            ~ 'targets.cell_code, targets.cell_key, targets.source_key',
            'targets.programme_code_2026'
        ) }} as amount_2026_vnd
    from targets
    where targets.programme_code_2026 is not null
),

final as (
    select
        apportioned.report,
        apportioned.province_code,
        apportioned.period,
        apportioned.cell_code,
        apportioned.cell_key,
        apportioned.measure,
        apportioned.programme_code_2026,
        coalesce(structure.parent_code, structure.programme_code) as component_code,
        apportioned.project_code as phase1_project_code,
        apportioned.line_code as phase1_code,
        apportioned.crosswalk_code is null as is_reported_in_2026_codes,
        apportioned.crosswalk_share,
        apportioned.is_share_confirmed,
        cast(apportioned.amount_2026_vnd as bigint) as amount_vnd,
        apportioned.amount_vnd as source_amount_vnd,
        apportioned.batch_id,
        apportioned.source_file_sha256,
        apportioned.source_sheet,
        apportioned.source_row,
        apportioned.source_record_id,
        apportioned.source_key
    from apportioned
    left join structure on apportioned.programme_code_2026 = structure.programme_code
)

select * from final
