with

source as (
    select * from {{ source('ministries', 'ministry_disbursements') }}
),

final as (
    select
        id as disbursement_id,
        province_code,
        admin_era,
        project_code,
        subproject_code,
        budget_source as budget_source_code,
        capital_type as capital_type_code,
        month as month_label,
        cast(amount_vnd as bigint) as amount_vnd,
        cast(value_date as date) as value_date,
        updated_at,
        batch_id,
        source_file_sha256,
        cast(page as integer) as source_page
    from source
)

select * from final
