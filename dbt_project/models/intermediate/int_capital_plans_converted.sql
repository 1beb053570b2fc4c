{#- Ministry capital plans in the warehouse's terms: the latest version of each record, amounts
    in integer đồng, the province in its 2025 code, budget source and capital type named. -#}
with

plans as (
    select * from {{ ref('stg_ministries__capital_plans') }}
),

provinces as (
    select * from {{ ref('admin_provinces') }}
),

latest as (
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
        latest.capital_plan_id,
        latest.batch_id,
        latest.plan_year,
        latest.plan_kind,
        latest.admin_era,
        latest.province_code as province_code_as_reported,
        provinces.province_code_2025 as province_code,
        latest.project_code,
        latest.subproject_code,
        case latest.budget_source_code
            when 'NSTW' then 'central'
            when 'NSDP' then 'local'
        end as budget_source,
        case latest.capital_type_code
            when 'DTPT' then 'investment'
            when 'SN' then 'recurrent'
        end as capital_type,
        latest.budget_source_code,
        latest.capital_type_code,
        latest.amount_million_vnd,
        {{ million_vnd_to_vnd('latest.amount_million_vnd') }} as amount_vnd,
        latest.decision_no,
        latest.decision_date,
        latest.updated_at
    from latest
    left join provinces
        on
            latest.admin_era = provinces.admin_era
            and latest.province_code = provinces.province_code
    where latest.version_rank = 1
)

select * from final
