with

source as (
    select * from {{ source('raw', 'batch_problems') }}
),

final as (
    select
        batch_id,
        check_name,
        source_sheet,
        cast(source_row as integer) as source_row,
        reason,
        is_blocking
    from source
)

select * from final
