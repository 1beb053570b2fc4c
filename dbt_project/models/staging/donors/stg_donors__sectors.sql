with

source as (
    select * from {{ source('donors', 'iati_sectors') }}
),

final as (
    select
        iati_identifier,
        vocabulary as sector_vocabulary,
        code as sector_code,
        cast(percentage as numeric(9, 4)) as sector_percentage,
        narrative as sector_name,
        batch_id
    from source
)

select * from final
