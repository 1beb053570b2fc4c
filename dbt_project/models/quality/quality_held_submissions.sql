{#- Held submissions: one row per held batch × approved (locked) province × period it would
    change, with who approved, when, and how much it differs (leaves and đồng per measure). A
    held batch of a slice no longer locked waits to be judged again (`mtqg unlock` does it). -#}
with

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

batch_reports as (
    select distinct
        batch_id,
        province_code,
        period
    from {{ ref('int_restatement_submission_leaves') }}
),

signoff as (
    select * from {{ ref('quality_signoff_status') }}
),

differences as (
    select * from {{ ref('quality_held_differences') }}
),

difference_totals as (
    select
        held_batch_id,
        province_code,
        period,
        count(*) as differing_leaves,
        sum(case when measure = 'planned_vnd' then difference_vnd else 0 end) as planned_difference_vnd,
        sum(case when measure = 'disbursed_vnd' then difference_vnd else 0 end)
            as disbursed_difference_vnd
    from differences
    group by held_batch_id, province_code, period
),

final as (
    select
        batch_status.batch_id,
        coalesce(batch_status.original_name, batch_status.batch_id) as source_name,
        batch_reports.province_code,
        signoff.province_name,
        batch_reports.period,
        signoff.is_locked,
        signoff.approved_by,
        signoff.approved_at,
        batch_status.loaded_at,
        batch_status.gated_at as held_at,
        batch_status.reasons,
        coalesce(difference_totals.differing_leaves, 0) as differing_leaves,
        cast(coalesce(difference_totals.planned_difference_vnd, 0) as bigint) as planned_difference_vnd,
        cast(coalesce(difference_totals.disbursed_difference_vnd, 0) as bigint)
            as disbursed_difference_vnd
    from batch_status
    inner join batch_reports on batch_status.batch_id = batch_reports.batch_id
    inner join signoff
        on
            batch_reports.province_code = signoff.province_code
            and batch_reports.period = signoff.period
    left join difference_totals
        on
            batch_status.batch_id = difference_totals.held_batch_id
            and batch_reports.province_code = difference_totals.province_code
            and batch_reports.period = difference_totals.period
    where batch_status.status = 'held'
)

select * from final
