{#- Ministry capital plans in the warehouse's terms: every version of every record, one row per
    pull (batch) × record, amounts in integer đồng, the province in its 2025 code, budget source
    and capital type named. Which version counts is decided in the mart, among accepted pulls
    only: a newer version in a quarantined pull must never hide the accepted one. -#}
with

plans as (
    select * from {{ ref('stg_ministries__capital_plans') }}
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

final as (
    select
        plans.capital_plan_id,
        plans.batch_id,
        plans.plan_year,
        plans.plan_kind,
        plans.admin_era,
        plans.province_code as province_code_as_reported,
        provinces.province_code_2025 as province_code,
        plans.project_code,
        plans.subproject_code,
        case plans.budget_source_code
            when 'NSTW' then 'central'
            when 'NSDP' then 'local'
        end as budget_source,
        case plans.capital_type_code
            when 'DTPT' then 'investment'
            when 'SN' then 'recurrent'
        end as capital_type,
        plans.budget_source_code,
        plans.capital_type_code,
        plans.amount_million_vnd,
        {{ million_vnd_to_vnd('plans.amount_million_vnd') }} as amount_vnd,
        plans.decision_no,
        plans.decision_date,
        plans.updated_at,
        plans.source_file_sha256,
        plans.source_page
    from plans
    left join provinces
        on
            plans.admin_era = provinces.admin_era
            and plans.province_code = provinces.province_code
)

select * from final
