with

source as (
    select * from {{ source('raw', 'batches') }}
),

final as (
    select
        batch_id,
        source,
        source_kind,
        dataset,
        source_file_sha256,
        original_name,
        landed_path,
        cast(rows_read as bigint) as rows_read,
        cast(rows_loaded as bigint) as rows_loaded,
        loaded_at
    from source
)

select * from final
