with

source as (
    select * from {{ source('reference_data', 'reference_old_to_new_wards_vietnamadminunits') }}
),

final as (
    select
        old_province_code,
        old_district_code,
        old_ward_code as old_commune_code,
        old_ward_name as old_commune_name,
        is_divided_ward,
        new_province_code,
        new_ward_code as new_commune_code,
        new_ward_name as new_commune_name,
        cast(new_ward_area_km2 as numeric(12, 4)) as new_commune_area_km2,
        batch_id
    from source
)

select * from final
