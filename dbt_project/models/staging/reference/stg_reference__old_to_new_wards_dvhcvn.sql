with

source as (
    select * from {{ source('reference_data', 'reference_old_to_new_wards_dvhcvn') }}
),

final as (
    select
        old_province_code,
        old_ward_code as old_commune_code,
        old_ward_name as old_commune_name,
        new_ward_code as new_commune_code,
        new_ward_name as new_commune_name,
        cast(n_targets as integer) as n_targets,
        batch_id
    from source
)

select * from final
