with

source as (
    select * from {{ source('ministries', 'ministry_extremely_difficult_villages') }}
),

final as (
    select
        id as village_id,
        village_name,
        commune_code,
        province_code,
        decision_no,
        updated_at,
        batch_id
    from source
)

select * from final
