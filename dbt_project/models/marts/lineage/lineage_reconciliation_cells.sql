{{ config(materialized='ephemeral') }}
{#- Lineage of the steering report's sheet mart_source_reconciliation (part of lineage_report_cells,
    which documents the columns): the
    provincial report rows and the ministry's records (reconciliation_references, the same macro)
    of each province × period × project × comparison (`cell_key`); the difference is the reported
    rows less the records, a record only when the mart compares; the tolerance is computed. -#}
with

progress as (
    select * from {{ ref('fct_capital_progress') }}
),

plans as (
    select * from {{ ref('fct_capital_plan') }}
    where plan_kind = 'annual'
),

treasury as (
    select * from {{ ref('fct_disbursement') }}
),

reconciliation as (
    select * from {{ ref('mart_source_reconciliation') }}
),

-- the mart's reported cells, each with its period's end (what the references are matched by)
reconciliation_reported as (
    select distinct
        province_code,
        period,
        period_end_date,
        project_code
    from reconciliation
),

reconciliation_records as (
    {{ reconciliation_references('reconciliation_reported', 'treasury', 'plans') }}
),

reconciliation_sides as (
    select
        reconciliation.province_code,
        reconciliation.period,
        reconciliation.project_code,
        reconciliation.comparison,
        reconciliation.is_compared,
        'reported' as side,
        case reconciliation.comparison
            when 'disbursed_vs_treasury' then progress.disbursed_vnd
            else progress.planned_vnd
        end as amount_vnd,
        row_number() over (
            partition by
                reconciliation.province_code, reconciliation.period, reconciliation.project_code,
                reconciliation.comparison, progress.province_code_as_reported
            order by progress.batch_id, progress.source_sheet, progress.source_row
        ) = 1 as is_first_of_unit,
        'provincial_report' as source_kind,
        progress.batch_id,
        progress.source_file_sha256,
        progress.source_sheet,
        progress.source_row,
        cast(null as varchar) as source_record_id,
        progress.subproject_code,
        progress.budget_source,
        progress.capital_type,
        progress.province_code_as_reported,
        progress.admin_era
    from reconciliation
    inner join progress
        on
            reconciliation.province_code = progress.province_code
            and reconciliation.period = progress.period
            and reconciliation.project_code = progress.project_code
    union all
    select
        reconciliation.province_code,
        reconciliation.period,
        reconciliation.project_code,
        reconciliation.comparison,
        reconciliation.is_compared,
        'reference' as side,
        reconciliation_records.amount_vnd,
        false as is_first_of_unit,
        'ministry_api' as source_kind,
        reconciliation_records.batch_id,
        reconciliation_records.source_file_sha256,
        cast(null as varchar) as source_sheet,
        reconciliation_records.source_page as source_row,
        reconciliation_records.source_record_id,
        reconciliation_records.subproject_code,
        reconciliation_records.budget_source,
        reconciliation_records.capital_type,
        reconciliation_records.province_code_as_reported,
        reconciliation_records.admin_era
    from reconciliation
    inner join reconciliation_records
        on
            reconciliation.province_code = reconciliation_records.province_code
            and reconciliation.period = reconciliation_records.period
            and reconciliation.project_code = reconciliation_records.project_code
            and reconciliation.comparison = reconciliation_records.comparison
    where reconciliation.is_compared
),

reconciliation_measures as (
    select measures.* from (
        values
        ('reported_vnd', 'reported', 1, false),
        ('reference_vnd', 'reference', 1, false),
        ('difference_vnd', 'reported', 1, false),
        ('difference_vnd', 'reference', -1, false),
        ('reporting_units', 'reported', 1, true)
    ) as measures (measure, side, sign, is_count)
),

reconciliation_cells as (
    select
        'mart_source_reconciliation' as report,
        reconciliation_sides.province_code,
        reconciliation_sides.period,
        reconciliation_sides.project_code as cell_code,
        reconciliation_sides.comparison as cell_key,
        reconciliation_sides.project_code,
        reconciliation_measures.measure,
        case
            when not reconciliation_measures.is_count
                then reconciliation_measures.sign * reconciliation_sides.amount_vnd
        end as amount_vnd,
        case
            when reconciliation_measures.is_count
                then case when reconciliation_sides.is_first_of_unit then 1 else 0 end
        end as counted,
        reconciliation_sides.source_kind,
        reconciliation_sides.batch_id,
        reconciliation_sides.source_file_sha256,
        reconciliation_sides.source_sheet,
        reconciliation_sides.source_row,
        reconciliation_sides.source_record_id,
        cast(null as varchar) as household_pseudonym,
        cast(null as varchar) as derivation,
        reconciliation_sides.subproject_code,
        reconciliation_sides.budget_source,
        reconciliation_sides.capital_type,
        reconciliation_sides.province_code_as_reported,
        reconciliation_sides.admin_era
    from reconciliation_sides
    inner join reconciliation_measures on reconciliation_sides.side = reconciliation_measures.side
    where reconciliation_measures.measure != 'difference_vnd' or reconciliation_sides.is_compared
    union all
    select
        'mart_source_reconciliation' as report,
        province_code,
        period,
        project_code as cell_code,
        comparison as cell_key,
        project_code,
        'tolerance_vnd' as measure,
        tolerance_vnd as amount_vnd,
        cast(null as integer) as counted,
        'computed' as source_kind,
        cast(null as varchar) as batch_id,
        cast(null as varchar) as source_file_sha256,
        cast(null as varchar) as source_sheet,
        cast(null as integer) as source_row,
        cast(null as varchar) as source_record_id,
        cast(null as varchar) as household_pseudonym,
        'greatest(absolute_tolerance_vnd, round(relative_tolerance × |reference_vnd|)) of seed '
        || 'reconciliation_tolerances, comparison ' || comparison
        || ', reference_vnd = ' || coalesce(cast(reference_vnd as varchar), '0') as derivation,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        cast(null as varchar) as province_code_as_reported,
        cast(null as varchar) as admin_era
    from reconciliation
)

{{ lineage_cell_row('reconciliation_cells') }}
