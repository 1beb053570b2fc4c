with

source as (
    select * from {{ source('donors', 'iati_locations') }}
),

refused as (
    -- batches their reader refused (a blocking problem: an activity without or repeating an
    -- <iati-identifier>, a value that is not a number …) are quarantined: no row of theirs goes
    -- further than raw, so no key test downstream can stop the run for one bad file
    select distinct batch_id from {{ ref('stg_raw__batch_problems') }}
    where is_blocking
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
    where not exists (
        select 1 from refused
        where refused.batch_id = source.batch_id
    )
)

select * from final
