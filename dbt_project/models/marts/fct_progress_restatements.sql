{#- Restatements: every change an accepted re-submission made to figures already published. For
    each reporting unit × period the accepted submissions follow one another in the order the
    marts rank them (loaded_at, batch_id); each one is compared, leaf by leaf, with the one it
    replaced. Quarantined and held submissions were never published and are not in the chain; a
    held one that is accepted after an unlock restates the approved figures. -#}
with

leaves as (
    select * from {{ ref('int_restatement_submission_leaves') }}
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

provinces as (
    select * from {{ ref('dim_province') }}
    where is_current
),

submissions as (
    select distinct
        leaves.batch_id,
        leaves.admin_era,
        leaves.province_code_as_reported,
        leaves.period,
        batches.loaded_at,
        batch_status.gated_at,
        coalesce(batch_status.original_name, leaves.batch_id) as source_name
    from leaves
    inner join batch_status
        on
            leaves.batch_id = batch_status.batch_id
            and batch_status.status = 'accepted'
    inner join batches on leaves.batch_id = batches.batch_id
),

sequenced as (
    select
        submissions.*,
        lag(submissions.batch_id) over succession as old_batch_id,
        lag(submissions.source_name) over succession as old_source_name,
        lag(submissions.loaded_at) over succession as old_loaded_at,
        row_number() over (
            partition by submissions.admin_era, submissions.province_code_as_reported, submissions.period
            order by submissions.loaded_at desc, submissions.batch_id desc
        ) = 1 as is_in_force
    from submissions
    window succession as (
        partition by submissions.admin_era, submissions.province_code_as_reported, submissions.period
        order by submissions.loaded_at, submissions.batch_id
    )
),

pairs as (
    select * from sequenced
    where old_batch_id is not null
),

compared as (
    {{ compare_submission_leaves(
        'leaves', new=('pairs', 'batch_id'), old=('pairs', 'old_batch_id'), pair='batch_id',
        pair_as='pair_batch_id', new_as='new', old_as='old'
    ) }}
),

final as (
    select
        compared.province_code,
        provinces.province_name,
        compared.admin_era,
        compared.province_code_as_reported,
        compared.period,
        compared.project_code,
        compared.subproject_code,
        compared.budget_source,
        compared.capital_type,
        compared.measure,
        compared.old_value_vnd,
        compared.new_value_vnd,
        compared.change_vnd,
        compared.change_kind,
        pairs.old_batch_id,
        pairs.old_source_name,
        pairs.old_loaded_at,
        pairs.batch_id as new_batch_id,
        pairs.source_name as new_source_name,
        pairs.loaded_at as new_loaded_at,
        pairs.gated_at as restated_at,
        pairs.is_in_force
    from compared
    inner join pairs
        on
            compared.pair_batch_id = pairs.batch_id
            and compared.admin_era = pairs.admin_era
            and compared.province_code_as_reported = pairs.province_code_as_reported
            and compared.period = pairs.period
    left join provinces on compared.province_code = provinces.province_code_2025
)

select * from final
