with

source as (
    select * from {{ source('quality', 'batch_status') }}
),

final as (
    select
        batch_id,
        source,
        dataset,
        source_file_sha256,
        original_name,
        status,
        reasons,
        cast(row_count as bigint) as row_count,
        cast(fact_count as bigint) as fact_count,
        cast(warning_count as bigint) as warning_count,
        loaded_at,
        gated_at
    from source
)

select * from final
