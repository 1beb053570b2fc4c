{#- Capital plans assigned by decision (Ministry of Finance), medium-term and annual, in 2025
    province codes and integer đồng; the latest version of each plan record, from batches the
    gate accepted. -#}
with

plans as (
    select * from {{ ref('int_capital_plans_converted') }}
    where batch_id in {{ accepted_batches() }}
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
        updated_at
    from plans
)

select * from final
