{#- Capital plans assigned by decision (Ministry of Finance), medium-term and annual, in 2025
    province codes and integer đồng; the latest version of each plan record, from batches the
    gate accepted. -#}
with

plans as (
    select * from {{ ref('int_capital_plans_converted') }}
    where batch_id in {{ accepted_batches() }}
),

-- the latest version of each record among accepted pulls only: a newer version in a
-- quarantined pull must not delete the record (the cursor has moved past it)
ranked as (
    select
        plans.*,
        row_number() over (
            partition by plans.capital_plan_id
            order by plans.updated_at desc, plans.batch_id desc
        ) as version_rank
    from plans
),

final as (
    select
        capital_plan_id,
        plan_kind,
        plan_year,
        province_code,
        province_code_as_reported,
        admin_era,
        project_code,
        subproject_code,
        budget_source,
        capital_type,
        amount_vnd,
        amount_million_vnd as amount_million_vnd_as_sent,
        decision_no,
        decision_date,
        batch_id,
        updated_at,
        source_file_sha256,
        source_page,
        capital_plan_id as source_record_id
    from ranked
    where version_rank = 1
)

select * from final
