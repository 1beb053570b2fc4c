with

source as (
    select * from {{ source('reference_data', 'reference_districts_pre2025') }}
),

final as (
    select
        district_code,
        district_name,
        district_full_name,
        province_code,
        batch_id
    from source
)

select * from final
