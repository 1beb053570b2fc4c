{#- Every figure the reports add up, expanded to the source rows it sums: one row per mart fact ×
    measure, keyed by the cell it counts in (report, 2025 province, period, project, measure) and
    carrying its source — the file's sha256 with sheet and row, or the landed page's sha256 with
    the record id — and its batch. The sum of `amount_vnd` over a cell's rows is the cell.
    `mtqg explain` reads this model. -#}
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

donors as (
    select * from {{ ref('fct_donor_transactions') }}
    where project_code is not null
),

beneficiaries as (
    select * from {{ ref('fct_beneficiary_support') }}
),

progress_measures as (
    select
        'planned_vnd' as measure,
        progress.planned_vnd as amount_vnd,
        progress.*
    from progress
    union all
    select
        'disbursed_vnd' as measure,
        progress.disbursed_vnd as amount_vnd,
        progress.*
    from progress
    union all
    select
        'disbursed_in_period_vnd' as measure,
        progress.disbursed_in_period_vnd as amount_vnd,
        progress.*
    from progress
    union all
    select
        'planned_' || progress.budget_source || '_vnd' as measure,
        progress.planned_vnd as amount_vnd,
        progress.*
    from progress
    where progress.budget_source in ('central', 'local')
),

unioned as (
    select
        'rpt_progress_by_province' as report,
        province_code,
        period,
        project_code,
        measure,
        amount_vnd,
        'provincial_report' as source_kind,
        batch_id,
        source_file_sha256,
        source_sheet,
        source_row,
        cast(null as varchar) as source_record_id,
        subproject_code,
        budget_source,
        capital_type,
        province_code_as_reported,
        admin_era
    from progress_measures
    union all
    select
        'mart_programme_progress' as report,
        province_code,
        cast(plan_year as varchar) as period,
        project_code,
        'plan_vnd' as measure,
        amount_vnd,
        'ministry_api' as source_kind,
        batch_id,
        source_file_sha256,
        cast(null as varchar) as source_sheet,
        source_page as source_row,
        source_record_id,
        subproject_code,
        budget_source,
        capital_type,
        province_code_as_reported,
        admin_era
    from plans
    union all
    select
        'mart_programme_progress' as report,
        province_code,
        cast(disbursement_year as varchar) as period,
        project_code,
        'disbursed_treasury_vnd' as measure,
        amount_vnd,
        'ministry_api' as source_kind,
        batch_id,
        source_file_sha256,
        cast(null as varchar) as source_sheet,
        source_page as source_row,
        source_record_id,
        subproject_code,
        budget_source,
        capital_type,
        province_code_as_reported,
        admin_era
    from treasury
    union all
    select
        'fct_donor_transactions' as report,
        cast(null as varchar) as province_code,
        cast(extract(year from transaction_date) as varchar) as period,
        project_code,
        transaction_type || '_project_amount_vnd' as measure,
        project_amount_vnd as amount_vnd,
        channel as source_kind,
        batch_id,
        source_file_sha256,
        cast(null as varchar) as source_sheet,
        source_record_index as source_row,
        iati_identifier as source_record_id,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        cast(null as varchar) as province_code_as_reported,
        cast(null as varchar) as admin_era
    from donors
    union all
    select
        'fct_beneficiary_support' as report,
        province_code,
        cast(support_year as varchar) as period,
        cast(null as varchar) as project_code,
        'support_amount_vnd' as measure,
        amount_vnd,
        'provincial_report' as source_kind,
        batch_id,
        source_file_sha256,
        source_sheet,
        source_row,
        cast(null as varchar) as source_record_id,
        cast(null as varchar) as subproject_code,
        cast(null as varchar) as budget_source,
        cast(null as varchar) as capital_type,
        province_code_as_reported,
        admin_era
    from beneficiaries
),

final as (
    select
        unioned.report,
        unioned.province_code,
        unioned.period,
        unioned.project_code,
        unioned.measure,
        cast(unioned.amount_vnd as bigint) as amount_vnd,
        unioned.source_kind,
        unioned.batch_id,
        batches.original_name as source_name,
        batches.loaded_at as batch_loaded_at,
        unioned.source_file_sha256,
        unioned.source_sheet,
        unioned.source_row,
        unioned.source_record_id,
        unioned.subproject_code,
        unioned.budget_source,
        unioned.capital_type,
        unioned.province_code_as_reported,
        unioned.admin_era,
        -- one source row of one measure counted for one project (a donor transaction mapped to
        -- two projects is two rows): the key a split across 2026–2035 codes apportions by
        unioned.batch_id || '|' || coalesce(unioned.project_code, '')
        || '|' || coalesce(unioned.source_file_sha256, '')
        || '|' || coalesce(unioned.source_sheet, '')
        || '|' || coalesce(cast(unioned.source_row as varchar), '')
        || '|' || coalesce(unioned.source_record_id, '')
        || '|' || coalesce(unioned.budget_source, '')
        || '|' || coalesce(unioned.capital_type, '') as source_key
    from unioned
    left join {{ ref('stg_raw__batches') }} as batches on unioned.batch_id = batches.batch_id
)

select * from final
