{#- Only facts of batches the quality gate accepted; for each province × period the latest
    accepted submission wins (a corrected file replaces the earlier one; both stay in
    int_provincial_progress_unpivoted and raw). -#}
with

facts as (
    select * from {{ ref('int_provincial_progress_unpivoted') }}
),

batches as (
    select * from {{ ref('stg_raw__batches') }}
),

batch_status as (
    select * from {{ ref('stg_quality__batch_status') }}
),

accepted as (
    select
        facts.*,
        batches.loaded_at
    from facts
    inner join batch_status
        on
            facts.batch_id = batch_status.batch_id
            and batch_status.status = 'accepted'
    inner join batches
        on facts.batch_id = batches.batch_id
),

ranked as (
    select
        accepted.*,
        dense_rank() over (
            partition by accepted.admin_era, accepted.province_code_as_reported, accepted.period
            order by accepted.loaded_at desc, accepted.batch_id desc, accepted.report_index desc
        ) as submission_rank
    from accepted
),

final as (
    select
        batch_id,
        province_code,
        province_code_as_reported,
        admin_era,
        period,
        period_end_date,
        project_code,
        subproject_code,
        budget_source,
        capital_type,
        planned_vnd,
        disbursed_vnd,
        -- Disbursement is reported cumulative from 1 January: the increment of a period is what
        -- it adds to the line's previous period of the same year.
        disbursed_vnd - coalesce(lag(disbursed_vnd) over (
            partition by
                admin_era,
                province_code_as_reported,
                project_code,
                subproject_code,
                budget_source,
                capital_type,
                extract(year from period_end_date)
            order by period_end_date, period
        ), 0) as disbursed_in_period_vnd,
        form,
        source_file_sha256,
        source_sheet,
        source_row,
        loaded_at
    from ranked
    where submission_rank = 1
)

select * from final
