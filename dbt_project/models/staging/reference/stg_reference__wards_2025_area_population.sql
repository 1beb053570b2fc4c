with

source as (
    select * from {{ source('reference_data', 'reference_wards_2025_area_population') }}
),

final as (
    select
        source_id,
        province_name,
        province_code_2025,
        unit_type,
        ward_name as commune_name,
        name_key,
        cast(area_km2 as numeric(12, 4)) as area_km2,
        cast(population as bigint) as population,
        batch_id
    from source
)

select * from final
