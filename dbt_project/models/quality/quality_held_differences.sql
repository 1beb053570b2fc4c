{#- What each held submission would change if published: one row per held batch × reporting
    unit × period × leaf × measure whose figure differs from the approved one (a leaf the
    approved batch lacks is `added`, one the held batch lacks `removed`). -#}
with

leaves as (
    select * from {{ ref('int_restatement_submission_leaves') }}
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

signoff as (
    select * from {{ ref('quality_signoff_status') }}
    where is_locked
),

approved_batches as (
    select * from {{ ref('stg_quality__signoff_approved_batches') }}
),

held_reports as (
    -- each report of a held batch on a locked slice, with the approval it runs into
    select distinct
        leaves.batch_id as held_batch_id,
        leaves.admin_era,
        leaves.province_code_as_reported,
        leaves.province_code,
        leaves.period,
        signoff.approval_event_id
    from leaves
    inner join batch_status
        on
            leaves.batch_id = batch_status.batch_id
            and batch_status.status = 'held'
    inner join signoff
        on
            leaves.province_code = signoff.province_code
            and leaves.period = signoff.period
),

held_side as (
    select
        held_reports.held_batch_id,
        leaves.*
    from held_reports
    inner join leaves
        on
            held_reports.held_batch_id = leaves.batch_id
            and held_reports.admin_era = leaves.admin_era
            and held_reports.province_code_as_reported = leaves.province_code_as_reported
            and held_reports.period = leaves.period
),

approved_side as (
    select
        held_reports.held_batch_id,
        leaves.*
    from held_reports
    inner join approved_batches
        on
            held_reports.approval_event_id = approved_batches.event_id
            and held_reports.admin_era = approved_batches.admin_era
            and held_reports.province_code_as_reported = approved_batches.province_code_as_reported
    inner join leaves
        on
            approved_batches.batch_id = leaves.batch_id
            and held_reports.admin_era = leaves.admin_era
            and held_reports.province_code_as_reported = leaves.province_code_as_reported
            and held_reports.period = leaves.period
),

compared as (
    select
        coalesce(held_side.held_batch_id, approved_side.held_batch_id) as held_batch_id,
        coalesce(held_side.admin_era, approved_side.admin_era) as admin_era,
        coalesce(held_side.province_code_as_reported, approved_side.province_code_as_reported)
            as province_code_as_reported,
        coalesce(held_side.province_code, approved_side.province_code) as province_code,
        coalesce(held_side.period, approved_side.period) as period,
        coalesce(held_side.project_code, approved_side.project_code) as project_code,
        coalesce(held_side.subproject_code, approved_side.subproject_code) as subproject_code,
        coalesce(held_side.budget_source, approved_side.budget_source) as budget_source,
        coalesce(held_side.capital_type, approved_side.capital_type) as capital_type,
        coalesce(held_side.measure, approved_side.measure) as measure,
        approved_side.batch_id as approved_batch_id,
        approved_side.value_vnd as approved_value_vnd,
        held_side.value_vnd as held_value_vnd
    from held_side
    full outer join approved_side
        on
            held_side.held_batch_id = approved_side.held_batch_id
            and held_side.admin_era = approved_side.admin_era
            and held_side.province_code_as_reported = approved_side.province_code_as_reported
            and held_side.period = approved_side.period
            and held_side.project_code is not distinct from approved_side.project_code
            and held_side.subproject_code is not distinct from approved_side.subproject_code
            and held_side.budget_source is not distinct from approved_side.budget_source
            and held_side.capital_type is not distinct from approved_side.capital_type
            and held_side.measure = approved_side.measure
),

final as (
    select
        compared.held_batch_id,
        coalesce(batch_status.original_name, compared.held_batch_id) as held_source_name,
        compared.province_code,
        compared.admin_era,
        compared.province_code_as_reported,
        compared.period,
        compared.project_code,
        compared.subproject_code,
        compared.budget_source,
        compared.capital_type,
        compared.measure,
        compared.approved_batch_id,
        compared.approved_value_vnd,
        compared.held_value_vnd,
        cast(coalesce(compared.held_value_vnd, 0) - coalesce(compared.approved_value_vnd, 0) as bigint)
            as difference_vnd,
        case
            when compared.approved_value_vnd is null then 'added'
            when compared.held_value_vnd is null then 'removed'
            else 'changed'
        end as change_kind
    from compared
    left join batch_status on compared.held_batch_id = batch_status.batch_id
    where coalesce(compared.held_value_vnd, 0) <> coalesce(compared.approved_value_vnd, 0)
)

select * from final
