with

source as (
    select * from {{ source('ministries', 'ministry_capital_plans') }}
),

final as (
    select
        id as capital_plan_id,
        cast(year as integer) as plan_year,
        plan_kind,
        province_code,
        admin_era,
        project_code,
        subproject_code,
        budget_source as budget_source_code,
        capital_type as capital_type_code,
        amount_million_vnd,
        decision_no,
        cast(decision_date as date) as decision_date,
        updated_at,
        batch_id,
        source_file_sha256,
        cast(page as integer) as source_page
    from source
)

select * from final
