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

-- the approved batch of each held report's reporting unit
approved_reports as (
    select
        held_reports.*,
        approved_batches.batch_id as approved_batch_id
    from held_reports
    inner join approved_batches
        on
            held_reports.approval_event_id = approved_batches.event_id
            and held_reports.admin_era = approved_batches.admin_era
            and held_reports.province_code_as_reported = approved_batches.province_code_as_reported
),

compared as (
    {{ compare_submission_leaves(
        'leaves', new=('held_reports', 'held_batch_id'), old=('approved_reports', 'approved_batch_id'),
        pair='held_batch_id', pair_as='held_batch_id', new_as='held', old_as='approved'
    ) }}
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
        compared.change_vnd as difference_vnd,
        compared.change_kind
    from compared
    left join batch_status on compared.held_batch_id = batch_status.batch_id
)

select * from final
