with

source as (
    select * from {{ source('signoff', 'signoff_approved_batches') }}
),

final as (
    select
        event_id,
        province_code,
        period,
        batch_id,
        admin_era,
        province_code_as_reported
    from source
)

select * from final
