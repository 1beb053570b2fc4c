with

source as (
    select * from {{ source('signoff', 'signoff_events') }}
),

final as (
    select
        event_id,
        action,
        province_code,
        period,
        actor,
        reason,
        recorded_at
    from source
)

select * from final
