with

source as (
    select * from {{ source('quality', 'check_results') }}
),

final as (
    select
        batch_id,
        suite,
        expectation_type,
        column_name,
        severity,
        success,
        cast(unexpected_count as bigint) as unexpected_count,
        cast(element_count as bigint) as element_count,
        message_vi,
        message_en,
        failing_locations_json,
        evaluated_at
    from source
)

select * from final
