with

source as (
    select * from {{ source('reference_data', 'reference_wards_pre2025') }}
),

final as (
    select
        ward_code as commune_code,
        ward_name as commune_name,
        ward_full_name as commune_full_name,
        ward_name_en as commune_name_en,
        district_code,
        cast(administrative_unit_id as integer) as administrative_unit_id,
        batch_id
    from source
)

select * from final
