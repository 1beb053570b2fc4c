with

source as (
    select * from {{ source('ministries', 'ministry_beneficiary_communes') }}
),

final as (
    select
        id as beneficiary_commune_id,
        commune_code,
        commune_name,
        province_code,
        admin_era,
        region,
        decision_no,
        updated_at,
        batch_id
    from source
)

select * from final
