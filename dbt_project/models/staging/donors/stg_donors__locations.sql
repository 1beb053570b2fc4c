with

source as (
    select * from {{ source('donors', 'iati_locations') }}
),

final as (
    select
        iati_identifier,
        cast(location_index as integer) as location_index,
        ref as location_ref,
        name as location_name,
        description as location_description,
        point_pos,
        cast(latitude as double precision) as latitude,
        cast(longitude as double precision) as longitude,
        batch_id
    from source
)

select * from final
